"""Approval requests (审批表, 附件2), their decisions, and the national-registry countdown (第11条)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, ForeignKey, String, Text, UniqueConstraint, and_, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.account import Account
from models.audit import AuditLog
from models.base import Base
from models.org import Person, Unit, names_of, shown_name, visible_unit_ids
from models.screenshot import Screenshot

# Kinds (申请事项)
OPEN = "开设"
CHANGE = "变更"
CANCEL = "注销"
SUSPEND = "关停"
RETRO = "补办备案"
KINDS = (OPEN, CHANGE, CANCEL, SUSPEND, RETRO)

# Reasons
CHANGE_REASONS = ("整改", "其他")
CLOSE_REASONS = ("无力维护", "主办单位撤销合并", "按通报整改要求", "其他")

# Status
DRAFT = "草稿"
AT_UNIT = "待单位审核"
AT_BUREAU = "待主管单位审核"
AT_CITY = "待市级审批"
APPROVED = "已通过"
REJECTED = "已驳回"
RETURNED = "已退回"
WITHDRAWN = "已撤回"
PENDING_STATUSES = (AT_UNIT, AT_BUREAU, AT_CITY)

# Steps of the chain (附件2): 开设单位意见 → 主管单位意见 → 全市…审批意见
STEP_UNIT = "unit"
STEP_BUREAU = "bureau"
STEP_CITY = "city"
STEPS = (STEP_UNIT, STEP_BUREAU, STEP_CITY)
STEP_STATUS = {STEP_UNIT: AT_UNIT, STEP_BUREAU: AT_BUREAU, STEP_CITY: AT_CITY}
STEP_NAMES = {STEP_UNIT: "开设单位意见", STEP_BUREAU: "主管单位意见", STEP_CITY: "市级审批意见"}

# Decisions
AGREE = "同意"
REJECT = "驳回"
RETURN = "退回修改"
DECISIONS = (AGREE, REJECT, RETURN)


class ApprovalRequest(Base):
    """One 审批表. The number shown to users is `id`."""

    __tablename__ = "approval_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)  # open: set on approval
    # 基本信息 of 附件2: name, platform, function, url, platform_account_id, registry_code,
    # responsible_id, responsible_name, contact, operator
    form: Mapped[dict] = mapped_column(default=dict)
    changes: Mapped[dict | None]  # change: {"field": [old, new]}
    reason_kind: Mapped[str | None] = mapped_column(String(20))  # 整改/其他/无力维护/…
    reason: Mapped[str | None] = mapped_column(Text)  # 开设理由 or the 其他 text
    rules_submitted: Mapped[bool] = mapped_column(default=False)  # 已同时提交…保障制度
    announcement: Mapped[bool | None]  # 第12条 public announcement promised
    status: Mapped[str] = mapped_column(String(10), default=DRAFT, index=True)
    step: Mapped[str | None] = mapped_column(String(10))
    round: Mapped[int] = mapped_column(default=1)  # +1 on each resubmission after a send-back
    created_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    step_started_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    reminders_sent: Mapped[int] = mapped_column(default=0)  # for the current step
    escalated: Mapped[bool] = mapped_column(default=False)  # bureau admins told for the current step
    urged_on: Mapped[date | None]  # the applicant's last 催办
    # What each submission filed ({"round": n, **content()}): a resubmission's approvers are told what changed
    submissions: Mapped[list | None]

    unit: Mapped[Unit] = relationship()
    applicant: Mapped[Person] = relationship()
    account: Mapped[Account | None] = relationship()
    decisions: Mapped[list[ApprovalDecision]] = relationship(back_populates="request",
                                                             order_by="ApprovalDecision.id")

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def applicant_left(self) -> bool:
        """The applicant no longer answers for the request: he was deactivated (停用), or moved out of its unit
        (org sync / org import; perhaps to a unit of the neighbouring county) — a bureau user of a bureau above
        the unit, who files for it, has not. Then, as for a leaver, he neither sees nor withdraws nor edits it
        nor hears its news: the unit does, and may take it over (handlers/approvals_takeover). The SQL of the
        requests someone still answers for: `answered_for`."""
        applicant = self.applicant
        if not applicant.active:
            return True
        if applicant.unit_id == self.unit_id:
            return False
        return not (applicant.is_bureau_user and _is_above(applicant.unit_id, self.unit))

    @property
    def applicant_gone(self) -> str:
        """How the applicant left, in the words users read: 已停用 or 已调离 ("" while he answers for it)."""
        if not self.applicant.active:
            return "已停用"
        return "已调离" if self.applicant_left else ""

    @property
    def applicant_told(self) -> list[Person]:
        """Who hears the applicant's news: the applicant, or nobody once he has left (the callers say who instead)."""
        return [] if self.applicant_left else [self.applicant]

    @property
    def title(self) -> str:
        return f"{self.kind}「{self.form.get('name', '')}」（{self.form.get('platform', '')}）"

    def content(self) -> dict:
        """What the applicant files on 附件2: the part a resubmission may change."""
        return {"form": dict(self.form), "changes": self.changes, "reason_kind": self.reason_kind,
                "reason": self.reason, "rules_submitted": self.rules_submitted, "announcement": self.announcement}

    def record_submission(self) -> None:
        """Keep what this round filed (called on each submission, after `round` is set)."""
        kept = [s for s in self.submissions or [] if s.get("round") != self.round]
        self.submissions = [*kept, {"round": self.round, **self.content()}]  # a new list: the JSON column sees it

    def submission(self, round_: int) -> dict | None:
        """What round `round_` filed; None if it was not kept (filed before submissions were kept)."""
        return next((s for s in self.submissions or [] if s.get("round") == round_), None)


def _is_above(unit_id: int, unit: Unit) -> bool:
    node = unit.parent
    while node is not None:
        if node.id == unit_id:
            return True
        node = node.parent
    return False


def answered_for(session: Session, person: Person) -> ColumnElement[bool]:
    """SQL: the requests `person` (active: he is asking) filed and still answers for, i.e. whose
    `applicant_left` is false — of his own unit, or for a bureau user of the units below his bureau."""
    return and_(ApprovalRequest.applicant_id == person.id,
                ApprovalRequest.unit_id.in_(visible_unit_ids(session, person)))


class ApprovalDecision(Base):
    """One step's decision; the unique key makes the first decision the only one."""

    __tablename__ = "approval_decision"
    __table_args__ = (UniqueConstraint("request_id", "round", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_request.id"), index=True)
    round: Mapped[int] = mapped_column(default=1)
    step: Mapped[str] = mapped_column(String(10))
    decider_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    decision: Mapped[str] = mapped_column(String(10))
    opinion: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime]

    request: Mapped[ApprovalRequest] = relationship(back_populates="decisions")
    decider: Mapped[Person] = relationship()


class RegistryFiling(Base):
    """The 3-working-day countdown for entering an approved action in the national registry (第11条)."""

    __tablename__ = "registry_filing"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_request.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    approved_on: Mapped[date]
    deadline: Mapped[date]
    filed_at: Mapped[datetime | None]
    filed_by: Mapped[str | None] = mapped_column(String(64))
    screenshot_media_id: Mapped[str | None] = mapped_column(String(200))  # WeCom media id of the screenshot
    screenshot_id: Mapped[int | None] = mapped_column(ForeignKey("screenshot.id"))  # the picture kept (0017 on)
    reminders_sent: Mapped[int] = mapped_column(default=0)
    bureau_told_on: Mapped[date | None]

    request: Mapped[ApprovalRequest] = relationship()
    account: Mapped[Account] = relationship()
    screenshot: Mapped[Screenshot | None] = relationship()


class Retraction:
    """A 同意 taken back (收回, handlers/approvals_retract): its decision row is deleted, so that the step can be
    decided again, and the audit log keeps it — this is that audit row read back for the request's history."""

    def __init__(self, row: AuditLog, decider_name: str):
        agreed = (row.before or {}).get("agreed") or {}
        self.step: str = agreed.get("step", "")
        self.opinion: str | None = agreed.get("opinion")
        self.round: int = int(agreed.get("round") or 0)  # 0: recorded before the round was kept
        self.agreed_at: datetime | None = datetime.fromisoformat(agreed["at"]) if agreed.get("at") else None
        self.retracted_at: datetime = row.at
        self.decider_name = decider_name


def retractions(session: Session, request_id: int) -> list[Retraction]:
    """The agreements taken back on a request, oldest first."""
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "approval.retract",
                                                  AuditLog.entity == "approval_request",
                                                  AuditLog.entity_id == str(request_id)).order_by(AuditLog.id)).all()
    names = names_of(session, [row.actor for row in rows])
    return [Retraction(row, shown_name(names, row.actor, nobody="")) for row in rows]


def pending_requests(session: Session) -> list[ApprovalRequest]:
    return list(session.scalars(select(ApprovalRequest).where(ApprovalRequest.status.in_(PENDING_STATUSES))
                                .order_by(ApprovalRequest.step_started_at, ApprovalRequest.id)))


def open_request_for_account(session: Session, account_id: int) -> ApprovalRequest | None:
    return session.scalar(select(ApprovalRequest).where(
        ApprovalRequest.account_id == account_id,
        ApprovalRequest.status.in_((*PENDING_STATUSES, RETURNED))))


def open_request_for_platform(session: Session, unit_id: int, platform: str) -> ApprovalRequest | None:
    """A pending (or sent back) open request of the unit on the platform."""
    rows = session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.unit_id == unit_id, ApprovalRequest.kind == OPEN,
        ApprovalRequest.status.in_((*PENDING_STATUSES, RETURNED))))
    return next((r for r in rows if r.form.get("platform") == platform), None)


def overdue_filings(session: Session, today: date, unit_ids: list[int] | None = None) -> list[RegistryFiling]:
    """Approved actions not yet entered in the national registry after their deadline (for digests)."""
    stmt = (select(RegistryFiling).where(RegistryFiling.filed_at.is_(None), RegistryFiling.deadline < today)
            .order_by(RegistryFiling.deadline, RegistryFiling.id))
    if unit_ids is not None:
        stmt = stmt.where(RegistryFiling.unit_id.in_(unit_ids))
    return list(session.scalars(stmt))
