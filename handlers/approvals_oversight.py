"""Where approvals meet oversight (issue 5): the cancellation drafted for a dormancy case
(停更90天, 第15条) or an ordered closure (责令关闭, 第32条), and what the case learns when that
request is withdrawn, rejected or approved. Not a feature: no `register`."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock, outbox
from models import audit, org
from models.account import Account
from models.approval import CANCEL, DRAFT, PENDING_STATUSES, REJECTED, RETURNED, WITHDRAWN, ApprovalRequest
from models.org import Person
from models.oversight import CASE_OPEN, CASE_PENDING, DormancyCase, bureau_admins, unit_people

NO_UPKEEP = "无力维护"  # 第15条: an account idle for three months
BY_BULLETIN = "按通报整改要求"  # 第32条: the bureau ordered the closure


def drafter(session: Session, account: Account) -> Person | None:
    """Who the draft is filed under: the account's responsible person, else the unit's staff or head."""
    return responsible_of(account) or _unit_drafters(session, [account.unit_id]).get(account.unit_id)


def responsible_of(account: Account) -> Person | None:
    """The account's responsible person (第21条), while active and still of the account's unit."""
    responsible = account.responsible
    if responsible is not None and responsible.active and responsible.unit_id == account.unit_id:
        return responsible
    return None


def _unit_drafters(session: Session, unit_ids: list[int]) -> dict[int, Person]:
    """Per unit, its first staff member, else its first head (one or two statements for all units)."""
    out: dict[int, Person] = {}
    for role in (org.STAFF, org.UNIT_HEAD):
        missing = sorted(set(unit_ids) - set(out))
        if not missing:
            break
        for person in org.people_with_role(session, role, missing):
            out.setdefault(person.unit_id, person)
    return out


def draft_cancellation(session: Session, case: DormancyCase, reason_kind: str, reason: str,
                       actor: str) -> ApprovalRequest | None:
    """A 注销 request in 草稿 for the case's account, linked from the case; None if nobody can file it."""
    return draft_cancellations(session, [(case, reason)], reason_kind, actor)[case.id]


def draft_cancellations(session: Session, cases: list[tuple[DormancyCase, str]], reason_kind: str,
                        actor: str) -> dict[int, ApprovalRequest | None]:
    """draft_cancellation for many (case, reason) at once, by case id, in a constant number of statements:
    the dormancy ladder's first run after an import marks hundreds of accounts dormant together."""
    from handlers.approvals_change import snapshot
    if not cases:
        return {}
    accounts = {case.account_id: case.account for case, _ in cases}
    in_hand = _cancellations_in_hand(session, list(accounts))
    fallback = _unit_drafters(session, sorted({a.unit_id for a in accounts.values()
                                               if a.id not in in_hand and responsible_of(a) is None}))
    out: dict[int, ApprovalRequest | None] = {}
    drafted: list[tuple[DormancyCase, ApprovalRequest]] = []
    for case, reason in cases:
        account = accounts[case.account_id]
        existing = in_hand.get(account.id)
        if existing is not None:  # a draft left from an earlier case, or a cancellation the unit already filed
            case.approval_request_id = existing.id
            out[case.id] = existing
            continue
        applicant = responsible_of(account) or fallback.get(account.unit_id)
        if applicant is None:
            out[case.id] = None
            continue
        req = ApprovalRequest(kind=CANCEL, unit_id=account.unit_id, applicant_id=applicant.id, account_id=account.id,
                              form=snapshot(account), reason_kind=reason_kind, reason=reason, status=DRAFT,
                              created_at=clock.now())
        session.add(req)
        in_hand[account.id] = out[case.id] = req  # a second case of the account in this call shares the draft
        drafted.append((case, req))
    if drafted:
        session.flush()  # the request numbers go into the cases and the texts
        for case, req in drafted:
            case.approval_request_id = req.id
            audit.record(session, actor=actor, action="approval.draft", entity="approval_request", entity_id=req.id,
                         after={"status": DRAFT, "kind": CANCEL, "reason_kind": reason_kind, "case_id": case.id})
    return out


def _cancellations_in_hand(session: Session, account_ids: list[int]) -> dict[int, ApprovalRequest]:
    """Per account: its pending (or sent back) 注销 / 关停 request, else its latest draft."""
    from models.approval import SUSPEND
    pending: dict[int, ApprovalRequest] = {}
    drafts: dict[int, ApprovalRequest] = {}
    for req in session.scalars(select(ApprovalRequest).where(
            ApprovalRequest.account_id.in_(account_ids),
            ApprovalRequest.status.in_((*PENDING_STATUSES, RETURNED, DRAFT))).order_by(ApprovalRequest.id)):
        if req.status == DRAFT:
            drafts[req.account_id] = req
        elif req.kind in (CANCEL, SUSPEND):
            pending.setdefault(req.account_id, req)
    return {**drafts, **pending}


def draft_lines(req: ApprovalRequest | None, case: DormancyCase) -> str:
    """How the unit completes the draft or explains instead (appended to the case notice)."""
    if req is not None and req.status != DRAFT:
        return f"1. 已有在办的{req.kind}申请第{req.id}号（{req.status}），请关注审批进度；\n"
    if req is None:
        return (f"1. 申请注销该账号（理由：{NO_UPKEEP if case.source != '责令关闭' else BY_BULLETIN}），"
                f"回复「注销 {case.account.name}」；\n")
    return (f"1. 已为您单位起草注销申请第{req.id}号（理由：{req.reason_kind}），"
            f"回复「修改 {req.id}」核对后提交审批；\n")


def draft_of_account(session: Session, account_id: int) -> ApprovalRequest | None:
    return session.scalar(select(ApprovalRequest).where(ApprovalRequest.account_id == account_id,
                                                        ApprovalRequest.status == DRAFT)
                          .order_by(ApprovalRequest.id.desc()))


def unit_drafts(session: Session, person: Person) -> list[ApprovalRequest]:
    """Drafts waiting for the person's own unit (for staff and unit heads)."""
    if not person.has_role(org.STAFF, org.UNIT_HEAD):
        return []
    return list(session.scalars(select(ApprovalRequest).where(ApprovalRequest.unit_id == person.unit_id,
                                                              ApprovalRequest.status == DRAFT)
                                .order_by(ApprovalRequest.id)))


def request_note(session: Session, case: DormancyCase) -> str:
    """The case's cancellation request and its status, for listings ("" when there is none)."""
    req = session.get(ApprovalRequest, case.approval_request_id) if case.approval_request_id else None
    return f"｜{req.kind}申请第{req.id}号：{req.status}" if req else ""


def cancel_hint(session: Session, case: DormancyCase) -> str:
    """How the unit cancels the case's account now: submit the draft, await the pending request, or file one."""
    req = session.get(ApprovalRequest, case.approval_request_id) if case.approval_request_id else None
    if req is not None and req.status == DRAFT:
        return f"回复「修改 {req.id}」提交起草好的注销申请"
    if req is not None and req.status in (*PENDING_STATUSES, RETURNED):
        return f"跟进第{req.id}号{req.kind}申请的审批（{req.status}）"
    name = case.account.name if case.account else "账号名称"
    return f"回复「注销 {name}」申请注销该账号"


def case_of(session: Session, req: ApprovalRequest) -> DormancyCase | None:
    return session.scalar(select(DormancyCase).where(DormancyCase.approval_request_id == req.id))


def request_dropped(session: Session, req: ApprovalRequest, actor: Person) -> None:
    """The case's cancellation was withdrawn or rejected: the case stays open and needs an explanation."""
    case = case_of(session, req)
    if case is None or case.status not in CASE_PENDING:
        return
    what = "已撤回" if req.status == WITHDRAWN else "被驳回" if req.status == REJECTED else req.status
    audit.record(session, actor=actor.userid, action="dormancy_case.request_dropped", entity="dormancy_case",
                 entity_id=case.id, after={"request_id": req.id, "request_status": req.status})
    if case.status != CASE_OPEN:
        return  # an explanation is already with the bureau
    outbox.push_text(session, unit_people(session, case.unit_id),
                     f"【跟进事项 {case.id}】「{case.account_label}」的注销申请第{req.id}号{what}，跟进事项仍未办结。"
                     f"请回复「说明 {case.id} 理由…」向县政数局说明不注销的原因，或重新申请注销。")
    outbox.push_text(session, bureau_admins(session, case.unit),
                     f"【跟进事项 {case.id}】{case.unit.name}「{case.account_label}」的注销申请第{req.id}号{what}，"
                     "跟进事项仍待单位作出说明。")


def withdraw_draft_of(session: Session, case: DormancyCase, actor: str) -> None:
    """The bureau accepted an explanation instead: the unused draft is withdrawn."""
    req = session.get(ApprovalRequest, case.approval_request_id) if case.approval_request_id else None
    if req is None or req.status != DRAFT:
        return
    req.status, req.decided_at = WITHDRAWN, clock.now()
    audit.record(session, actor=actor, action="approval.withdraw", entity="approval_request", entity_id=req.id,
                 before={"status": DRAFT}, after={"status": WITHDRAWN, "why": "说明已接受"})


def settle_account(session: Session, account: Account, actor: str) -> None:
    """The account was cancelled or suspended: its pending cases close now, leftover drafts are withdrawn."""
    from models.oversight import settle_closed_accounts
    settle_closed_accounts(session, clock.now(), actor)
    while (draft := draft_of_account(session, account.id)) is not None:
        draft.status, draft.decided_at = WITHDRAWN, clock.now()
        audit.record(session, actor=actor, action="approval.withdraw", entity="approval_request", entity_id=draft.id,
                     before={"status": DRAFT}, after={"status": WITHDRAWN, "why": f"账号已{account.status}"})
