"""People `org sync` or `org import` moved to another unit while answering for accounts (专人, 第21条) of a unit
they are no longer in, or with approval requests of that unit not yet settled. The accounts stay with their unit,
which must name one of its own people; the requests are the unit's to finish (handlers/approvals_takeover.py, as
for an applicant who left). The bureau admins who look after that unit hear it, as of a departure, and the command
lists it. Said once, when the move happens (a re-run moves nobody)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy.orm import Session

from bot import outbox
from models.account import Account
from models.approval import ApprovalRequest
from models.directory import admins_for, open_accounts_of, request_advice, unfinished_requests_of, unit_left_empty
from models.org import Person


@dataclass
class KeeperMoved:
    person: Person
    left: str  # the name of the unit the person was moved out of
    account: Account


def keepers_moved(session: Session, moved: list[tuple[Person, str]]) -> list[KeeperMoved]:
    """For people moved in this run (person, former unit's name): the open accounts of other units they answer
    for. Someone deactivated as well is a departure, listed with its accounts already."""
    return [KeeperMoved(person, left, account) for person, left in moved if person.active
            for account in open_accounts_of(session, person) if account.unit_id != person.unit_id]


def keepers_moved_notice(items: list[KeeperMoved], source: str) -> str:
    """The new unit is not named: it may be in another county, which is not this bureau's business."""
    lines = [f"【账号负责人调离】{source}：以下账号的负责人已调离账号所属单位，不能再负责这些账号"
             "（第二十一条：每个账号须有本单位专人负责）。"]
    for i, item in enumerate(items, 1):
        account, person = item.account, item.person
        lines.append(f"{i}. {account.unit.name}「{account.name}（{account.platform}）」：负责人{person.name}"
                     f"（{person.userid}）已调离{item.left}")
    lines.append("请督促这些单位回复「变更 账号名称 平台」，选择「账号负责人」指定本单位专人。")
    return "\n".join(lines)


def notify_keepers_moved(session: Session, items: list[KeeperMoved], source: str) -> dict[str, list[KeeperMoved]]:
    """One push per set of bureau admins, listing only the accounts in their part of the tree; by the admins'
    userids ("" for accounts whose unit has no bureau admin to tell)."""
    return _tell_admins(session, items, lambda item: item.account.unit,
                        lambda group: keepers_moved_notice(group, source))


@dataclass
class RequestLeft:
    person: Person
    left: str  # the name of the unit the applicant was moved out of
    request: ApprovalRequest


def requests_left(session: Session, moved: list[tuple[Person, str]]) -> list[RequestLeft]:
    """For people moved in this run: their unsettled requests (草稿, 审批中, 已退回) that are no longer theirs to
    finish (`ApprovalRequest.applicant_left`; a bureau user's request for a unit below stays his)."""
    return [RequestLeft(person, left, req) for person, left in moved if person.active
            for req in unfinished_requests_of(session, person) if req.applicant_left]


def requests_left_notice(session: Session, items: list[RequestLeft], source: str) -> str:
    lines = [f"【申请人调离】{source}：以下审批申请的申请人已调离申请单位，不再办理这些申请，改由申请单位接手。"]
    for i, item in enumerate(items, 1):
        req, person = item.request, item.person
        lines.append(f"{i}. 第{req.id}号 {req.title}，{req.status}：申请人{person.name}（{person.userid}）已调离{item.left}")
        lines.append(f"   → {request_advice(req, unit_left_empty(session, req.unit_id))}。")
    return "\n".join(lines)


def notify_requests_left(session: Session, items: list[RequestLeft], source: str) -> dict[str, list[RequestLeft]]:
    """As `notify_keepers_moved`, for the requests: their unit's bureau admins hear of those in their part."""
    return _tell_admins(session, items, lambda item: item.request.unit,
                        lambda group: requests_left_notice(session, group, source))


def _tell_admins(session: Session, items: list, unit_of: Callable, notice: Callable[[list], str]) -> dict[str, list]:
    """Group `items` by the bureau admins who look after `unit_of(item)` and push each group its `notice`."""
    groups: dict[tuple[str, ...], tuple[list[Person], list]] = {}
    for item in items:
        admins = admins_for(session, unit_of(item))
        groups.setdefault(tuple(sorted(a.userid for a in admins)), (admins, []))[1].append(item)
    for key, (admins, group) in groups.items():
        if key:
            outbox.push_text(session, admins, notice(group))
    return {"、".join(key): group for key, (_, group) in groups.items()}
