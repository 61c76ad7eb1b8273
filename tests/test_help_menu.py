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
    assert "仅限" in bot.send("jy_zhang", "帮助 约谈")  # a command the role may not use is not "unknown"
    assert "用法：约谈" in bot.send("zsj_admin", "帮助 约谈")  # a command still explains itself


@pytest.mark.parametrize("text, title", [
    ("周报咋填", "「周报」"), ("周报怎么填？", "「周报」"), ("开设是什么意思", "「开设」"),
    ("怎么填周报", "「周报」"), ("如何申请开设", "「开设」"), ("请问怎么交周报呢", "「周报」"),
])
def test_a_question_about_a_command_gets_its_help_not_the_command(bot, text, title):
    reply = bot.send("jy_zhang", text)
    assert reply.startswith(title) and "快捷填报没有提交" not in reply and "请选择账号类型" not in reply
    assert bot.send("jy_zhang", "上一步") == "当前没有进行中的操作。"  # nothing was started


def test_a_question_about_a_command_one_may_not_use_says_so(bot):
    assert "仅限" in bot.send("jy_zhang", "关账怎么用")


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
