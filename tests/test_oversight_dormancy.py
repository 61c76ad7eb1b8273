import re
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from bot.config import ConfigError
from jobs import dormancy, schedule
from models.account import APPLYING, CANCELLED, SUSPENDED, Account
from models.org import UNIT_HEAD, Person, PersonRole
from models.oversight import DormancyCase, DormancyRung, DormancyWatch
from tests.oversight_helpers import HEALTH, add_account, at, person_id, unit_id

LAST = date(2026, 8, 3)  # a Monday


def run(day: date) -> str:
    at(day)
    return dormancy.dormancy_ladder(day.isoformat())


def items(texts: list[str]) -> list[str]:
    """Each account's notice: a person's combined 【停更通知】 of the day split into its items."""
    out = []
    for text in texts:
        if text.startswith("【停更通知】"):
            out += [part.split("、", 1)[1] for part in re.split(r"\n\n(?=[一二三四五六七八九十\d]+、【)", text)[1:]]
        else:
            out.append(text)
    return out


def kinds(bot, account_id):
    with bot.db() as s:
        return [(r.kind, r.notified) for r in s.scalars(
            select(DormancyRung).where(DormancyRung.account_id == account_id).order_by(DormancyRung.id))]


def test_each_rung_fires_once_per_spell_to_the_right_people(bot):
    account = add_account(bot, last_update_on=LAST)
    run(date(2026, 8, 9))  # 6 days: nothing yet
    assert bot.texts("jy_zhang") == []
    run(date(2026, 8, 10))  # 7 days: a nudge to the responsible person only, as the one who answers for it
    assert len(bot.texts("jy_zhang")) == 1
    assert bot.texts("jy_zhang")[0].startswith("【停更提醒】您负责的抚松县教育局政务新媒体账号「抚松教育（微信公众号）」已7天未更新")
    assert "7天未更新" in bot.texts("jy_zhang")[0] and bot.texts("jy_wang") == []
    run(date(2026, 8, 10))  # re-running the day sends nothing twice
    run(date(2026, 8, 11))
    assert len(bot.texts("jy_zhang")) == 1
    run(date(2026, 8, 13))  # 10 days: the unit head too
    assert "【停更警告】" in bot.texts("jy_wang")[0] and len(bot.texts("jy_zhang")) == 2
    assert bot.texts("zsj_admin") == []
    run(date(2026, 8, 17))  # 14 days: the county bureau admins
    assert "两周未更新，国检单项否决" in bot.texts("zsj_admin")[0]
    assert bot.texts("zsj_review") == [] and bot.texts("jy_admin") == []  # admins of this county only
    run(date(2026, 10, 2))  # 60 days: zombie warning
    assert "【僵尸账号预警】" in bot.texts("zsj_admin")[-1] and "【僵尸账号预警】" in bot.texts("jy_wang")[-1]
    assert kinds(bot, account) == [("nudge", True), ("warning", True), ("bureau", True), ("zombie", True)]
    with bot.db() as s:
        assert s.get(DormancyWatch, account).dormant is False


def test_the_warning_tells_the_responsible_person_what_to_do_and_the_heads_to_urge(bot):
    """停更警告 (10 days): the responsible person is asked to post, the unit heads to urge them by name (it was
    one text, 「请单位负责人督促」, to the clerk too); a head who is the responsible person gets the first only; no
    responsible person: the heads are asked to name one. Each text goes to its group in one call."""
    with bot.db() as s:
        s.add(PersonRole(person_id=person_id(s, "jy_li"), role=UNIT_HEAD))  # a second unit head
    add_account(bot, last_update_on=LAST)  # 张伟's
    add_account(bot, platform="抖音", responsible=None, last_update_on=LAST)
    add_account(bot, platform="微博", responsible="jy_wang", last_update_on=LAST)
    sent = len(bot.fake.state.requests)
    run(date(2026, 8, 13))  # 10 days
    [zhang] = bot.texts("jy_zhang")
    assert zhang.startswith("【停更警告】您负责的抚松县教育局政务新媒体账号「抚松教育（微信公众号）」已10天未更新")
    assert "请尽快发布内容，并在周报中如实填报更新情况" in zhang and "督促" not in zhang
    for head in ("jy_wang", "jy_li"):  # three accounts: one message each, listing them (it was three messages)
        [message] = bot.texts(head)
        assert message.startswith("【停更通知】今天有3个政务新媒体账号的停更情况需要您关注，请逐项办理：\n\n一、【停更警告】")
        texts = items([message])
        assert len(texts) == 3
        assert any("「抚松教育（微信公众号）」" in t and t.endswith("请督促账号负责人张伟尽快更新。") for t in texts)
        assert any("「抚松教育（抖音）」" in t and "没有登记账号负责人" in t and "请安排专人尽快更新" in t
                   for t in texts)
    weibo = [t for t in items(bot.texts("jy_wang")) if "「抚松教育（微博）」" in t]
    assert len(weibo) == 1 and weibo[0].startswith("【停更警告】您负责的") and "督促" not in weibo[0]
    assert any("「抚松教育（微博）」" in t and t.endswith("请督促账号负责人王局长尽快更新。")
               for t in items(bot.texts("jy_li")))
    calls = [r for r in bot.fake.state.requests[sent:] if r["path"] == "/cgi-bin/message/send"]
    assert len(calls) == 3  # one message per person


def test_an_update_resets_the_ladder(bot):
    account = add_account(bot, last_update_on=LAST)
    run(date(2026, 8, 10))
    with bot.db() as s:
        s.get(Account, account).last_update_on = date(2026, 8, 12)
    run(date(2026, 8, 13))  # 1 day idle in the new spell: nothing
    assert len(bot.texts("jy_zhang")) == 1
    run(date(2026, 8, 19))  # 7 days into the new spell: the nudge again
    texts = bot.texts("jy_zhang")
    assert len(texts) == 2 and "最近更新：2026-08-12" in texts[1]
    with bot.db() as s:
        assert s.get(DormancyWatch, account).spell_start == date(2026, 8, 12)


def test_the_only_explanation_awaiting_review_is_judged_without_its_number(bot):
    """「接受说明」 alone was 「请带上跟进事项编号」: the one explanation awaiting review is shown and confirmed."""
    add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    assert bot.send("zsj_admin", "接受说明") == "没有等待审核的说明。回复「跟进事项」查看跟进事项。"
    bot.say("jy_zhang", "说明 1 账号已交由新同事维护，本周恢复更新", "确认")
    shown = bot.send("zsj_admin", "驳回说明 还没有看到更新")
    assert shown.startswith("1. [说明待审] 抚松县教育局｜抚松教育（微信公众号）｜停更90天\n说明：账号已交由新同事维护"), shown
    assert shown.endswith("确认驳回跟进事项 1 的说明（原因：还没有看到更新）？回复「确认」，回复「取消」不处理。"), shown
    assert bot.send("zsj_admin", "不").startswith("没有处理，跟进事项 1 仍等待审核。")
    bot.send("zsj_admin", "接受说明")
    assert bot.send("zsj_admin", "确认").startswith("已接受跟进事项 1 的说明")
    with bot.db() as s:
        assert s.get(DormancyCase, 1).status == "说明已接受"


def test_90_days_marks_dormant_and_opens_a_case_the_unit_must_answer(bot):
    account = add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))  # 91 days, first look: only the top rung is announced
    assert kinds(bot, account) == [("nudge", False), ("warning", False), ("bureau", False), ("zombie", False),
                                   ("dormant", True)]
    zhang = bot.texts("jy_zhang")
    assert len(zhang) == 1 and "【停更认定】" in zhang[0] and "说明 1" in zhang[0] and "无力维护" in zhang[0]
    assert "跟进事项 1" in bot.texts("zsj_admin")[0] and "【停更认定】" in bot.texts("jy_wang")[0]
    with bot.db() as s:
        watch = s.get(DormancyWatch, account)
        assert watch.dormant and watch.dormant_since == date(2026, 11, 2)
        case = s.get(DormancyCase, 1)
        assert (case.account_id, case.status, case.source) == (account, "待处理", "停更90天")

    assert "请写明理由" in bot.send("jy_zhang", "说明 1")
    assert "已取消「跟进事项说明」" in bot.send("jy_zhang", "取消")
    assert "没有找到" in bot.send("wj_liu", "说明 1 我们会更新的")  # another unit
    assert "已提交" in bot.say("jy_zhang", "说明 1 账号已交由新同事维护，本周恢复更新", "确认")[-1]
    assert "本周恢复更新" in bot.texts("zsj_admin")[-1] and "接受说明 1" in bot.texts("zsj_admin")[-1]
    assert "没有找到" in bot.send("jy_admin", "接受说明 1")  # the neighbouring county's admin
    assert "仅限" in bot.send("jy_zhang", "接受说明 1")
    assert "驳回原因" in bot.send("zsj_admin", "驳回说明 1")
    assert "已驳回" in bot.send("zsj_admin", "驳回说明 1 近三个月没有任何更新计划")
    assert "近三个月没有任何更新计划" in bot.texts("jy_zhang")[-1]
    with bot.db() as s:
        assert s.get(DormancyCase, 1).status == "待处理"
    assert "没有待审核的说明" in bot.send("zsj_admin", "接受说明 1")
    bot.say("jy_zhang", "说明 1 已制定更新计划，每周二、四发布", "确认")
    assert "已接受" in bot.send("zsj_review", "接受说明 1")
    assert "已接受" in bot.texts("jy_wang")[-1]
    with bot.db() as s:
        assert s.get(DormancyCase, 1).status == "说明已接受"
    run(date(2026, 11, 3))  # nothing more in this spell
    assert len(bot.texts("zsj_admin")) == 3  # the mark and two explanations


def test_resuming_after_dormancy_clears_the_mark_and_tells_the_bureau(bot):
    account = add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    with bot.db() as s:
        s.get(Account, account).last_update_on = date(2026, 11, 3)
    run(date(2026, 11, 4))
    assert "【停更解除】" in bot.texts("zsj_admin")[-1]
    with bot.db() as s:
        assert s.get(DormancyWatch, account).dormant is False


def test_skips_accounts_not_open(bot):
    for status in (APPLYING, SUSPENDED, CANCELLED):
        add_account(bot, status=status, last_update_on=LAST, platform=status)
    add_account(bot, opened_on=date(2026, 12, 1), platform="抖音")  # opens later
    run(date(2026, 11, 2))
    with bot.db() as s:
        assert s.scalars(select(DormancyRung)).all() == []


def test_never_reported_counts_from_the_later_of_opening_and_import(bot):
    imported = datetime(2026, 8, 20, 2, 0, tzinfo=timezone.utc)
    first = add_account(bot, opened_on=date(2017, 1, 1), imported_at=imported)
    second = add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", opened_on=date(2026, 8, 24))
    run(date(2026, 8, 27))  # 7 days after the import; 3 days after the second opened
    assert kinds(bot, first) == [("nudge", True)] and kinds(bot, second) == []


def test_rungs_are_configurable(bot, monkeypatch):
    monkeypatch.setenv("BOT_DORMANCY_RUNGS", "3,5,7,20,30")
    account = add_account(bot, last_update_on=LAST)
    run(date(2026, 8, 6))
    assert "3天未更新" in bot.texts("jy_zhang")[0] and kinds(bot, account) == [("nudge", True)]
    monkeypatch.setenv("BOT_DORMANCY_RUNGS", "7,5,14,60,90")
    with pytest.raises(ConfigError, match="BOT_DORMANCY_RUNGS"):
        dormancy.rungs()


def test_scheduled_at_nine_on_working_days_once_with_catch_up(bot):
    add_account(bot, last_update_on=LAST)
    ran = []

    def enqueue(name, period):
        if name == "dormancy_ladder":
            ran.append(period)
            schedule.run_job(name, period)

    at(date(2026, 8, 10), 8, 59)
    schedule.tick(enqueue)
    assert ran == ["2026-08-07"]  # last Friday's run, caught up (nothing was due then)
    at(date(2026, 8, 10), 9, 1)
    schedule.tick(enqueue)
    schedule.tick(enqueue)
    assert ran == ["2026-08-07", "2026-08-10"]
    assert len(bot.texts("jy_zhang")) == 1
    at(date(2026, 8, 16), 12, 0)  # a Sunday, after a scheduler outage: only Friday the 14th is caught up
    schedule.tick(enqueue)
    assert ran[-1] == "2026-08-14" and len(ran) == 3
    assert "【停更警告】" in bot.texts("jy_zhang")[-1]


def test_run_by_hand_from_the_command_line(bot, app):
    add_account(bot, last_update_on=LAST)
    at(date(2026, 8, 20))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "run", "dormancy_ladder", "--date", "2026-08-10"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["jobs", "run", "dormancy_ladder", "--date", "2026-08-10"])
    assert "1个账号发出停更通知" in first.output and "0个账号发出停更通知" in again.output
    assert len(bot.texts("jy_zhang")) == 1


def test_follow_up_list_is_scoped(bot):
    add_account(bot, last_update_on=LAST)
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", last_update_on=LAST)
    run(date(2026, 11, 2))
    bureau = bot.send("zsj_admin", "跟进事项")
    assert "（2项）" in bureau and "抚松县教育局｜抚松教育（微信公众号）｜停更90天" in bureau
    unit = bot.send("jy_zhang", "跟进事项")
    assert "（1项）" in unit and "健康抚松" not in unit and "说明 编号" in unit
    record = bot.send("zsj_admin", "单位记录 抚松县教育局")
    assert "停更账号：抚松教育（微信公众号）（2026-11-02起）" in record and "健康抚松" not in record
    bot.say("jy_zhang", "说明 1 已恢复更新，附近期发布记录", "确认")
    bot.send("zsj_admin", "接受说明 1")
    assert "没有待处理" in bot.send("jy_zhang", "跟进事项")
    assert "说明已接受" in bot.send("jy_zhang", "跟进事项 全部")
    assert "没有待处理" in bot.send("jy_admin", "跟进事项")


def test_cases_settle_when_the_account_is_cancelled(bot):
    account = add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    bot.say("jy_zhang", "说明 1 正在办理注销手续", "确认")
    with bot.db() as s:
        s.get(Account, account).status = CANCELLED
    run(date(2026, 11, 3))
    with bot.db() as s:
        case = s.get(DormancyCase, 1)
        assert case.status == "已注销" and case.decided_by == "system:dormancy_ladder"
    assert "无需再作说明" in bot.send("jy_zhang", "说明 1 补充说明材料")


def test_without_a_responsible_person_the_unit_head_is_nudged(bot):
    add_account(bot, responsible=None, last_update_on=LAST)
    run(date(2026, 8, 10))
    [head] = bot.texts("jy_wang")
    assert head.startswith("【停更提醒】抚松县教育局的「抚松教育（微信公众号）」已7天未更新") and bot.texts("jy_zhang") == []
    assert "请安排专人尽快更新。同时请回复「变更 抚松教育 微信公众号」选择「账号负责人」指定专人（第21条）。" in head, head


def test_a_responsible_person_moved_to_another_county_is_not_told_and_the_unit_head_is(bot):
    """张伟 answered for 教育局's account, then moved to the neighbouring county (org sync or import): the notices
    about an account of 抚松县 must not reach him there; the unit is told as one without a responsible person."""
    add_account(bot, last_update_on=LAST)
    with bot.db() as s:
        zhang = s.get(Person, person_id(s, "jy_zhang"))
        zhang.unit_id = unit_id(s, "靖宇县教育局")
    run(date(2026, 8, 10))
    assert bot.texts("jy_zhang") == []
    [head] = bot.texts("jy_wang")
    assert head.startswith("【停更提醒】抚松县教育局的「抚松教育（微信公众号）」已7天未更新"), head


def test_overlapping_runs_announce_once(bot):
    """A run by hand overlapping the scheduled one: the second waits or skips, never sends twice."""
    import threading
    import time

    from bot import db
    account = add_account(bot, last_update_on=LAST)
    at(date(2026, 8, 10))
    results = []
    first = db.new_session()
    with first.begin():
        dormancy.run_ladder(first, date(2026, 8, 10))
        other = threading.Thread(target=lambda: results.append(dormancy.dormancy_ladder("2026-08-10")))
        other.start()
        time.sleep(1.0)  # let the second run reach the rows the first one holds
    first.close()
    other.join(30)
    assert results == ["0个账号发出停更通知"]
    assert kinds(bot, account) == [("nudge", True)] and len(bot.texts("jy_zhang")) == 1


def test_a_never_updated_account_is_not_said_to_have_updated_on_its_opening_day(bot):
    """Counting from the day it opened (or was imported) is right; calling that day 「最近更新」 is not."""
    imported = datetime(2026, 8, 20, 2, 0, tzinfo=timezone.utc)
    add_account(bot, opened_on=date(2017, 1, 1), imported_at=imported)
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", opened_on=date(2026, 8, 24))
    run(date(2026, 8, 31))
    (edu,) = bot.texts("jy_zhang")
    assert "最近更新" not in edu and "尚无更新记录" in edu and "2026-08-20" in edu and "录入助手" in edu, edu
    (health,) = bot.texts("wj_liu")
    assert "最近更新" not in health and "开设" in health and "2026-08-24" in health, health


def leave(bot, *userids):
    """These people left (停用)."""
    from models.org import Person
    with bot.db() as s:
        for person in s.scalars(select(Person).where(Person.userid.in_(userids))):
            person.active = False


def about(texts, platform):
    return [t for t in items(texts) if f"「抚松教育（{platform}）」" in t]


def test_the_later_rungs_tell_the_responsible_person_what_to_do_the_heads_to_urge_and_the_bureau_its_part(bot):
    """停更通报, 僵尸账号预警 and 停更认定 were one text for the responsible person and the heads alike: now the
    responsible person is told to update or file 注销 (第15条), the heads to urge that named person, the bureau admins
    whom the unit's notice reached and what is theirs to do. A head who answers for an account gets the doer's text."""
    add_account(bot, last_update_on=LAST)  # 张伟's
    add_account(bot, platform="微博", responsible="jy_wang", last_update_on=LAST)  # the head's own
    run(date(2026, 8, 17))  # 14 days
    dormancy.dormancy_ladder("2026-08-17")  # a re-run sends nothing twice (`run` would move the clock back)
    [zhang] = bot.texts("jy_zhang")
    assert zhang.startswith("【停更通报】您负责的抚松县教育局政务新媒体账号「抚松教育（微信公众号）」已14天未更新"), zhang
    assert "请立即发布内容" in zhang and "回复「注销 抚松教育 微信公众号」，第15条" in zhang and "督促" not in zhang
    [urged] = about(bot.texts("jy_wang"), "微信公众号")
    assert "请督促账号负责人张伟立即更新；确属无力维护的，请组织申请注销（第15条）。" in urged
    [own] = about(bot.texts("jy_wang"), "微博")
    assert own.startswith("【停更通报】您负责的") and "督促" not in own
    [admin] = about(bot.texts("zsj_admin"), "微信公众号")
    assert "已通知账号负责人张伟、单位负责人王局长。" in admin and "「整改通知 抚松县教育局 问题描述」" in admin
    [admin] = about(bot.texts("zsj_admin"), "微博")
    assert "已通知账号负责人王局长。" in admin
    assert bot.texts("jy_li") == []

    run(date(2026, 10, 2))  # 60 days
    assert bot.texts("jy_zhang")[-1].startswith("【僵尸账号预警】您负责的")
    assert "请立即恢复更新；确属无力维护的，请申请注销（回复「注销 抚松教育 微信公众号」）" in bot.texts("jy_zhang")[-1]
    assert "请督促账号负责人张伟立即恢复更新" in about(bot.texts("jy_wang"), "微信公众号")[-1]
    assert "督促" not in about(bot.texts("jy_wang"), "微博")[-1]
    assert "第32条" in about(bot.texts("zsj_admin"), "微信公众号")[-1]

    run(date(2026, 11, 2))  # 90 days: the case, which anyone of the unit may answer
    doer = about(bot.texts("jy_zhang"), "微信公众号")[-1]
    assert "【停更认定】" in doer and "请在以下两项中选择其一（跟进事项 1）" in doer and "督促" not in doer
    urged = about(bot.texts("jy_wang"), "微信公众号")[-1]
    assert "请督促账号负责人张伟在以下两项中选择其一办理（跟进事项 1，您也可以直接办理）" in urged and "说明 1" in urged
    assert "请在以下两项中选择其一（跟进事项 2）" in about(bot.texts("jy_wang"), "微博")[-1]
    for staff in ("jy_zhang", "jy_li"):  # both accounts' case, worded for the doers
        assert [t for t in bot.texts(staff) if "督促" in t] == [], staff
        assert bot.texts(staff)[-1].startswith("【停更通知】今天有2个政务新媒体账号的停更情况")
        assert [t[:6] for t in items(bot.texts(staff)[-1:])] == ["【停更认定】"] * 2
    admin = about(bot.texts("zsj_admin"), "微信公众号")[-1]
    assert "已通知账号负责人张伟、单位负责人王局长、工作人员李娜。" in admin and "「接受说明 1」" in admin
    # one message a person a day, whatever the number of accounts (it was a message per account)
    assert len(bot.texts("jy_zhang")) == 3 and len(bot.texts("jy_li")) == 1 and len(bot.texts("jy_wang")) == 3
    assert len(bot.texts("zsj_admin")) == 3 and len(items(bot.texts("zsj_admin"))) == 6


def test_a_unit_without_a_head_is_never_asked_to_urge(bot):
    """The unit head left: the staff stood in for the heads and were asked 「请督促账号负责人…」. Now the
    responsible person is told what to do; an account without one has the staff told to update it and name one;
    the bureau admins hear that the unit has no head."""
    leave(bot, "jy_wang")
    add_account(bot, last_update_on=LAST)  # 张伟's
    add_account(bot, platform="抖音", responsible=None, last_update_on=LAST)
    for day in (date(2026, 8, 13), date(2026, 8, 17), date(2026, 10, 2), date(2026, 11, 2)):  # 10, 14, 60, 90 days
        run(day)
    for staff in ("jy_zhang", "jy_li"):
        assert [t for t in bot.texts(staff) if "督促" in t or "请安排专人" in t] == [], staff
    assert [t[:6] for t in about(bot.texts("jy_li"), "微信公众号")] == ["【停更认定】"]
    warning, notice, zombie, mark = about(bot.texts("jy_li"), "抖音")
    assert warning.startswith("【停更警告】") and "本单位在通讯录中也没有单位负责人" in warning
    assert "请尽快发布内容" in warning and "同时请回复「变更 抚松教育 抖音」选择「账号负责人」指定专人（第21条）" in warning
    assert notice.startswith("【停更通报】") and zombie.startswith("【僵尸账号预警】") and mark.startswith("【停更认定】")
    assert about(bot.texts("jy_zhang"), "抖音") == [warning, notice, zombie, mark]
    admin = about(bot.texts("zsj_admin"), "抖音")[0]
    assert "已通知工作人员张伟、李娜（该账号没有账号负责人；该单位在通讯录中没有单位负责人）。" in admin
    assert "已通知账号负责人张伟（该单位在通讯录中没有单位负责人）。" in about(bot.texts("zsj_admin"), "微信公众号")[0]


def test_a_unit_with_nobody_left_has_its_bureau_admins_told_at_every_rung(bot):
    """Everyone of the unit left: the rungs reached nobody (the 7- and 10-day ones nobody at all). Now each rung
    goes to the unit's county bureau admins, saying that nobody at the unit can receive it and to have the unit
    name its people (第21条)."""
    leave(bot, "wj_liu", "wj_chen")
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", last_update_on=LAST)
    nobody = "抚松县卫生健康局在通讯录中没有在职的账号负责人、工作人员或单位负责人，这条通知单位无人能收到。"
    rungs = [(date(2026, 8, 10), "【停更提醒】", "尽快更新"), (date(2026, 8, 13), "【停更警告】", "尽快更新"),
             (date(2026, 8, 17), "【停更通报】", "立即更新"), (date(2026, 10, 2), "【僵尸账号预警】", "恢复更新或申请注销"),
             (date(2026, 11, 2), "【停更认定】", "申请注销或作出说明")]
    for n, (day, title, ask) in enumerate(rungs, 1):
        run(day)
        texts = bot.texts("zsj_admin")
        assert len(texts) == n and texts[-1].startswith(f"{title}抚松县卫生健康局的「健康抚松（微信公众号）」"), texts
        assert nobody in texts[-1] and f"请联系该单位{ask}，并让该单位在通讯录中补充人员、指定账号负责人（第21条）。" in texts[-1]
    assert "已通知" not in "".join(bot.texts("zsj_admin")) and bot.texts("jy_admin") == []


def test_the_units_only_case_needs_no_number_and_a_missing_reason_is_asked_for(bot):
    assert "没有需要说明的跟进事项" in bot.send("jy_zhang", "说明")
    add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    asked = bot.send("jy_zhang", "说明")
    assert asked.startswith("跟进事项 1（") and "停更90天）：请写明理由" in asked
    # the command typed out again is the reason it carries
    confirm = bot.send("jy_zhang", "说明 1 账号已交由新同事维护，本周恢复更新")
    assert "请确认提交跟进事项 1 的说明：\n账号已交由新同事维护，本周恢复更新\n" in confirm
    assert "已提交跟进事项 1 的说明" in bot.send("jy_zhang", "确认")
    with bot.db() as s:
        assert s.get(DormancyCase, 1).explanation == "账号已交由新同事维护，本周恢复更新"
    # the reason on the same line as 说明, with or without the number: shown, and sent only on 确认
    confirm = bot.send("jy_zhang", "说明 1 新同事已接手，本周起每周发布")
    assert confirm.endswith("请确认提交跟进事项 1 的说明：\n新同事已接手，本周起每周发布\n"
                            "回复「确认」提交，「上一步」重写，「取消」放弃。"), confirm
    assert "请写明理由" in bot.send("jy_zhang", "上一步")  # rewrite it
    assert bot.send("jy_zhang", "取消").startswith("已取消")
    with bot.db() as s:
        assert s.get(DormancyCase, 1).explanation == "账号已交由新同事维护，本周恢复更新"  # nothing sent
    assert "请确认提交跟进事项 1 的说明" in bot.send("jy_zhang", "说明 新同事已接手，本周起每周发布")
    assert "已把补充说明加在跟进事项 1 原来的说明后面" in bot.send("jy_zhang", "确认")
    with bot.db() as s:
        assert s.get(DormancyCase, 1).explanation.endswith("）新同事已接手，本周起每周发布")


def test_a_unit_whose_people_wecom_refuses_has_its_bureau_admins_told(bot):
    """Everyone of the unit is still in the directory but WeCom refuses them all (marked invalid by the delivery):
    the rung was dropped by the outbox and nobody heard. Nobody reachable is treated like nobody left, and the
    admins hear why."""
    from sqlalchemy import update

    from models.org import Person
    add_account(bot, unit=HEALTH, name="健康抚松", responsible="wj_liu", last_update_on=LAST)
    with bot.db() as s:
        s.execute(update(Person).where(Person.userid.in_(("wj_liu", "wj_chen"))).values(wecom_invalid=True))
    run(date(2026, 8, 10))
    [text] = bot.texts("zsj_admin")
    assert text.startswith("【停更提醒】抚松县卫生健康局的「健康抚松（微信公众号）」已7天未更新"), text
    assert ("抚松县卫生健康局的刘洋、陈局长在企业微信中已无效（可能已离职），这条通知单位无人能收到。"
            "请联系该单位尽快更新，并让该单位在通讯录中补充人员、指定账号负责人（第21条）。") in text, text


def test_a_reason_that_starts_with_the_word_说明_is_kept_whole(bot):
    add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    bot.send("jy_zhang", "说明")
    confirm = bot.send("jy_zhang", "说明一下：账号已交由新同事维护")
    assert "的说明：\n说明一下：账号已交由新同事维护\n" in confirm, confirm


def test_a_follow_up_answered_in_the_clerks_words_is_confirmed_as_the_explanation(bot):
    """「这个号还在用，…」 is 说明 for the unit's only case, the sentence its reason; 「我们不注销」 asks for the reason."""
    assert "没有需要说明的跟进事项" in bot.send("jy_zhang", "我们不注销")
    add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    asked = bot.send("jy_zhang", "我们不注销")
    assert asked.startswith("跟进事项 1（") and "请写明理由" in asked, asked
    bot.send("jy_zhang", "取消")
    confirm = bot.send("jy_zhang", "这个号还在用，本周已恢复更新，今后专人负责")
    assert confirm.startswith("请确认提交跟进事项 1 的说明：\n这个号还在用，本周已恢复更新，今后专人负责\n"), confirm
    assert "已提交跟进事项 1 的说明" in bot.send("jy_zhang", "确认")


def test_a_notice_about_an_account_being_closed_says_where_its_request_stands(bot):
    """The ladder urged 「请尽快更新」 for an account whose 注销 (无力维护) had waited for the unit head for days;
    neither the clerk nor the head — the approver it waited for — was told so."""
    account = add_account(bot, last_update_on=LAST)
    at(date(2026, 8, 10))
    bot.send("jy_zhang", "注销 抚松教育")
    bot.send("jy_zhang", "无力维护")
    assert "已提交" in bot.send("jy_zhang", "确认")
    with bot.db() as s:
        from models.approval import ApprovalRequest
        number = s.scalar(select(ApprovalRequest.id).where(ApprovalRequest.account_id == account))
    run(date(2026, 8, 13))  # 10 days: 停更警告 to the responsible person and the head
    note = f"\n该账号的注销申请（第{number}号）正在「开设单位意见」环节审批（回复「查看 {number}」），请审批人尽快处理；注销办结后不再计算停更。"
    assert bot.texts("jy_zhang")[-1].startswith("【停更警告】") and bot.texts("jy_zhang")[-1].endswith(note)
    assert bot.texts("jy_wang")[-1].startswith("【停更警告】") and bot.texts("jy_wang")[-1].endswith(note)


def test_a_second_explanation_while_the_first_awaits_review_is_added_to_it(bot):
    """A second 「说明 1 …」 before the bureau decided replaced the first: the record kept only the latest words. The
    first is kept and the second added to it (the clerk is told so before 确认), and the bureau is told it is added."""
    add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    bot.say("jy_zhang", "说明 1 账号已恢复更新，今后专人负责", "确认")
    confirm = bot.send("jy_li", "说明 1 补充：已安排专人每周二发布")
    assert confirm.startswith("（跟进事项 1 已有说明在等待县政数局审核：「账号已恢复更新，今后专人负责」。"
                              "这次写的作为补充说明加在后面，原来的说明保留。）"), confirm
    assert bot.send("jy_li", "确认") == "已把补充说明加在跟进事项 1 原来的说明后面，县政数局审核后会通知您。"
    with bot.db() as s:
        explanation = s.get(DormancyCase, 1).explanation
    assert explanation.startswith("账号已恢复更新，今后专人负责\n（补充，李") and explanation.endswith("补充：已安排专人每周二发布")
    told = bot.texts("zsj_admin")[-1]
    assert told.startswith("【跟进事项 1 补充说明】") and "账号已恢复更新，今后专人负责" in told, told


def test_a_bureau_admin_responsible_for_his_bureaus_own_account_is_told_once_as_its_keeper(bot):
    """The county bureau's own account, kept by its admin: at 14 days he got 「您负责的…」 and also the admin's notice
    naming himself (「已通知账号负责人马管理…请督促该单位立即更新；需要时可下发整改通知」) — the same news twice."""
    add_account(bot, unit="抚松县政务服务和数字化建设管理局", name="抚松政务", responsible="zsj_admin", last_update_on=LAST)
    at(date(2026, 8, 17), 9, 0)
    dormancy.dormancy_ladder("2026-08-17")
    texts = bot.texts("zsj_admin")
    assert len(texts) == 1 and texts[0].startswith("【停更通报】您负责的"), texts
    assert not any("马管理" in t for t in texts)


def test_asking_whether_the_explanation_was_reviewed_gets_where_it_stands(bot):
    """「我们的说明审核了吗」 got the help text of 说明 (how to write one), not whether the bureau had reviewed it."""
    add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    before = bot.send("jy_zhang", "我们的说明审核了吗")
    assert before.startswith("跟进事项 1（抚松教育（微信公众号）") and "还没有作出说明" in before, before
    assert "说明 1 理由" in before
    assert bot.send("jy_zhang", "说明交了吗") == before
    bot.say("jy_zhang", "说明 1 账号已恢复更新，今后专人负责", "确认")
    waiting = bot.send("jy_zhang", "我们的说明审核了吗")
    assert "正在等待县政数局审核" in waiting and "账号已恢复更新，今后专人负责" in waiting, waiting
    assert "用法" not in waiting
    assert bot.send("jy_zhang", "我们的说明被驳回了吗") == waiting
    bot.send("zsj_admin", "驳回说明 1 近一个月仍未更新")
    rejected = bot.send("jy_li", "说明审核通过了没有")
    assert "未接受说明，原因：近一个月仍未更新。请回复「说明 1 理由」重新说明" in rejected, rejected
    bot.say("jy_zhang", "说明 1 已安排专人每周二发布", "确认")
    bot.send("zsj_admin", "接受说明 1")
    accepted = bot.send("jy_zhang", "说明批了吗")
    assert "县政数局已于11-02 10:00接受说明，事项已办结" in accepted, accepted
    assert bot.send("jy_zhang", "说明 1 账号已恢复更新").startswith("跟进事项 1 当前状态为「说明已接受」")  # still 说明


def test_cancel_after_writing_the_explanation_keeps_it_for_continue(bot):
    """An explanation written out at length, then 「取消」 at its confirmation, was lost: one word, the whole text."""
    add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    bot.send("jy_zhang", "说明 1")
    assert "请确认提交跟进事项 1 的说明" in bot.send("jy_zhang", "账号已交由新同事维护，本周起每周二固定发布")
    left = bot.send("jy_zhang", "取消")
    assert "已填写的内容（跟进事项 1）已保存为草稿，回复「继续」可接着填写" in left, left
    assert "账号已交由新同事维护，本周起每周二固定发布" in bot.send("jy_zhang", "继续")
    assert "已提交跟进事项 1 的说明" in bot.send("jy_zhang", "确认")


def test_a_person_answering_for_several_idle_accounts_gets_one_message_listing_them(bot):
    """张伟 answers for three accounts idle since the same day: he got three 【停更警告】 messages, the head three
    「请督促」 messages. Now one message each, the accounts listed, the highest rung first; a re-run of the day and
    the next day send nothing more."""
    add_account(bot, last_update_on=LAST)
    add_account(bot, platform="抖音", last_update_on=LAST)
    add_account(bot, platform="微博", last_update_on=date(2026, 8, 6))  # 7 days on the 13th: a nudge, to him only
    run(date(2026, 8, 13))
    dormancy.dormancy_ladder("2026-08-13")
    run(date(2026, 8, 14))
    [zhang] = bot.texts("jy_zhang")
    assert zhang.startswith("【停更通知】今天有3个政务新媒体账号的停更情况需要您关注，请逐项办理：\n\n一、【停更警告】"), zhang
    listed = items([zhang])
    assert [t[:6] for t in listed] == ["【停更警告】", "【停更警告】", "【停更提醒】"]
    assert "「抚松教育（微博）」已7天未更新" in listed[2] and "\n\n三、【停更提醒】" in zhang
    [wang] = bot.texts("jy_wang")
    assert wang.startswith("【停更通知】今天有2个") and wang.count("请督促账号负责人张伟尽快更新。") == 2
    assert bot.texts("zsj_admin") == []


def test_an_account_resuming_after_dormancy_still_has_its_follow_up_case_answered(bot):
    """Updated again after 停更认定: the admins read 「停更认定已解除」 while case 1 stayed 待处理 with the drafted 注销,
    and the unit heard nothing. Now the unit is told the case still needs a 说明 (or the 注销), the admins that it was
    asked; once the explanation awaits review, a resumption points the admins to it."""
    first = add_account(bot, last_update_on=LAST)
    second = add_account(bot, platform="抖音", responsible="jy_li", last_update_on=LAST)
    run(date(2026, 11, 2))
    bot.say("jy_li", "说明 2 账号已交新同事维护", "确认")
    with bot.db() as s:
        s.get(Account, first).last_update_on = date(2026, 11, 3)
        s.get(Account, second).last_update_on = date(2026, 11, 3)
    run(date(2026, 11, 4))
    [zhang] = [t for t in items(bot.texts("jy_zhang")) if t.startswith("【停更解除】")]
    assert zhang.startswith("【停更解除】抚松县教育局的「抚松教育（微信公众号）」已恢复更新（最近更新：2026-11-03），停更标记已解除。")
    assert "跟进事项 1 仍需办理：不注销的，请回复「说明 1 理由…」向县政数局说明" in zhang, zhang
    assert any("跟进事项 1 仍需办理" in t for t in items(bot.texts("jy_wang")))
    admin = [t for t in items(bot.texts("zsj_admin")) if t.startswith("【停更解除】")]
    assert len(admin) == 2 and "跟进事项 1 仍待处理，已请单位作出说明" in admin[0]
    assert "跟进事项 2 的说明正在等待您审核（回复「接受说明 2」或「驳回说明 2 原因」）" in admin[1]
    assert not any("跟进事项 2 仍需办理" in t for t in items(bot.texts("jy_li")))


def test_no_at_the_confirmation_of_a_typed_explanation_keeps_it_as_a_draft(bot):
    """「不」 at 「请确认提交…的说明」 dropped the text the clerk had typed (「已放弃」), while 「取消」 kept it:
    one word must not lose a clerk's work."""
    add_account(bot, last_update_on=LAST)
    run(date(2026, 11, 2))
    bot.send("jy_zhang", "说明 1")
    assert "请确认提交跟进事项 1 的说明" in bot.send("jy_zhang", "账号已交由新同事维护，本周恢复更新")
    said = bot.send("jy_zhang", "不")
    assert said.startswith("好的，说明没有提交。已填写的内容已保存为草稿，回复「继续」"), said
    assert "账号已交由新同事维护，本周恢复更新" in bot.send("jy_zhang", "继续")
    assert "已提交跟进事项 1 的说明" in bot.send("jy_zhang", "确认")
