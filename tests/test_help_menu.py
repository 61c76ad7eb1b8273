"""The menu (帮助) lists each feature on one line and fits one WeCom message for every role."""
import pytest


@pytest.mark.parametrize("userid, present, absent", [
    ("jy_zhang", ["【周报】周报", "【开设变更注销审批】开设"], ["约谈", "关账", "同意"]),
    ("jy_wang", ["同意、驳回、退回、待办"], ["约谈", "关账"]),
    ("zsj_admin", ["约谈", "关账", "培训登记", "待办"], []),
])
def test_help_is_grouped_by_feature_and_scoped_to_the_role(bot, userid, present, absent):
    reply = bot.send(userid, "帮助")
    assert len(reply.encode()) <= 2048 and "（1/" not in reply
    for word in present:
        assert word in reply
    for word in absent:
        assert word not in reply
    assert not bot.texts(userid)  # nothing spilled over into pushes


def test_help_on_one_command_explains_it(bot):
    assert "快捷" in bot.send("jy_zhang", "帮助 周报")


@pytest.mark.parametrize("userid, topic, present, absent", [
    ("zsj_admin", "帮助 监督检查", ["【监督检查】", "约谈：", "整改通知：", "摘要："], ["【月度通报】", "周报："]),
    ("zsj_admin", "帮助 月度通报", ["【月度通报】", "发布通报：", "年度考核："], ["【监督检查】"]),
    ("jy_zhang", "帮助监督检查", ["【监督检查】", "已整改："], ["约谈"]),  # run together, scoped to the role
])
def test_help_on_a_menu_section_lists_its_commands(bot, userid, topic, present, absent):
    reply = bot.send(userid, topic)
    assert len(reply.encode()) <= 2048 and "可以使用：" not in reply  # not the whole menu again
    for word in present:
        assert word in reply
    for word in absent:
        assert word not in reply


def test_help_on_an_unknown_topic_says_so_and_suggests_the_closest(bot):
    reply = bot.send("zsj_admin", "帮助 xyz")
    assert "没有找到「xyz」的帮助" in reply and "可以使用：" not in reply
    assert "「帮助 监督检查」" in bot.send("zsj_admin", "帮助 监督")  # the closest section
    assert "「帮助 整改通知」" in bot.send("zsj_admin", "帮助 整改通")  # the closest command
    assert bot.send("jy_zhang", "帮助 约谈").startswith("「约谈」是主管单位管理员使用的功能：对单位采取「约谈」措施")  # not "unknown"
    assert "用法：约谈" in bot.send("zsj_admin", "帮助 约谈")  # a command still explains itself


@pytest.mark.parametrize("text, title", [
    ("周报咋填", "「周报」"), ("周报怎么填？", "「周报」"), ("开设是什么意思", "「开设」"),
    ("怎么填周报", "「周报」"), ("如何申请开设", "「开设」"), ("请问怎么交周报呢", "「周报」"),
])
def test_a_question_about_a_command_gets_its_help_not_the_command(bot, text, title):
    reply = bot.send("jy_zhang", text)
    assert reply.startswith(title) and "快捷填报没有提交" not in reply and "请选择账号类型" not in reply
    assert bot.send("jy_zhang", "上一步") == "当前没有进行中的操作。"  # nothing was started


@pytest.mark.parametrize("userid, text, title", [
    ("jy_zhang", "注销要多久", "「注销」"), ("jy_zhang", "开设需要什么材料", "「开设」"),
    ("jy_zhang", "变更可以吗", "「变更」"), ("zsj_admin", "年度考核什么时候做", "「年度考核」"),
    ("zsj_admin", "关账了吗", "「关账」"), ("zsj_admin", "约谈有什么用", "「约谈」"),
])
def test_a_question_after_an_action_is_answered_with_its_help_and_starts_nothing(bot, userid, text, title):
    """「注销要多久」 used to begin a cancellation with 「要多久」 as the account's name."""
    reply = bot.send(userid, text)
    assert reply.startswith(title) and "没有找到" not in reply and "不是" not in reply, reply
    assert bot.send(userid, "上一步") == "当前没有进行中的操作。"


@pytest.mark.parametrize("text", ["开设要准备什么", "怎么开号？", "开号要准备什么", "开号需要什么材料", "开新号要走什么流程",
                                  "开个号要什么手续"])
def test_a_clerk_asking_how_to_open_an_account_gets_the_help_of_opening(bot, text):
    """「开设要准备什么」 began the form; 「开号要准备什么」 (开号: how clerks say 开设) was 「没有理解您的消息」."""
    reply = bot.send("jy_zhang", text)
    assert reply.startswith("「开设」") and "请选择账号类型" not in reply, reply
    assert bot.send("jy_zhang", "上一步") == "当前没有进行中的操作。"


def test_the_help_of_a_request_says_who_approves_and_what_follows(bot):
    reply = bot.send("jy_zhang", "注销要多久")
    assert "审批顺序：本单位负责人 → 县政数局 → 市政数局" in reply and "3个工作日内" in reply, reply
    assert "「已报送」" in reply and "无力维护、主办单位撤销合并" in reply


def test_a_question_a_command_answers_itself_still_runs_it(bot):
    assert bot.send("jy_zhang", "待办有吗") == "抚松县教育局目前没有待办事项。"
    assert bot.send("jy_zhang", "周报交了吗").startswith("抚松县教育局最近8周的周报")
    assert bot.send("zsj_admin", "摘要开了吗") == \
        "您的每日摘要目前已开启（工作日上午9:30发送）。回复「摘要 关闭」或「摘要 开启」。"  # not 「没能看懂「开了吗」」


def test_what_a_command_works_on_is_never_taken_for_a_question(bot):
    """Digits, or more than a short question, are the command's argument (a measure's reason may ask something)."""
    reply = bot.send("zsj_admin", "约谈 教育局 公众号两周未更新，多次提醒为什么还不更新呢")
    assert reply.startswith("请确认处置措施：\n措施：约谈\n单位：抚松县教育局\n原因：公众号两周未更新"), reply
    assert bot.send("zsj_admin", "取消").startswith("已取消")


def test_bulletin_questions_show_the_bulletins_not_the_measure(bot):
    """「通报发了吗」 used to begin the 通报 measure (第32条) with 「发了吗」 as the unit."""
    for text in ("通报发了吗", "本月通报出来了没有", "上个月的通报生成了吗？"):
        assert bot.send("zsj_admin", text).startswith("还没有生成过月度通报"), text
    assert bot.send("zsj_admin", "上一步") == "当前没有进行中的操作。"
    assert bot.send("jy_zhang", "通报发了吗").startswith("还没有发布过月度通报。")  # a unit: its own part


def test_how_to_approve_is_the_approval_commands_help(bot):
    reply = bot.send("jy_wang", "怎么审批")
    assert reply.startswith("「同意」") and "点「同意」「驳回」或「退回修改」" in reply, reply
    assert "您没有这个权限" in bot.send("jy_zhang", "怎么审批")  # a clerk approves nothing


def test_a_question_about_a_command_one_may_not_use_says_so(bot):
    assert "「关账」是主管单位管理员使用的功能" in bot.send("jy_zhang", "关账怎么用")


@pytest.mark.parametrize("text, answer", [
    ("台帐", "的政务新媒体"),  # the other common spelling of 台账
    ("审批进度", "您还没有提交过申请"), ("申请进度", "您还没有提交过申请"),
    ("查看申请", "您还没有提交过申请"),  # no number: the list to take one from, not 「请写明申请编号」
    ("帮忙", "可以使用："), ("怎么用", "可以使用："),
])
def test_words_clerks_use_for_the_commands(bot, text, answer):
    from tests.approvals_helpers import seed_accounts
    seed_accounts(bot)
    assert answer in bot.send("jy_zhang", text)


def test_open_an_account_said_开账号_is_not_taken_for_reopening_a_month(bot):
    """「开账」 (an alias of 取消关账 that the docs never listed) caught 「开账号…」: a clerk asking to open an account was
    told 取消关账 is for bureau admins, and a bureau admin's 「开账号」 ran 取消关账 on the month 「号」."""
    for userid in ("jy_zhang", "zsj_admin"):
        reply = bot.send(userid, "开账号")
        assert "关账" not in reply and "开设" in reply, reply
    assert "关账" not in bot.send("jy_zhang", "开账号流程是什么")
    assert bot.send("zsj_admin", "重新开账 2026-11") == "2026-11 没有关账，该月周报本来就可以修改。"  # its listed words


@pytest.mark.parametrize("text", ["我能做什么", "你能做什么？", "能干啥", "你会什么", "有什么功能", "都有哪些功能呢",
                                  "怎么使用", "这个怎么使用？", "可以做什么"])
def test_a_new_user_asking_what_the_bot_does_gets_the_menu(bot, text):
    """「我能做什么」「有什么功能」「怎么使用」 — a new user's first questions — were 「没有理解您的消息」."""
    reply = bot.send("jy_zhang", text)
    assert reply.startswith("张伟（抚松县教育局，单位工作人员）可以使用："), reply
    assert bot.send("jy_zhang", "上一步") == "当前没有进行中的操作。"


def test_a_person_without_a_role_is_told_so_not_shown_commands_that_refuse_him(bot):
    """A bureau's new member has no role until the roster names one (docs/org.md). His menu listed 开设、周报情况 and
    others: 开设 refused him, 周报情况 showed his bureau's own weekly reports as 未报（已逾期）."""
    with bot.db() as s:
        from models.org import Person, Unit
        bureau = s.query(Unit).filter_by(name="抚松县政务服务和数字化建设管理局").one()
        s.add(Person(userid="zsj_new", name="周新人", unit=bureau))
    for text in ("你好", "帮助"):
        reply = bot.send("zsj_new", text)
        assert "周新人（抚松县政务服务和数字化建设管理局）在通讯录中还没有分配角色" in reply, reply
        assert "请联系县政数局政务新媒体管理员" in reply and "【" not in reply and "可以使用" not in reply, reply


@pytest.mark.parametrize("text, title", [
    ("开设条件", "「开设」"), ("开设有什么条件？", "「开设」"), ("开设有什么要求", "「开设」"), ("注销流程", "「注销」"),
    ("变更的手续", "「变更」"), ("开设要求是什么", "「开设」"),
])
def test_asking_for_a_requests_conditions_gets_its_help_not_the_form(bot, text, title):
    """「开设条件」 — what a clerk asks before anything — began the form at 「请选择账号类型」."""
    reply = bot.send("jy_zhang", text)
    assert reply.startswith(title) and "请选择账号类型" not in reply, reply
    assert bot.send("jy_zhang", "上一步") == "当前没有进行中的操作。"


@pytest.mark.parametrize("text", ["你是谁", "你是谁？", "你是干什么的", "这是什么", "这个是干嘛的？", "你是机器人吗"])
def test_asking_who_the_bot_is_is_answered_as_a_greeting(bot, text):
    """「你是谁」「这是什么」 were 「没有理解您的消息」: the bot says what it is, and what the user can do."""
    reply = bot.send("jy_zhang", text)
    assert reply.startswith("您好，张伟！我是政务新媒体助手。") and "可以使用：" in reply, reply


@pytest.mark.parametrize("text", ["帮助\u3000周报", "帮助：周报", "帮助: 周报"])
def test_help_on_a_command_typed_with_a_full_width_space_or_a_colon(bot, text):
    """An input method types 「帮助　周报」 with a full-width space: it was 「没有找到「　周报」的帮助」."""
    assert bot.send("jy_zhang", text).startswith("「周报」（也可以说：填周报、报周报）")
    assert "请选择账号类型" in bot.send("jy_zhang", "开设")
    inside = bot.send("jy_zhang", text)  # inside a dialogue: the help, and the question still stands
    assert inside.startswith("「周报」（也可以说：填周报、报周报）") and inside.endswith("（回复序号）"), inside


def test_help_on_a_section_typed_with_a_full_width_space_inside_a_dialogue(bot):
    bot.send("jy_zhang", "开设")
    reply = bot.send("jy_zhang", "帮助\u3000监督检查")  # was taken as the answer: 「没能识别…」
    assert reply.startswith("【监督检查】") and "（当前对话仍在进行）" in reply, reply
