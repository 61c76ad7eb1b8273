"""Who may file for which unit, the rules of 第8/9/13条, and the field checks of 附件2."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.router import Reask
from models import org
from models.account import CANCELLED, SUSPENDED, Account
from models.approval import CHANGE, PENDING_STATUSES, RETURNED, ApprovalRequest, open_request_for_platform
from models.org import STAFF, UNIT_HEAD, Person, Unit

# Which fields of 附件2 fit which platform: (url label, url required, id label, id required)
URL_HOMEPAGE, URL_DOWNLOAD = "主页URL", "下载URL"
PLATFORM_FIELDS = {
    "微信公众号": (URL_HOMEPAGE, False, "微信biz/原始ID/微信号", True),
    "视频号": (URL_HOMEPAGE, False, "视频号ID", True),
    "微博": (URL_HOMEPAGE, True, "微博账号ID", False),
    "抖音": (URL_HOMEPAGE, True, "抖音号", True),
    "快手": (URL_HOMEPAGE, True, "快手号", True),
    "今日头条": (URL_HOMEPAGE, True, "头条号ID", False),
    "小程序": (None, False, "小程序AppID", True),
    "移动客户端": (URL_DOWNLOAD, True, None, False),
    "其他": (URL_HOMEPAGE, False, "平台账号ID", False),
}
URL_HOSTS = {"微博": ("weibo.com", "weibo.cn"), "抖音": ("douyin.com",), "快手": ("kuaishou.com",),
             "今日头条": ("toutiao.com",), "微信公众号": ("mp.weixin.qq.com", "weixin.qq.com"),
             "视频号": ("channels.weixin.qq.com", "weixin.qq.com")}
ID_SHAPES = {
    "微信公众号": (r"gh_[0-9a-f]{12}|Mz[A-Za-z0-9+/]{6,}={0,2}|[A-Za-z][-_A-Za-z0-9]{5,19}",
                "请填写公众号的 biz（Mz 开头）、原始ID（gh_ 加12位）或微信号（字母开头6-20位）。"),
    "视频号": (r"sph[A-Za-z0-9]{4,30}", "视频号ID以 sph 开头，例如 sphAbCd1234。"),
    "小程序": (r"wx[0-9a-f]{16}", "小程序AppID是 wx 加16位十六进制字符，例如 wx1234567890abcdef。"),
    "抖音": (r"[A-Za-z0-9_.]{2,30}", "抖音号由字母、数字、下划线或点组成，2-30位。"),
    "快手": (r"[A-Za-z0-9_]{2,30}", "快手号由字母、数字或下划线组成，2-30位。"),
}
SKIP_WORDS = ("无", "没有", "跳过", "暂无")
# 「not yet」: the account is not registered on the platform yet, so it has no link or id to give
NOT_YET = re.compile(r"(还|暂|尚)?(没|未)(有|开通|注册|申请)?(呢|的)?|还没开|暂时没有|现在没有")
MOBILE = re.compile(r"1[3-9]\d{9}")
LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}")


class Refused(Exception):
    """A rule refuses the request; the message names the article."""


# --- who may file ------------------------------------------------------------------------

def filing_refusal(session: Session, person: Person, unit: Unit) -> str | None:
    """None if `person` may file for `unit`, else the reason."""
    if unit.kind != org.HOST_UNIT:
        return "审批表由主办单位提交，请选择具体的主办单位。"
    if person.unit_id == unit.id and person.has_role(STAFF, UNIT_HEAD):
        return None
    if person.is_bureau_user and unit.id in org.visible_unit_ids(session, person):
        return None
    if person.unit_id == unit.id:
        return "只有本单位的工作人员或单位负责人可以提交申请，您在本单位没有这两个角色。"
    return f"您不属于{unit.name}，也不是其主管单位的工作人员，不能替该单位提交申请。"


def may_file_for_others(person: Person) -> bool:
    """Bureau users file on a host unit's behalf (they choose the unit)."""
    return person.is_bureau_user


# --- 第8条 / 第13条 / 第9条 --------------------------------------------------------------

def barred_from_opening(name: str, classified: bool, internal: bool) -> str | None:
    """Why a unit may not open accounts (第8条: classified units, internal departments), or None."""
    if classified:
        return f"{name}是涉密单位，按《办法》第8条不得开设政务新媒体。"
    if internal:
        return f"{name}是内设机构，按《办法》第8条不得以内设机构名义开设政务新媒体，请以所在单位名义申请。"
    return None


def retro_barred(account: Account) -> str | None:
    """Why an account may not be filed retroactively (补办备案, 第33条) but must be closed: its host unit may not hold
    accounts at all (第8条: classified units, internal departments). None otherwise."""
    unit = account.unit
    what = "涉密单位" if unit.is_classified else "内设机构" if unit.is_internal else None
    if what is None:
        return None
    advice = (f"{unit.name}是{what}，按《办法》第8条不得开设政务新媒体，账号「{account.name}」（{account.platform}）"
              f"不能补办备案，请申请注销或关停（回复「注销 {account.name}」或「关停 {account.name}」）。")
    if unit.is_internal and not unit.is_classified:
        advice += f"确需保留的，请先申请「变更 {account.name} 主办单位」改由所在单位主办，再补办备案。"
    return advice


def check_unit_may_open(unit: Unit) -> None:
    reason = barred_from_opening(unit.name, unit.is_classified, unit.is_internal)
    if reason:
        raise Refused(reason)


def opening_withheld(sender) -> str | None:
    """开设 is not offered to the people of a unit that may not open accounts (第8条): why, or None. A bureau user
    files for host units (the list leaves those units out)."""
    return barred_from_opening(sender.unit_name, sender.unit_is("is_classified"), sender.unit_is("is_internal"))


def live_accounts(session: Session, unit_id: int) -> list[Account]:
    return list(session.scalars(select(Account).where(
        Account.unit_id == unit_id, Account.status.not_in((CANCELLED, SUSPENDED))).order_by(Account.id)))


def check_one_per_platform(session: Session, unit: Unit, platform: str, request_id: int | None = None) -> None:
    """第13条. The unit's row is locked first, until the callback commits: two people of one unit
    submitting at the same moment are checked one after the other, the second seeing the first's
    request (on PostgreSQL; SQLite lets one writer at a time in anyway)."""
    session.execute(select(Unit.id).where(Unit.id == unit.id).with_for_update(key_share=True))
    for account in live_accounts(session, unit.id):
        if account.platform == platform:
            raise Refused(f"{unit.name}在{platform}已有账号「{account.name}」（{account.status}）。"
                          f"按《办法》第13条，同一单位在同一平台只能开设一个账号。")
    pending = open_request_for_platform(session, unit.id, platform)
    if pending is not None and pending.id != request_id:
        raise Refused(f"{unit.name}在{platform}已有一个开设申请（第{pending.id}号，{pending.status}）。"
                      f"按《办法》第13条，同一单位在同一平台只能开设一个账号。")
    moving = move_request_into(session, unit.id, platform)
    if moving is not None and moving.id != request_id:
        raise Refused(f"第{moving.id}号变更申请（{moving.status}）要把{moving.unit.name}的{platform}账号"
                      f"「{moving.form.get('name', '')}」的主办单位变更为{unit.name}。"
                      f"按《办法》第13条，同一单位在同一平台只能有一个账号。")


def move_request_into(session: Session, unit_id: int, platform: str) -> ApprovalRequest | None:
    """A pending (or sent back) change that makes the unit the host of an account on the platform (第12条): once
    approved, the unit has that account, as after an opening."""
    rows = session.scalars(select(ApprovalRequest).where(
        ApprovalRequest.kind == CHANGE, ApprovalRequest.status.in_((*PENDING_STATUSES, RETURNED)),
        ApprovalRequest.unit_id != unit_id).order_by(ApprovalRequest.id))
    return next((r for r in rows if "unit_name" in (r.changes or {}) and r.form.get("unit_id") == unit_id
                 and r.form.get("platform") == platform), None)


GENERIC = ("人民政府", "委员会", "管理局", "中心", "局", "办公室", "县", "镇", "乡", "街道")


def core_words(unit_name: str) -> set[str]:
    """Two-character pieces of the unit's name without the county prefix and generic words, and the usual
    abbreviations: the first characters of the parts joined by 和 (人力资源和社会保障 → 人社, 文化广播电视和旅游 →
    文旅) and of two words in a row (卫生健康 → 卫健, 市场监督 → 市监)."""
    core = re.sub(r"^.{1,4}?[县市区]", "", unit_name)
    for word in GENERIC:
        core = core.replace(word, " ")
    pieces = set()
    for chunk in core.split():
        parts = [part for part in re.split(r"[和与及]", chunk) if part]
        if len(parts) > 1:
            pieces.add("".join(part[0] for part in parts))
        for part in parts:
            pieces.update(part[i:i + 2] for i in range(len(part) - 1))
            words = [part[i:i + 2] for i in range(0, len(part) - 1, 2)]
            pieces.update(a[0] + b[0] for a, b in zip(words, words[1:]))
    return pieces


def name_warning(session: Session, unit: Unit, name: str, platform: str) -> str | None:
    """第9条: the same name across platforms, tied to the unit. A warning, not a refusal."""
    others = [a for a in live_accounts(session, unit.id) if a.platform != platform]
    other_names = sorted({a.name for a in others})
    if other_names and name not in other_names:
        return (f"本单位在其他平台的账号名称是「{'」「'.join(other_names)}」，新账号名称「{name}」与之不一致。"
                "《办法》第9条要求同一单位在不同平台的账号名称保持一致。")
    if not other_names and not any(piece in name for piece in core_words(unit.name)):
        return (f"账号名称「{name}」看不出与{unit.name}的关系。"
                "《办法》第9条要求名称简洁规范，体现单位职能。")
    return None


# --- field checks (each raises Reask with a specific hint) --------------------------------

def skipped(text: str) -> bool:
    """「无」, 「还没有」, 「还没开呢，哪来的网址」: nothing to give (a sentence opening with not-yet too)."""
    answer = text.strip().rstrip("。.！!？?")
    return answer in SKIP_WORDS or NOT_YET.fullmatch(answer) is not None or \
        re.match(rf"(?:{NOT_YET.pattern})(?:呢|啊|的)?[，,。；;！!\s]", answer) is not None


def check_name(text: str) -> str:
    name = text.strip()
    if len(name) < 2 or len(name) > 30:
        raise Reask("账号名称应为2到30个字。")
    if re.search(r"[\s<>\"'\\/]", name):
        raise Reask("账号名称不能包含空格、引号、斜杠或尖括号。")
    return name


def check_function(text: str) -> str:
    if len(text.strip()) < 4:
        raise Reask("请用至少4个字说明账号功能，例如「发布教育政策和通知」。")
    return text.strip()[:500]


def check_url(text: str, platform: str) -> str:
    # NFKC: 「：」「／」 typed with a Chinese input method become ASCII; a link copied without its scheme
    # (「www.douyin.com/user/…」) gets https:// as a browser would
    url = unicodedata.normalize("NFKC", text).strip()
    shared = re.search(r"https?://[A-Za-z0-9.-]+(?::\d+)?(?:/[^\s\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]*)?", url)
    if shared and shared.group(0) != url:  # 「复制打开抖音，看看【…的主页】 https://v.douyin.com/iRNBho6u/ …」: the link in it
        url = shared.group(0)
    if not re.match(r"[a-z][a-z0-9+.-]*:", url, re.I) and re.match(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/|:\d|$)", url):
        url = "https://" + url
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+\.[A-Za-z]{2,}(:\d+)?(/\S*)?", url):
        host = URL_HOSTS[platform][0] if platform in URL_HOSTS else "example.gov.cn"
        example = f"https://{host if host.count('.') > 1 else 'www.' + host}/…"
        raise Reask(f"网址格式不对，请从浏览器地址栏或平台的「分享→复制链接」复制完整网址，例如 {example}。")
    hosts = URL_HOSTS.get(platform)
    host = re.sub(r"^https?://", "", url).split("/")[0].split(":")[0].lower()
    if hosts and not any(host == h or host.endswith("." + h) for h in hosts):
        raise Reask(f"这不像{platform}的网址，{platform}的主页网址应在 {' 或 '.join(hosts)} 下。")
    return url[:500]


def check_platform_id(text: str, platform: str) -> str:
    value = text.strip()
    shape = ID_SHAPES.get(platform)
    if shape and not re.fullmatch(shape[0], value):
        raise Reask(f"「{value[:30]}」格式不对。{shape[1]}")
    if not shape and not re.fullmatch(r"[\w\-.=+/@]{2,60}", value):
        raise Reask("账号ID只能包含字母、数字和 _ - . @ 等符号，2-60位。")
    return value


def check_contact(text: str) -> str:
    # NFKC: full-width digits and dashes typed with a Chinese input method become ASCII
    value = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
    if MOBILE.fullmatch(re.sub(r"[-—]", "", value)):  # 「138-0439-1234」
        value = re.sub(r"[-—]", "", value)
    if not (MOBILE.fullmatch(value) or LANDLINE.fullmatch(value)):
        raise Reask("请填写11位手机号（如 13912345678）或带区号的座机（如 0439-1234567）。")
    return value


# No operator, said in words: 「没有第三方，我们自己弄」, 「不委托，自己运营」 (not 「无限传媒有限公司」)
NO_OPERATOR = re.compile(r"(?:没有?|不|无|未|不用|不需要)(?:委托|请|找|用|外包|第三方).*"
                         r"|.*(?:没有?|无|不)(?:第三方|委托|外包).*|.*自己(?:运营|弄|管|做|维护|负责|来).*")


def check_operator(text: str) -> str | None:
    name = text.strip()
    if skipped(text) or NO_OPERATOR.fullmatch(name):
        return None
    if re.fullmatch(r"[\d\s\-－—+()（）]+", name):
        raise Reask(f"「{name[:20]}」像是电话号码。请填写第三方机构的全称，没有委托第三方请回复「无」。")
    if len(name) < 4:
        raise Reask("请填写第三方机构的全称（至少4个字），没有请回复「无」。")
    return name[:120]


def check_reason(text: str, minimum: int = 5) -> str:
    if len(text.strip()) < minimum:
        raise Reask(f"理由太简单了，请至少写{minimum}个字，说明为什么需要这样做。")
    return text.strip()[:1000]
