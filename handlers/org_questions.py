"""Questions about the directory (通讯录): who adds a unit or a person. The bot does not change the directory —
it is imported or synced from WeCom by whoever runs the system (docs/org.md) — so the answer says who does."""
from __future__ import annotations

from bot.router import Context, Router, dialogue_only
from models import org
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER

# 「新增一个单位」, 「怎么添加人员」, 「单位来了新同事怎么加」
ORG_ASKED = (r"(?:请问)?(?:怎么|如何|怎样|要|想)?(?:新增|添加|增加|加|删除|删掉|去掉)(?:一个|个|一下|一位|位)?(?:新的?)?"
             r"(?:单位|人员|人|工作人员|同事|单位负责人|审核人|管理员|信息员)(?:呢|啊)?[？?。]*$"
             r"|(?:我们|本单位|单位)?来了?新(?:人|同事)(?:了)?[，,]?(?:怎么(?:加|办|弄))?[？?。]*$")


# 「怎么联系县政数局」, 「管理员是谁」, 「县政数局电话」: the people of the bureau above the asker's unit
CONTACT_ASKED = (r"(?:请问)?(?:怎么|如何|要)?(?:联系|找|问)(?:一下)?(?:县政数局|政数局|主管单位|管理员)(?:的人)?(?:呢)?[？?。]*$"
                 r"|(?:县政数局|政数局|主管单位|管理员)(?:的)?(?:电话|联系方式|联系人|是谁|找谁)(?:是多少)?[？?。]*$")


def register(router: Router) -> None:
    @router.pattern(CONTACT_ASKED)
    def contact_asked(ctx: Context):
        unit = ctx.person.unit
        bureau = unit if unit.is_bureau else unit.supervising_bureau()
        people = ([p for role in (BUREAU_ADMIN, BUREAU_REVIEWER) for p in org.bureau_people(ctx.session, unit, role)]
                  if bureau is not None else [])
        names = "、".join(dict.fromkeys(p.name for p in people))
        if not names:
            ctx.reply("通讯录中还没有主管单位的人员，请通过单位负责人联系县政数局。")
            return
        ctx.reply(f"{bureau.name}：{names}。在企业微信通讯录中搜索姓名即可联系。")

    @router.pattern(ORG_ASKED)
    @dialogue_only
    def org_asked(ctx: Context):
        if ctx.sender.has_role(BUREAU_ADMIN):
            ctx.reply("单位、人员和角色在通讯录中维护，助手里不能直接修改：在企业微信通讯录里调整后由系统维护人员运行"
                      "「flask --app bot org sync」同步，或按模板整理Excel后运行「flask --app bot org import 文件.xlsx」导入"
                      "（角色：工作人员、单位负责人、审核人、管理员在表中设置，详见 docs/org.md）。")
        else:
            ctx.reply("单位和人员由县政数局统一维护。请把新同事的姓名、企业微信账号和角色（工作人员或单位负责人）"
                      "告诉县政数局，加入通讯录后他就能使用助手。人员离开时也请告诉县政数局。")
