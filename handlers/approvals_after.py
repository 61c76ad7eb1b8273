"""After final approval: change the registry, start the national-registry countdown, send the form."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import clock, config, outbox, workdays
from handlers import approvals_text as text
from models import audit, org
from models.account import (APPLYING, CANCELLED, NORMAL, REGISTRY_DONE, REGISTRY_PENDING, SUSPENDED, Account,
                            AccountChange)
from models.approval import (APPROVED, CANCEL, CHANGE, OPEN, RETRO, STEP_CITY, SUSPEND, ApprovalRequest,
                             RegistryFiling)
from models.directory import admins_for, refused_text
from models.org import BUREAU_ADMIN, CITY_REVIEWER, STAFF, Person
from models.oversight import unit_people

REGISTRY_WORKDAYS = 3  # 第11条
ACCOUNT_FIELDS = ("name", "platform", "function", "url", "platform_account_id", "contact", "operator")


def apply(session: Session, req: ApprovalRequest, decider: Person) -> None:
    today = clock.today()
    responsible_before = req.account.responsible_id if req.account is not None else None
    before, changes = _apply_to_account(session, req, today)
    account = req.account
    _drop_departed_responsible(session, req, decider)
    session.add(AccountChange(account_id=account.id, at=clock.now(), kind=req.kind, request_id=req.id,
                              changes=changes, actor=decider.userid))
    account.registry_status = REGISTRY_PENDING
    audit.record(session, actor=decider.userid, action=f"account.{_action(req.kind)}", entity="account",
                 entity_id=account.id, before=before, after={"status": account.status, "changes": changes})
    workdays.prime(session)
    deadline = workdays.add_workdays(today, REGISTRY_WORKDAYS)
    if not workdays.covered(deadline.year):
        outbox.push_text(session, org.people_with_role(session, BUREAU_ADMIN),
                         f"注意：{deadline.year}年的法定节假日安排尚未录入，报送截止日暂按普通工作日（周一至周五）计算。"
                         "请用「flask --app bot calendar」录入国务院公布的安排。",
                         dedupe_key=f"calendar-missing:{deadline.year}")
    filing = RegistryFiling(request_id=req.id, account_id=account.id, unit_id=req.unit_id,
                            approved_on=today, deadline=deadline)
    session.add(filing)
    session.flush()  # the filing's id: the notice to the bureau admins is keyed by it
    _tell_after_approval(session, req, filing)
    _follow_up(session, req, decider, responsible_before)


def _drop_departed_responsible(session: Session, req: ApprovalRequest, decider: Person) -> None:
    """The responsible person the form named has left since it was filed — deactivated (停用) or moved out of the
    unit (调离, perhaps to another county): an account must not be given to someone no reminder reaches, or who
    no longer belongs to its unit. It is left without one, and the unit is asked to name its own (第21条)."""
    account = req.account
    named = session.get(Person, account.responsible_id) if account.responsible_id is not None else None
    if named is None or req.kind not in (OPEN, CHANGE):
        return
    gone = "已停用" if not named.active else "已调离" if named.unit_id != req.unit_id else ""
    if not gone:
        return
    account.responsible_id = None
    audit.record(session, actor=decider.userid, action="account.responsible_departed", entity="account",
                 entity_id=account.id, before={"responsible": named.userid}, after={"responsible": None})
    _tell_unit(session, account.unit,
               f"【账号负责人】第{req.id}号申请指定的账号负责人{named.name}{gone}，「{account.name}（{account.platform}）」"
               f"目前没有账号负责人。请按《办法》第21条回复「变更 {account.name} {account.platform}」，"
               "选择「账号负责人」指定本单位专人。")


def _tell_unit(session: Session, unit: org.Unit, notice: str) -> None:
    """A notice for the unit's people; when none of them can receive it, the bureau admins get it, saying why."""
    people = org.reachable(unit_people(session, unit.id))
    if people:
        outbox.push_text(session, people, notice)
        return
    outbox.push_text(session, admins_for(session, unit),
                     f"{notice}\n（这条通知是发给{unit.name}的，{nobody_reachable(session, unit)}，收不到。"
                     "请转告该单位，或代为办理；并在通讯录中补充该单位的人员。）")


def _follow_up(session: Session, req: ApprovalRequest, decider: Person, responsible_before: int | None) -> None:
    """Oversight: settle the account's dormancy cases, flag an untrained new responsible person (one who was not
    one before: flag_untrained)."""
    from handlers.approvals_oversight import settle_account
    from models.training import flag_untrained
    if req.kind in (CANCEL, SUSPEND):
        settle_account(session, req.account, decider.userid)
    responsible_id = req.account.responsible_id
    if responsible_id is not None and responsible_id != responsible_before and (
            req.kind in (OPEN, RETRO) or "responsible_name" in (req.changes or {})):
        flag_untrained(session, session.get(Person, responsible_id), req.account.id)
        _tell_responsible(session, req, responsible_before)


def _tell_responsible(session: Session, req: ApprovalRequest, before_id: int | None) -> None:
    """第21条: the person now answering for the account learns it (a colleague named on the form, a head named in a
    change), and the one who no longer does that the dormancy warnings go to the new one. Not the applicant, who
    named them and hears of the approval."""
    account = req.account
    what = f"「{account.name}」（{account.platform}，{account.unit.name}）"
    new = session.get(Person, account.responsible_id)
    if new != req.applicant:
        outbox.push_text(session, org.reachable([new]),
                         f"【账号负责人】第{req.id}号{req.kind}申请已审批通过，您是{what}的账号负责人。按《办法》第21条，"
                         "账号负责人对账号的信息内容和安全运行负总责：请保持更新（两周未更新国检即单项否决），"
                         "停更提醒会发给您。回复「台账」查看本单位的账号。")
    old = session.get(Person, before_id) if before_id is not None else None
    if old is not None and old != req.applicant:
        outbox.push_text(session, org.reachable([old]),
                         f"【账号负责人】经第{req.id}号{req.kind}申请审批，{what}的账号负责人已由您改为{new.name}，"
                         f"今后这个账号的停更提醒发给{new.name}。")


def _action(kind: str) -> str:
    return {OPEN: "open", CHANGE: "change", CANCEL: "cancel", SUSPEND: "suspend", RETRO: "retro_file"}[kind]


def _apply_to_account(session: Session, req: ApprovalRequest, today: date) -> tuple[dict | None, dict]:
    form = req.form
    if req.kind == OPEN:
        account = Account(unit_id=req.unit_id, status=APPLYING, registry_code=req.unit.registry_code,
                          responsible_id=form.get("responsible_id"),
                          **{k: form.get(k) for k in ACCOUNT_FIELDS})
        session.add(account)
        session.flush()
        req.account = account
        account.status, account.opened_on = NORMAL, today
        return None, {k: [None, form.get(k)] for k in ACCOUNT_FIELDS if form.get(k)}
    account = req.account
    before = {"status": account.status}
    if req.kind == CHANGE:
        for field, (_old, new) in (req.changes or {}).items():
            if field == "responsible_name":
                account.responsible_id = form.get("responsible_id")
            elif field == "unit_name":
                account.unit_id = form.get("unit_id")
                account.registry_code = session.get(org.Unit, form.get("unit_id")).registry_code
            else:
                setattr(account, field, new)
        account.status, account.last_changed_on = NORMAL, today
        return before, dict(req.changes or {})
    if req.kind in (CANCEL, SUSPEND):
        account.status = CANCELLED if req.kind == CANCEL else SUSPENDED
        account.closed_on = today
        return before, {"status": [before["status"], account.status]}
    account.needs_retro_filing = False  # RETRO
    if account.responsible_id is None and form.get("responsible_id"):  # the 专人 named with it (第21条)
        account.responsible_id = form["responsible_id"]
        named = form.get("responsible_name")
        return before, {"needs_retro_filing": [True, False], "responsible_name": [None, named]}
    return before, {"needs_retro_filing": [True, False]}


def _tell_after_approval(session: Session, req: ApprovalRequest, filing: RegistryFiling) -> None:
    staff = unit_staff(session, req)
    today = clock.today()
    due = workdays.day_label(filing.deadline, today, session)
    bureau = registry_admins(session, req)
    if staff:
        outbox.push_text(session, staff,
                         f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}）已审批通过。按《办法》第11条，"
                         f"请在{REGISTRY_WORKDAYS}个工作日内（不含今天）、最迟于{due}在全国政务新媒体信息报送系统中完成"
                         f"{req.kind}，完成后回复「已报送 {req.id}」（可随后发送系统截图）。")
    else:  # nobody of the unit can receive it: the bureau admins hear today, as from the countdown (same key)
        outbox.push_text(session, bureau, nobody_text(session, filing, today), dedupe_key=remind_key(filing, today))
    if req.applicant_told and req.applicant not in staff and (staff or req.applicant not in bureau):
        outbox.push_text(session, req.applicant, _filer_registry_note(session, req, staff, due))
    if req.kind in (CANCEL, SUSPEND) or (req.kind == CHANGE and "unit_name" in (req.changes or {})):
        if staff:
            outbox.push_text(session, staff, f"提醒：按《办法》第12条，请及时向社会发布{req.kind}公告。")
        else:
            outbox.push_text(session, bureau, _announcement_nobody_text(session, req))
    if req.kind == CHANGE and "unit_name" in (req.changes or {}):
        _tell_new_host_unit(session, req)
    if not config.get().city_step_is_approval:
        city = req.unit.city_bureau()
        copy_to = org.people_with_role(session, CITY_REVIEWER, [city.id]) if city else []
        outbox.push_text(session, copy_to, f"备案：{req.unit.name}的第{req.id}号{req.kind}申请已经主管单位审批通过。\n"
                         + text.describe(req))
    told = [p for p in bureau if p != req.applicant]  # the file alone, unexplained, came to the bureau admins
    outbox.push_text(session, told, f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}，{req.unit.name}）已全部审批"
                     f"通过，审批表（附件2，含各级意见）见下面的文件，请存档；全国系统由申请单位最迟于{due}办理。")
    send_form(session, req, [*req.applicant_told, *bureau])  # not to an applicant who left (停用 or 调离)


def _tell_new_host_unit(session: Session, req: ApprovalRequest) -> None:
    """The unit that now hosts the account (第5条: 谁开设、谁主办) hears it, and whether it must name its own
    responsible person (第21条) because the current one belongs to the old unit."""
    account = req.account
    new_unit = session.get(org.Unit, account.unit_id)
    lines = [f"【账号移交】经第{req.id}号变更申请审批，「{account.name}（{account.platform}）」的主办单位由"
             f"{req.unit.name}变更为{new_unit.name}。今后由本单位报送该账号的周报、负责日常管理。"]
    responsible = account.responsible
    if responsible is None or responsible.unit_id != new_unit.id:
        who = f"现在的账号负责人{responsible.name}不是本单位人员，" if responsible else "该账号还没有账号负责人，"
        lines.append(f"{who}请按《办法》第21条回复「变更 {account.name} {account.platform}」，"
                     "选择「账号负责人」指定本单位专人。")
    _tell_unit(session, new_unit, "\n".join(lines))


def due_text(deadline: date, today: date, session: Session | None = None) -> str:
    """The 第11条 deadline as every message shows it (approval notice, reminders, 查看, 台账, 单位记录, the digest):
    the date itself, and the working days left *not counting today* — 「还剩2个工作日」 alone is ambiguous on the
    first of the three days."""
    if session is not None:
        workdays.prime(session)
    label = workdays.day_label(deadline, today, session)
    if today < deadline:
        return f"截止{label}，还剩{workdays.workdays_between(today, deadline)}个工作日（不含今天）"
    if today == deadline:
        return f"截止{label}，今天是最后一天"
    late = workdays.workdays_between(deadline, today)
    if not late:  # the weekend or holiday right after the deadline: overdue all the same, never 「已逾期0个工作日」
        return f"截止{label}，已逾期（期限已过，还没有经过一个工作日）"
    return f"截止{label}，已逾期{late}个工作日"


def pending_filings(session: Session, unit_ids: list[int]) -> list[RegistryFiling]:
    """Approved actions of these units not yet entered in the national registry, soonest deadline first."""
    return _pending(session, RegistryFiling.unit_id.in_(unit_ids))


def pending_filings_of_accounts(session: Session, unit_ids: list[int]) -> list[RegistryFiling]:
    """The same for the accounts these units host now, whichever unit files them (an account moved to another
    host unit keeps the filing of the unit that applied for the move)."""
    return _pending(session, RegistryFiling.account_id.in_(select(Account.id).where(Account.unit_id.in_(unit_ids))))


def _pending(session: Session, which) -> list[RegistryFiling]:
    return list(session.scalars(select(RegistryFiling).where(which, RegistryFiling.filed_at.is_(None))
                                .order_by(RegistryFiling.deadline, RegistryFiling.id)))


def remind_key(filing: RegistryFiling, day: date) -> str:
    """The dedupe key of a day's 第11条 reminder: one a day, whether sent at approval or by registry_countdown."""
    return f"registry-remind:{filing.id}:{day.isoformat()}"


def registry_admins(session: Session, req: ApprovalRequest) -> list[Person]:
    """The bureau admins who follow the unit's 第11条 filing: its county bureau's; if that has none, or the unit is
    under no county bureau, the city bureau's (models.directory.admins_for)."""
    return admins_for(session, req.unit)


def nobody_reachable(session: Session, unit: org.Unit) -> str:
    """Why nobody of `unit` receives a notice, for the bureau admins told instead: nobody left in the directory, or
    only people WeCom refused (marked invalid by the delivery: left or disabled in WeCom, not yet synced)."""
    refused = [p for p in unit_people(session, unit.id) if p.wecom_invalid]
    if refused:
        return refused_text(unit, refused)
    return f"{unit.name}在通讯录中没有在职的工作人员或单位负责人"


def nobody_text(session: Session, filing: RegistryFiling, day: date) -> str:
    """The 第11条 notice for the bureau admins when nobody of the unit can receive it (at approval and in each
    day's reminder): the bureau guides the unit to file (第11条) and has it name its people (第21条)."""
    req = filing.request
    return (f"报送提醒：{req.unit.name}第{req.id}号{req.kind}申请（{req.form.get('name', '')}）已审批通过，"
            f"须在全国政务新媒体信息报送系统中完成{req.kind}（第11条），{due_text(filing.deadline, day)}。"
            f"{nobody_reachable(session, req.unit)}，收不到这条提醒。请通知该单位按期报送，"
            f"并在通讯录中补充该单位的人员（第21条）；报送完成后，可由您回复「已报送 {req.id}」登记。")


def _announcement_nobody_text(session: Session, req: ApprovalRequest) -> str:
    """The 第12条 reminder (announce the change or closure to the public) for the bureau admins when nobody of the
    unit can receive it."""
    return (f"提醒：{req.unit.name}第{req.id}号{req.kind}申请（{req.form.get('name', '')}）已审批通过，按《办法》第12条"
            f"须及时向社会发布{req.kind}公告。{nobody_reachable(session, req.unit)}，收不到这条提醒。"
            "请通知该单位发布公告，并在通讯录中补充该单位的人员（第21条）。")


def _filer_registry_note(session: Session, req: ApprovalRequest, told: list[Person], due: str) -> str:
    """For a bureau that filed on a unit's behalf: who files the registry (第5条 谁开设、谁主办), so that it need
    not wonder whether to file it itself — or that nobody of the unit can be told."""
    what = f"第{req.id}号{req.kind}申请（{req.form.get('name', '')}）"
    if not told:
        return (f"{what}：{nobody_reachable(session, req.unit)}，收不到第11条的报送提醒。请通知该单位"
                f"最迟于{due}在全国政务新媒体信息报送系统中完成{req.kind}，并在通讯录中补充该单位的人员。")
    return (f"{what}：已通知{req.unit.name}的{'、'.join(p.name for p in told)}按《办法》第11条最迟于{due}"
            f"在全国政务新媒体信息报送系统中完成{req.kind}，由该单位报送，您无需报送。")


def unit_staff(session: Session, req: ApprovalRequest) -> list[Person]:
    """Who files the account in the national registry (第11条): the unit's own people. The applicant only when
    of the unit: a bureau that filed on the unit's behalf is not the one to file it (第5条 谁开设、谁主办) and
    hears of the deadline as the bureau (registry_countdown, the digest); nor one who has left (停用, 调离). A unit
    without staff a push reaches: its heads. Only people a push reaches (org.reachable): none means the bureau
    admins are told instead."""
    people = org.reachable(org.people_with_role(session, STAFF, [req.unit_id]))
    applicant = [req.applicant] if req.applicant.unit_id == req.unit_id and org.reachable([req.applicant]) else []
    if not people and not applicant:
        people = org.reachable(org.people_with_role(session, org.UNIT_HEAD, [req.unit_id]))
    return list(dict.fromkeys([*applicant, *people]))


# --- the Word form (rendered by bot/approval_form.py from the registry feature) -----------

def form_dict(req: ApprovalRequest) -> dict:
    """Everything 附件2 shows, in the keys of `bot.approval_form.render_approval_form`."""
    bureau = req.unit.supervising_bureau()
    reason = req.reason or ""
    if req.kind == CHANGE:
        changes = "；".join(text.changes_lines(req.changes))
        reason = "；".join(x for x in (reason, f"变更内容：{changes}" if changes else "") if x)
    # Who decided each step and when; the seals and the 主要负责同志 signatures (附件2 注2) are left to be done
    # by hand on the printed form (bot/approval_form.py).
    opinions = [{"step": d.step, "decision": d.decision, "opinion": d.opinion or "", "name": d.decider.name,
                 "at": clock.localize(d.at).replace(tzinfo=None).isoformat(timespec="minutes")}
                for d in req.decisions if d.round == req.round]
    if req.status == APPROVED and STEP_CITY not in {o["step"] for o in opinions}:
        # approved by the county alone (BOT_CITY_STEP_IS_APPROVAL=0): filed with the city (第10条), which signs
        # nothing in the bot — its row says so and keeps its seal and date blank
        day = clock.localize(req.decided_at).date()
        opinions.append({"step": STEP_CITY, "opinion": f"经主管单位审批通过，已于{day.year}年{day.month}月{day.day}日"
                         "报市级政务新媒体工作主管单位备案（《办法》第10条）。"})
    return {
        "number": req.id, "kind": req.kind, "reason": reason,
        "change_reason": req.reason_kind if req.kind == CHANGE else None,
        "cancel_reason": req.reason_kind if req.kind in (CANCEL, SUSPEND) else None,
        "rules_submitted": bool(req.rules_submitted),
        "unit": req.unit.name, "bureau": bureau.name if bureau else "",
        "account_name": req.form.get("name", ""), "platform": req.form.get("platform", ""),
        "registry_code": req.form.get("registry_code") or req.unit.registry_code or "",
        "function": req.form.get("function") or "", "url": req.form.get("url") or "",
        "platform_account_id": req.form.get("platform_account_id") or "",
        "applied_on": clock.localize(req.submitted_at).date().isoformat() if req.submitted_at else "",
        "contact": " ".join(x for x in (req.form.get("responsible_name"), req.form.get("contact")) if x),
        "opinions": opinions,
    }


def render(req: ApprovalRequest) -> bytes:
    from bot.approval_form import render_approval_form  # late: python-docx (lxml) only when a form is made
    return render_approval_form(form_dict(req))


def send_form(session: Session, req: ApprovalRequest, to: list[Person]) -> None:
    outbox.push_file(session, to, f"审批表_{req.id}_{req.form.get('name', '')}.docx", render(req))


FILED_NOW = {OPEN: "该账号已在全国系统登记备案", RETRO: "该账号已在全国系统登记备案",
             CHANGE: "全国系统中该账号的信息已更新", CANCEL: "该账号已在全国系统注销", SUSPEND: "该账号已在全国系统关停"}


def mark_filed(session: Session, filing: RegistryFiling, person: Person) -> None:
    filing.filed_at, filing.filed_by = clock.now(), person.userid
    filing.account.registry_status = REGISTRY_DONE
    filing.account.registry_filed_on = clock.today()
    _tell_filed(session, filing, person)


def _tell_filed(session: Session, filing: RegistryFiling, person: Person) -> None:
    """已报送 recorded: the applicant learns the account is in the national registry now, and those reminded to file
    it (the unit's staff, or the bureau admins in their place; the admins told of the deadline) that no one need
    file it again. Not the one who recorded it: his reply says so."""
    req = filing.request
    reminded = unit_staff(session, req) or registry_admins(session, req)
    if filing.bureau_told_on is not None:
        reminded = [*reminded, *registry_admins(session, req)]
    people = [p for p in org.reachable(list(dict.fromkeys([*req.applicant_told, *reminded]))) if p.id != person.id]
    if not people:
        return
    # his unit named for anyone outside it (a bureau that filed for the unit, the admins; or a unit told by them)
    who = person.name if all(p.unit_id == person.unit_id for p in people) else f"{person.unit.name}的{person.name}"
    outbox.push_text(session, people,
                     f"【已报送】第{req.id}号{req.kind}申请（{req.form.get('name', '')}，{req.form.get('platform', '')}）："
                     f"{who}已在全国政务新媒体信息报送系统完成报送（第11条），{FILED_NOW[req.kind]}，无需再报送。")


def open_filing(session: Session, request_id: int) -> RegistryFiling | None:
    return session.scalar(select(RegistryFiling).where(RegistryFiling.request_id == request_id))
