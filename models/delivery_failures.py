"""Failed pushes: why each failed, and the bureau admins' summary (at most one a day each).

A row becomes FAILED when WeCom refuses it for good (60020, 40003, 81013 …) or when a retryable
failure outlasts the retry window. The admins of the bureau that looks after the recipient hear
about it in the same transaction, once a day: the first failure of the day causes the push; the
day's later failures are counted by 「重发失败推送」, which also resends them.
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, time

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot import clock, config, outbox
from models.directory import admins_for
from models.org import Person, Unit, userid_in
from models.outbox import FAILED, OutboxMessage

IP_REFUSED, OUTAGE, INVALID_USER, OTHER = "ip", "outage", "invalid", "other"
CAUSE_ORDER = (IP_REFUSED, OUTAGE, INVALID_USER, OTHER)
CHUNK = 5000  # values per IN (…) list
# What counts as a push to a person. Not "card_update" (greying a card's buttons): it needs the card's
# single-use ResponseCode from the person's latest click, so it can be neither resent nor acted upon.
MESSAGES = ("text", "markdown", "textcard", "file", "image", "template_card")
SUMMARY_KEY = "delivery-failed"  # dedupe_key prefix: "delivery-failed:<day>"
# Any number that stays the same; two workers failing rows at once take turns to send the summary.
SUMMARY_LOCK = 0x7A776466
RESEND_HOW = ("如何重发：回复「重发失败推送」，助手会先列出可以重发的数量，请您确认后才会发送；"
              "运维人员也可以在服务器上执行 flask --app bot outbox resend。")
IP_ADVICE = ("这说明助手的部署配置有误：企业微信不接受这台服务器发出的请求，所有人的推送都发不出去，不是个别人员的问题。"
             "请立即联系系统运维人员，在企业微信管理后台「应用管理 → 本应用 → 企业可信IP」中加入服务器的出口 IP，"
             "改好后再重发。")


def cause_of(error: str | None) -> str:
    """The cause of a failure from the error the delivery job recorded."""
    error = error or ""
    if error.startswith("invalid user"):
        return INVALID_USER
    if error.startswith("60020"):
        return IP_REFUSED
    if error.startswith("gave up"):
        return OUTAGE
    return OTHER


def cause_lines(causes: Counter) -> list[str]:
    """One numbered line per cause, the most urgent first."""
    hours = config.get().outbox_retry_hours
    what = {
        IP_REFUSED: lambda n: f"企业微信拒绝了助手服务器的 IP（错误码 60020）：{n} 条。{IP_ADVICE}",
        OUTAGE: lambda n: f"企业微信或网络持续故障，重试 {hours} 小时仍未成功：{n} 条。",
        INVALID_USER: lambda n: (f"收件人在企业微信中无效（已离职、已禁用或不在应用可见范围）：{n} 条。"
                                 "这些推送不会重发，除非该人员在通讯录中重新启用。"),
        OTHER: lambda n: f"其他错误：{n} 条。",
    }
    present = [c for c in CAUSE_ORDER if causes.get(c)]
    return [f"{i}. {what[c](causes[c])}" for i, c in enumerate(present, 1)]


def day_start(day=None) -> datetime:
    """Midnight (bot's time zone) of `day`, as an aware datetime."""
    day = day or clock.today()
    return datetime.combine(day, time(0), tzinfo=config.get().tz)


def recipients(session: Session, userids) -> dict[str, Person]:
    """Directory people by lower-cased userid (WeCom ignores case)."""
    lowered = sorted({u.lower() for u in userids})
    out: dict[str, Person] = {}
    for start in range(0, len(lowered), CHUNK):
        chunk = lowered[start:start + CHUNK]
        for person in session.scalars(select(Person).where(userid_in(Person.userid, chunk))):
            out[person.userid.lower()] = person
    return out


def tell_bureaus(session: Session, failed_ids: list[int]) -> list[Person]:
    """The rows just failed: tell their recipients' bureau admins who have not heard today."""
    userids = set(session.scalars(select(OutboxMessage.userid).where(OutboxMessage.id.in_(failed_ids),
                                                                     OutboxMessage.msgtype.in_(MESSAGES))))
    admins = _admins_of(session, userids)
    if not admins:
        return []
    day = clock.today().isoformat()
    if not _not_told(session, admins, day):
        return []
    if session.get_bind().dialect.name == "postgresql":  # SQLite: every transaction holds the write lock
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SUMMARY_LOCK})
    told = []
    for admin in _not_told(session, admins, day):
        causes = todays_causes(session, admin)
        if causes:
            outbox.push_text(session, admin, summary_text(causes), dedupe_key=f"{SUMMARY_KEY}:{day}")
            told.append(admin)
    return told


def _admins_of(session: Session, userids: set[str]) -> list[Person]:
    """The bureau admins looking after these recipients (recipients not in the directory: nobody)."""
    units: dict[int, Unit] = {p.unit_id: p.unit for p in recipients(session, userids).values()}
    admins: dict[int, Person] = {}
    for unit in units.values():
        for admin in admins_for(session, unit):
            admins[admin.id] = admin
    return [admins[i] for i in sorted(admins)]


def _not_told(session: Session, admins: list[Person], day: str) -> list[Person]:
    told = outbox.sent_to(session, admins, f"{SUMMARY_KEY}:{day}:")
    return [a for a in admins if a not in told]


def todays_causes(session: Session, admin: Person) -> Counter:
    """Today's failures among the recipients this admin looks after, by cause."""
    rows = session.execute(select(OutboxMessage.userid, OutboxMessage.error).where(
        OutboxMessage.status == FAILED, OutboxMessage.failed_at >= day_start(),
        OutboxMessage.msgtype.in_(MESSAGES))).all()
    people = recipients(session, {userid for userid, _ in rows})
    mine: dict[int, bool] = {}
    causes: Counter = Counter()
    for userid, error in rows:
        person = people.get(userid.lower())
        if person is None:
            continue
        if person.unit_id not in mine:
            mine[person.unit_id] = any(a.id == admin.id for a in admins_for(session, person.unit))
        if mine[person.unit_id]:
            causes[cause_of(error)] += 1
    return causes


def summary_text(causes: Counter) -> str:
    moment = clock.local_now()
    total = sum(causes.values())
    lines = [f"【推送失败提醒】今天（{moment.month}月{moment.day}日）截至 {moment:%H:%M}，助手发给您所辖范围人员的推送"
             f"有 {total} 条未能送达："]
    lines += cause_lines(causes)
    lines.append(RESEND_HOW)
    lines.append("今天再有推送失败不再另行提醒；随时回复「重发失败推送」可查看最新数量。")
    return "\n".join(lines)
