"""The registry (台账): one `Account` per government new-media account (政务新媒体)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from models.base import Base
from models.org import Person, Unit

PLATFORMS = ("微信公众号", "视频号", "微博", "抖音", "快手", "今日头条", "小程序", "移动客户端", "其他")

# How clerks name the platforms, longest first where one word holds another (微信公众号 before 公众号)
PLATFORM_WORDS = {"微信公众号": "微信公众号", "公众号": "微信公众号", "视频号": "视频号", "微博": "微博", "抖音": "抖音",
                  "快手": "快手", "今日头条": "今日头条", "头条": "今日头条", "小程序": "小程序", "移动客户端": "移动客户端",
                  "客户端": "移动客户端", "APP": "移动客户端", "App": "移动客户端", "app": "移动客户端"}


def platform_named(text: str) -> str | None:
    """The platform a clerk's words name (「抖音号」, 「公众号」), or None."""
    return next((platform for word, platform in PLATFORM_WORDS.items() if word in text), None) if text else None


# Platform names as a pinyin input method mistypes them (same sound, another character): offered, never taken
PLATFORM_TYPOS = {"抖因": "抖音", "斗音": "抖音", "抖英": "抖音", "陡音": "抖音", "微搏": "微博", "微薄": "微博", "威博": "微博",
                  "维博": "微博", "公重号": "微信公众号", "公众好": "微信公众号", "工众号": "微信公众号", "功众号": "微信公众号",
                  "公总号": "微信公众号", "快首": "快手", "筷手": "快手", "今日头调": "今日头条", "头调": "今日头条",
                  "视屏号": "视频号", "视频好": "视频号", "小城序": "小程序", "小程续": "小程序"}


def platform_misspelled(text: str) -> str | None:
    """The platform a mistyped name most likely meant (「抖因」 → 抖音), to be confirmed by the clerk; else None."""
    return next((platform for typo, platform in PLATFORM_TYPOS.items() if typo in text), None) if text else None


# Account status (账号状态)
APPLYING = "申请中"
NORMAL = "正常"
CHANGING = "变更中"
SUSPENDED = "已关停"
CANCELLED = "已注销"
STATUSES = (APPLYING, NORMAL, CHANGING, SUSPENDED, CANCELLED)
ACTIVE_STATUSES = (NORMAL, CHANGING)  # accounts that must report weekly and are watched for dormancy

# National registry (全国政务新媒体信息报送系统) filing status
REGISTRY_PENDING = "待报送"
REGISTRY_DONE = "已报送"


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))  # 账号名称
    platform: Mapped[str] = mapped_column(String(20))  # 账号类型
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # 开设主体 / 主办单位
    function: Mapped[str | None] = mapped_column(Text)  # 账号功能
    url: Mapped[str | None] = mapped_column(String(500))  # 主页URL / 下载URL
    platform_account_id: Mapped[str | None] = mapped_column(String(120))  # 微信biz/oid/账号ID
    registry_code: Mapped[str | None] = mapped_column(String(40))  # 国办登记系统单位标识码
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))  # 专人 / 联系人 (第21条)
    contact: Mapped[str | None] = mapped_column(String(40))  # personal data: never logged
    operator: Mapped[str | None] = mapped_column(String(120))  # 第三方机构 (optional)
    status: Mapped[str] = mapped_column(String(10), default=APPLYING)
    opened_on: Mapped[date | None]
    last_changed_on: Mapped[date | None]
    closed_on: Mapped[date | None]
    registry_status: Mapped[str | None] = mapped_column(String(10))
    registry_filed_on: Mapped[date | None]
    needs_retro_filing: Mapped[bool] = mapped_column(default=False)  # 补办备案 (第33条)
    imported_at: Mapped[datetime | None]
    last_update_on: Mapped[date | None]  # newest post date known from weekly reports

    unit: Mapped[Unit] = relationship()
    responsible: Mapped[Person | None] = relationship()
    changes: Mapped[list[AccountChange]] = relationship(back_populates="account", order_by="AccountChange.id")

    @property
    def supervising_bureau(self) -> Unit | None:
        return self.unit.supervising_bureau()

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def awaits_retro_filing(self) -> bool:
        """Still to be filed retroactively (补办备案, 第33条): flagged at import and not closed since — a cancelled or
        suspended account is not filed for going on."""
        return self.needs_retro_filing and self.status not in (CANCELLED, SUSPENDED)


class AccountChange(Base):
    """The history of every approved change to an account."""

    __tablename__ = "account_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))  # 开设/变更/关停/注销/补办备案/导入
    request_id: Mapped[int | None]
    changes: Mapped[dict | None]  # {"field": [old, new]}
    actor: Mapped[str | None] = mapped_column(String(64))

    account: Mapped[Account] = relationship(back_populates="changes")


def in_use_on(day: date):
    """An account in use on `day` (a condition for a query): opened by then (or of unknown date) and not closed by
    then — one closed since counts, one opened since does not (as the monthly bulletin counts them)."""
    return ((Account.opened_on.is_(None) | (Account.opened_on <= day))
            & (Account.status.in_(ACTIVE_STATUSES)
               | (Account.status.in_((SUSPENDED, CANCELLED)) & (Account.closed_on > day))))


def accounts_of_units(session: Session, unit_ids: list[int], *, active_only: bool = False) -> list[Account]:
    stmt = select(Account).where(Account.unit_id.in_(unit_ids)).order_by(Account.unit_id, Account.id)
    if active_only:
        stmt = stmt.where(Account.status.in_(ACTIVE_STATUSES))
    return list(session.scalars(stmt))
