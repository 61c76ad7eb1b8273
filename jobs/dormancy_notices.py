"""The dormancy ladder's notices (停更预警, 第15条), worded for each recipient.

The account's responsible person is told what to do (update now; file 注销 if it cannot be kept up, 第15条); the
unit heads are told to urge that named person; the county bureau admins what is theirs to do. A head who is the
responsible person gets the doer's text only. An account without a responsible person: the heads are asked to name
one (第21条); with no head either, the staff are told what to do. A unit with nobody in the directory to receive a
rung (everyone left, or WeCom refuses them all): its county bureau admins are told so, and to have the unit name its
people (第21条).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from models.account import Account
from models.approval import RETURNED, STEP_NAMES
from models.directory import refused_text
from models.org import Person, Unit
from models.oversight import DormancyCase, account_label

VETO = "连续两周未更新的账号在全国政务新媒体检查中将被单项否决"
NO_RESPONSIBLE = "该账号没有登记账号负责人（或负责人已离开）"


@dataclass
class Audience:
    """Who can act for one account: its active responsible person, the unit's active heads and staff, and the
    county bureau admins above the unit."""
    responsible: Person | None
    heads: list[Person]
    staff: list[Person]
    admins: list[Person]
    refused: list[Person] = field(default_factory=list)  # the unit's people left out because WeCom refuses them

    @property
    def doer(self) -> list[Person]:
        return [self.responsible] if self.responsible else []

    @property
    def urgers(self) -> list[Person]:
        """The heads other than the responsible person."""
        return [p for p in self.heads if p != self.responsible]

    @property
    def other_staff(self) -> list[Person]:
        """The staff other than the responsible person and the heads (who may hold both roles)."""
        return [p for p in self.staff if p != self.responsible and p not in self.heads]

    @property
    def overseers(self) -> list[Person]:
        """The bureau admins other than those told as the unit's people (a bureau's own account, kept by its admin:
        he gets the keeper's text only, not also the admin's naming him)."""
        told = {p.id for p in [*self.doer, *self.heads, *self.staff]}
        return [p for p in self.admins if p.id not in told]

    @property
    def nobody(self) -> bool:
        """Nobody at the unit receives the rung: no responsible person, no head, no staff."""
        return not (self.responsible or self.heads or self.staff)


def _names(people: list[Person]) -> str:
    return "、".join(p.name for p in people)


def name_one(account: Account) -> str:
    """How the unit names a responsible person (第21条)."""
    return f"回复「变更 {account.name} {account.platform}」选择「账号负责人」指定专人（第21条）"


def told(audience: Audience, staff: list[Person] | None = None) -> str:
    """For the bureau admins: whom the unit's notice reached (`staff`: the staff told besides the responsible
    person and the heads)."""
    told = [f"账号负责人{audience.responsible.name}"] if audience.responsible else []
    if audience.urgers:
        told.append(f"单位负责人{_names(audience.urgers)}")
    if staff is None:
        staff = audience.staff if not (audience.responsible or audience.heads) else []
    if staff:
        told.append(f"工作人员{_names(staff)}")
    gaps = [gap for gap, missing in (("该账号没有账号负责人", not audience.responsible),
                                     ("该单位在通讯录中没有单位负责人", not audience.heads)) if missing]
    return f"已通知{'、'.join(told)}" + (f"（{'；'.join(gaps)}）" if gaps else "") + "。"


def nobody(audience: Audience, unit: Unit, ask: str) -> str:
    """For the bureau admins, when the unit has nobody to receive the notice: nobody left, or only people WeCom
    refuses."""
    why = (refused_text(unit, audience.refused) if audience.refused
           else f"{unit.name}在通讯录中没有在职的账号负责人、工作人员或单位负责人")
    return (f"{why}，这条通知单位无人能收到。"
            f"请联系该单位{ask}，并让该单位在通讯录中补充人员、指定账号负责人（第21条）。")


def unit_texts(audience: Audience, account: Account, title: str, situation: str, act: str,
               urge: str) -> list[tuple[list[Person], str]]:
    """(to, text) for the unit: the responsible person `act`s, the heads `urge` that person; without a responsible
    person the heads name one, and with no head either the staff act. `situation` ends with its own punctuation."""
    unit, label = account.unit.name, account_label(account)
    if audience.responsible:
        return [(audience.doer, f"{title}您负责的{unit}政务新媒体账号「{label}」{situation}请{act}。"),
                (audience.urgers, f"{title}{unit}的「{label}」{situation}"
                                  f"请督促账号负责人{audience.responsible.name}{urge}。")]
    if audience.heads:
        return [(audience.heads, f"{title}{unit}的「{label}」{situation}{NO_RESPONSIBLE}，"
                                 f"请安排专人{urge}。同时请{name_one(account)}。")]
    return [(audience.staff, f"{title}{unit}的政务新媒体账号「{label}」{situation}{NO_RESPONSIBLE}，"
                             f"本单位在通讯录中也没有单位负责人。请{act}。同时请{name_one(account)}。")]


def nudge(audience: Audience, account: Account, idle: int, since: str) -> list[tuple[list[Person], str]]:
    """停更提醒: one text to whoever acts first (the responsible person, else the heads, else the staff)."""
    label = account_label(account)
    if audience.nobody:
        return [(audience.admins, f"【停更提醒】{account.unit.name}的「{label}」已{idle}天未更新{since}。"
                                  + nobody(audience, account.unit, "尽快更新"))]
    # the first who acts only: the responsible person (「您负责的…」), else the heads (asked to name one), else the staff
    return unit_texts(audience, account, "【停更提醒】", f"已{idle}天未更新{since}。",
                      "尽快发布内容，并在周报中如实填报更新情况", "尽快更新")[:1]


def warning(audience: Audience, account: Account, idle: int, since: str) -> list[tuple[list[Person], str]]:
    """停更警告 (two weeks idle means a national-inspection veto)."""
    if audience.nobody:
        return [(audience.admins, f"【停更警告】{account.unit.name}的「{account_label(account)}」已{idle}天未更新"
                                  f"{since}。{VETO}。" + nobody(audience, account.unit, "尽快更新"))]
    return unit_texts(audience, account, "【停更警告】", f"已{idle}天未更新{since}。{VETO}，",
                      "尽快发布内容，并在周报中如实填报更新情况", "尽快更新")


def bureau_notice(audience: Audience, account: Account, idle: int, since: str) -> list[tuple[list[Person], str]]:
    """停更通报 (two weeks: 国检单项否决): the unit, and the bureau admins, who may order rectification (第29条)."""
    unit, label = account.unit.name, account_label(account)
    cancel = f"回复「注销 {account.name} {account.platform}」"
    admins = (f"【停更通报】{unit}的「{label}」已{idle}天未更新{since}：两周未更新，国检单项否决。"
              + (told(audience) + f"请督促该单位立即更新；需要时可下发整改通知（回复「整改通知 {unit} 问题描述」，第29条）。"
                 if not audience.nobody else nobody(audience, account.unit, "立即更新")))
    return [*unit_texts(audience, account, "【停更通报】",
                        f"已{idle}天未更新{since}，两周未更新，国检单项否决，县政数局已收到通知。",
                        f"立即发布内容，并在周报中如实填报更新情况；确属无力维护的，请申请注销（{cancel}，第15条）",
                        "立即更新；确属无力维护的，请组织申请注销（第15条）"),
            (audience.overseers, admins)]


def zombie(audience: Audience, account: Account, idle: int, since: str) -> list[tuple[list[Person], str]]:
    """僵尸账号预警: more than three months idle must close (第15条); the bureau may take measures (第32条)."""
    unit, label = account.unit.name, account_label(account)
    rule = "超过三个月不更新的账号将被认定为“僵尸”账号，必须关停（第15条）。"
    admins = (f"【僵尸账号预警】{unit}的「{label}」已{idle}天未更新{since}。{rule}"
              + (told(audience) + "请督促该单位恢复更新或申请注销；需要时可采取约谈、警告等措施（第32条）。"
                 if not audience.nobody else nobody(audience, account.unit, "恢复更新或申请注销")))
    return [*unit_texts(audience, account, "【僵尸账号预警】", f"已{idle}天未更新{since}。{rule}",
                        f"立即恢复更新；确属无力维护的，请申请注销（回复「注销 {account.name} {account.platform}」）",
                        "立即恢复更新；确属无力维护的，请组织申请注销"),
            (audience.overseers, admins)]


def dormant(audience: Audience, account: Account, idle: int, since: str, case: DormancyCase,
            draft) -> list[tuple[list[Person], str]]:
    """停更认定 (90 days): everyone of the unit may answer the case (注销 or 说明); the heads are asked to see
    that the responsible person does; the bureau admins review the answer."""
    from handlers.approvals_oversight import draft_lines
    from models.approval import DRAFT
    unit, label = account.unit.name, account_label(account)
    head = f"【停更认定】{unit}的「{label}」已{idle}天未更新{since}，已认定为长期停更（“僵尸”）账号（第15条）。"
    options = (draft_lines(draft, case) + f"2. 回复「说明 {case.id} 理由…」向县政数局说明情况，由县政数局决定是否接受"
               + (f"（不注销的，可回复「撤回 {draft.id}」撤回草稿）。" if draft and draft.status == DRAFT else "。"))
    if audience.responsible:
        urge = f"请督促账号负责人{audience.responsible.name}在以下两项中选择其一办理（跟进事项 {case.id}，您也可以直接办理）：\n"
    else:
        urge = (f"{NO_RESPONSIBLE}，请{name_one(account)}。"
                f"请安排专人在以下两项中选择其一办理（跟进事项 {case.id}，您也可以直接办理）：\n")
    admins = (f"【停更认定】{unit}的「{label}」已{idle}天未更新{since}，已标记为停更账号，"
              f"并建立跟进事项 {case.id}：单位须申请注销或作出说明。"
              + (told(audience, audience.other_staff) + f"单位作出说明后，请回复「接受说明 {case.id}」或「驳回说明 {case.id} 原因」。"
                 if not audience.nobody else nobody(audience, account.unit, "申请注销或作出说明")))
    doers = [*audience.doer, *audience.other_staff]
    return [(doers, f"{head}请在以下两项中选择其一（跟进事项 {case.id}）：\n{options}"),
            (audience.urgers, f"{head}{urge}{options}"),
            (audience.overseers, admins)]


def resumed(audience: Audience, account: Account, start, case: DormancyCase | None,
            closing=None) -> list[tuple[list[Person], str]]:
    """停更解除: a dormant account updated again. The bureau admins are told; while its follow-up case still waits for
    the unit, the unit is told too that the case needs its answer (the admins' 「停更认定已解除」 alone read as if
    nothing remained, and the unit heard nothing). `closing`: the unit's 注销/关停 request already in approval."""
    from models.oversight import CASE_OPEN
    unit, label = account.unit.name, account_label(account)
    head = f"【停更解除】{unit}的「{label}」已恢复更新（最近更新：{start.isoformat()}），停更标记已解除。"
    if case is None:
        return [(audience.admins, head)]
    if case.status != CASE_OPEN:  # 说明待审
        return [(audience.admins, f"{head}跟进事项 {case.id} 的说明正在等待您审核"
                                  f"（回复「接受说明 {case.id}」或「驳回说明 {case.id} 原因」）。")]
    if closing is not None:
        return [(audience.admins, f"{head}单位的{closing.kind}申请（第{closing.id}号）仍在办理，"
                                  f"跟进事项 {case.id} 在{closing.kind}办结后自动办结。")]
    unit_people = [*audience.doer, *audience.other_staff, *audience.urgers]
    if not unit_people:
        return [(audience.admins, f"{head}跟进事项 {case.id} 仍待处理。" + nobody(audience, account.unit, "作出说明或申请注销"))]
    told = {p.id for p in unit_people}
    return [(unit_people, f"{head}跟进事项 {case.id} 仍需办理：不注销的，请回复「说明 {case.id} 理由…」向县政数局说明"
                          "（例如已恢复更新、今后由谁维护），县政数局接受后助手起草的注销草稿自动撤回；"
                          "确属无力维护的，仍请申请注销（回复「跟进事项」查看）。"),
            ([p for p in audience.admins if p.id not in told],
             f"{head}跟进事项 {case.id} 仍待处理，已请单位作出说明；说明提交后请回复「接受说明 {case.id}」"
             f"或「驳回说明 {case.id} 原因」。")]


NUMERALS = "一二三四五六七八九十"


def combined(texts: list[str]) -> str:
    """A person's notices of the day as one message: a single one as it is; several under one heading, each with its
    own title (they are about different accounts, or different rungs)."""
    if len(texts) == 1:
        return texts[0]
    items = [f"{NUMERALS[n] if n < len(NUMERALS) else n + 1}、{text}" for n, text in enumerate(texts)]
    return f"【停更通知】今天有{len(texts)}个政务新媒体账号的停更情况需要您关注，请逐项办理：\n\n" + "\n\n".join(items)


def closing_note(req) -> str:
    """The 注销/关停 the unit already filed for the idle account: where it stands, so that a notice urging an update
    does not read as if nobody knew (the count stops once the account is closed)."""
    if req.status == RETURNED:
        return (f"\n该账号的{req.kind}申请（第{req.id}号）已被退回修改，请修改后重新提交（回复「修改 {req.id}」）；"
                f"{req.kind}办结前仍按停更计算。")
    return (f"\n该账号的{req.kind}申请（第{req.id}号）正在「{STEP_NAMES[req.step]}」环节审批（回复「查看 {req.id}」），"
            f"请审批人尽快处理；{req.kind}办结后不再计算停更。")
