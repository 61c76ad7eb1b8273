from bot.router import Router


def test_the_longest_matching_word_wins_across_commands():
    router = Router()

    @router.command("导出", "导出审批表")
    def export_form(ctx):
        return None

    @router.command("导出台账")
    def export_registry(ctx):
        return None

    assert router.find_command("导出台账")[0].handler is export_registry
    assert router.find_command("导出 12")[1] == "12"
    assert router.find_command("导出 12")[0].handler is export_form
    assert router.find_command("导出审批表 12")[0].handler is export_form
    assert router.find_command("台账") is None
