"""A request sent back (退回修改) and resubmitted: every approver who gets it again is told what changed."""
from __future__ import annotations

from tests.approvals_helpers import account_id, approve_all, card_for, latest_request_id, seed_accounts, submit_open


def facts(card: dict) -> dict:
    return {f["keyname"]: f["value"] for f in card["horizontal_content_list"]}


def fallback_for(bot, userid: str, number: int) -> str:
    """The newest text that came with an approval card of request `number`."""
    texts = [t for t in bot.texts(userid) if f"回复「查看 {number}」看完整审批表" in t]
    assert texts, bot.texts(userid)
    return texts[-1]


def test_the_head_is_shown_each_changed_item_old_and_new(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"退回 {number} 账号功能写得太笼统，电话请留办公室的")
    bot.send("jy_zhang", f"修改 {number}")
    bot.say("jy_zhang", "修改 账号功能", "发布全县中小学招生、资助政策和教育通知")
    bot.say("jy_zhang", "改电话", "0439-6221234")
    assert "已提交第" in bot.send("jy_zhang", "确认")

    said = fallback_for(bot, "jy_wang", number)
    assert ("与上次提交相比，申请人修改了：\n"
            "· 账号功能：发布教育政策和通知 → 发布全县中小学招生、资助政策和教育通知\n"
            "· 联系电话：13912345678 → 0439-6221234\n") in said, said
    card = card_for(bot, "jy_wang", number)
    assert card["main_title"]["desc"].endswith("· 退回修改后重新提交")
    assert facts(card)["本次修改"] == "账号功能、联系电话（详见随卡片的消息）"
    # 查看 shows it too: the form as it is now, and what this submission changed
    view = bot.send("jy_wang", f"查看 {number}")
    assert "第2次提交与第1次相比修改了：\n· 账号功能：发布教育政策和通知 → 发布全县中小学招生、资助政策和教育通知" in view, view


def test_later_steps_see_what_changed_too_and_a_short_change_fits_on_the_card(bot):
    """The city sends it back; the head and the county reviewer, who agreed before, get it again: both see it."""
    number = submit_open(bot)
    bot.send("jy_wang", f"同意 {number}")
    bot.send("zsj_review", f"同意 {number}")
    bot.send("city_zhao", f"退回 {number} 请换个电话")
    bot.send("jy_zhang", f"修改 {number}")
    bot.say("jy_zhang", "改电话", "13812345678", "确认")
    assert facts(card_for(bot, "jy_wang", number))["本次修改"] == "联系电话：13912345678 → 13812345678"
    bot.send("jy_wang", f"同意 {number}")
    for userid in ("zsj_admin", "zsj_review"):
        assert facts(card_for(bot, userid, number))["本次修改"] == "联系电话：13912345678 → 13812345678"
        assert "与上次提交相比，申请人修改了：\n· 联系电话：13912345678 → 13812345678\n" \
            in fallback_for(bot, userid, number)


def test_a_request_resubmitted_as_it_was_says_nothing_was_changed(bot):
    number = submit_open(bot)
    bot.send("jy_wang", f"退回 {number} 请补充账号ID")
    bot.say("jy_zhang", f"修改 {number}", "确认")
    assert facts(card_for(bot, "jy_wang", number))["本次修改"] == "未作修改"
    assert "与上次提交相比：未作修改（内容与上次提交的相同）。\n" in fallback_for(bot, "jy_wang", number)


def test_a_first_submission_has_no_such_line(bot):
    number = submit_open(bot)
    assert "本次修改" not in facts(card_for(bot, "jy_wang", number))
    assert "与上次提交相比" not in fallback_for(bot, "jy_wang", number)
    assert "相比" not in bot.send("jy_wang", f"查看 {number}")


def test_a_change_request_shows_its_new_contents_and_reason_as_changed(bot):
    seed_accounts(bot)
    bot.say("jy_zhang", "变更 抚松教育 抖音", "2", "发布教育短视频", "整改", "确认")
    number = latest_request_id(bot)
    bot.send("jy_wang", f"退回 {number} 请写明整改依据，电话也一起改")
    bot.say("jy_zhang", f"修改 {number}", "修改", "2", "其他", "按2026年第3期通报要求整改")
    bot.say("jy_zhang", "修改", "1", "2 6", "发布教育短视频和政策解读", "13812345678")
    assert "已提交第" in bot.send("jy_zhang", "确认")
    said = fallback_for(bot, "jy_wang", number)
    assert ("与上次提交相比，申请人修改了：\n"
            "· 账号功能变更为：发布教育短视频 → 发布教育短视频和政策解读\n"
            "· 联系电话变更为：（不变更） → 13812345678\n"
            "· 变更原因：整改 → 其他：按2026年第3期通报要求整改\n") in said, said
    assert account_id(bot, "抚松教育", "抖音")
    approve_all(bot, number)


def test_a_request_sent_back_before_submissions_were_kept_is_compared_with_what_it_held(unmigrated_url):
    """0018 keeps the latest submission of every request already submitted: one sent back before the upgrade still
    holds what was filed, so its correction is compared with that; a draft never filed keeps nothing."""
    from datetime import datetime

    import sqlalchemy as sa

    from tests.test_migrations import migrate
    migrate(unmigrated_url, "0003_approvals")
    unit = sa.table("unit", *(sa.column(c) for c in ("id", "name", "kind", "is_classified", "is_internal", "active")))
    person = sa.table("person", *(sa.column(c) for c in ("id", "userid", "name", "unit_id", "active", "wecom_invalid",
                                                         "digest_opt_out", "prefers_text")))
    columns = ("id", "kind", "unit_id", "applicant_id", "form", "reason", "rules_submitted", "status", "round",
               "created_at", "submitted_at", "reminders_sent", "escalated")
    request = sa.table("approval_request", *(sa.column(c, sa.JSON if c == "form" else None) for c in columns))
    at = datetime(2026, 11, 2, 9, 0)
    form = {"name": "抚松教育", "platform": "微博", "contact": "13912345678"}
    engine = sa.create_engine(unmigrated_url)
    with engine.begin() as conn:
        conn.execute(sa.insert(unit).values(id=1, name="抚松县教育局", kind="unit", is_classified=False,
                                            is_internal=False, active=True))
        conn.execute(sa.insert(person).values(id=1, userid="jy_zhang", name="张伟", unit_id=1, active=True,
                                              wecom_invalid=False, digest_opt_out=False, prefers_text=False))
        conn.execute(sa.insert(request), [
            dict(id=1, kind="开设", unit_id=1, applicant_id=1, form=form, reason="服务群众", rules_submitted=True,
                 status="已退回", round=2, created_at=at, submitted_at=at, reminders_sent=0, escalated=False),
            dict(id=2, kind="注销", unit_id=1, applicant_id=1, form=form, reason=None, rules_submitted=False,
                 status="草稿", round=1, created_at=at, submitted_at=None, reminders_sent=0, escalated=False)])
    engine.dispose()
    migrate(unmigrated_url, "heads")
    engine = sa.create_engine(unmigrated_url)
    with engine.connect() as conn:
        kept = dict(conn.execute(sa.select(sa.table("approval_request", sa.column("id"),
                                                    sa.column("submissions", sa.JSON)))).all())
    engine.dispose()
    assert kept == {1: [{"round": 2, "form": form, "changes": None, "reason_kind": None, "reason": "服务群众",
                         "rules_submitted": True, "announcement": None}], 2: None}
