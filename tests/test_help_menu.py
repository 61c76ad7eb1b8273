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
