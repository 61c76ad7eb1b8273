"""The 周报 dialogue through encrypted callbacks: three accounts, a wrong answer re-asked, 跳过 and 同上."""
from datetime import date

from sqlalchemy import select

from models.account import Account
from models.weekly import WeeklyReportVersion
from tests.weekly_support import EDU, at, report_of, seed

WEEK = date(2026, 11, 23)


def test_full_dialogue_with_reask_skip_and_same_as_above(bot):
    ids = seed(bot)
    at(2026, 11, 25, 10, 0)  # a Wednesday
    first = bot.send("jy_zhang", "周报")
    assert "【1/3】抚松教育（微信公众号）" in first and "11月23日—11月29日发布了几条" in first
    assert "原创几条" in bot.send("jy_zhang", "五条")
    wrong = bot.send("jy_zhang", "6")
    assert "原创条数（6）不能多于本周发布条数（5）" in wrong and "原创几条" in wrong  # hint + same question
    assert "最近一次发布是哪天" in bot.send("jy_zhang", "3")
    future = bot.send("jy_zhang", "周五")
    assert "11-27 还没到" in future and "最近一次发布是哪天" in future
    assert "收到留言/评论几条" in bot.send("jy_zhang", "昨天")
    assert "问题或整改" in bot.send("jy_zhang", "留言4/4")
    second = bot.send("jy_zhang", "无")
    assert "【2/3】抚松教育（抖音）" in second
    back = bot.send("jy_zhang", "上一步")  # the question does not name the account: the answer to 上一步 does
    assert back.startswith("好的，回到上一步（正在填写：抚松教育（微信公众号））。") and "问题或整改" in back
    assert "【2/3】抚松教育（抖音）" in bot.send("jy_zhang", "无")
    skipped = bot.send("jy_zhang", "跳过")
    # the counter is the account's place in the list: the third account after a skipped second one is 【3/3】
    assert "抚松教育（抖音）稍后再填" in skipped and "【3/3】抚松教育（微博）" in skipped
    assert "（已跳过：抚松教育（抖音），其他账号问完后再填）" in skipped and "【2/3】" not in skipped
    assert "这周没有更新" in bot.send("jy_zhang", "没有更新")
    before_opening = bot.send("jy_zhang", "2023-12-01")
    assert "2024年1月1日才开设" in before_opening
    interaction = bot.send("jy_zhang", "11月10日")
    assert "同上" in interaction
    same = bot.send("jy_zhang", "同上")
    assert "与上一个账号相同：留言4/4" in same
    back_to_skipped = bot.send("jy_zhang", "无")
    assert "接下来填写刚才跳过的账号" in back_to_skipped and "【2/3】抚松教育（抖音）\n11月23日" in back_to_skipped
    assert "已跳过" not in back_to_skipped
    bot.say("jy_zhang", "2", "1", "今天", "收到3回复2")
    summary = bot.send("jy_zhang", "有一条评论回复不及时，已整改")
    assert "1. 抚松教育（微信公众号）：发布5条（原创3），最近11-24，留言4/4，问题：无" in summary
    # numbered as the questions were (【2/3】 抖音), not in the order answered (抖音 was skipped and came last)
    assert "2. 抚松教育（抖音）：发布2条（原创1），最近11-25，留言3/2，问题：有一条评论回复不及时，已整改" in summary
    assert "3. 抚松教育（微博）：本周无更新，最近11-10，留言4/4，问题：无" in summary
    assert "请回复「确认」" in bot.send("jy_zhang", "嗯")
    done = bot.send("jy_zhang", "确认")
    assert "已提交抚松县教育局11月23日—11月29日的周报，共3个账号" in done and "迟报" not in done

    with bot.db() as s:
        report = report_of(s, EDU, WEEK)
        assert report.version == 1 and not report.late and not report.edited
        assert report.submitted_by.userid == "jy_zhang"
        entries = {e.account_id: e for e in report.entries}
        douyin = entries[ids["抚松教育（抖音）"]]
        assert (douyin.posts, douyin.originals, douyin.latest_post_on) == (2, 1, date(2026, 11, 25))
        assert (douyin.messages_received, douyin.messages_answered) == (3, 2)
        weibo = entries[ids["抚松教育（微博）"]]
        assert (weibo.posts, weibo.latest_post_on, weibo.messages_received) == (0, date(2026, 11, 10), 4)
        assert s.get(Account, ids["抚松教育（微信公众号）"]).last_update_on == date(2026, 11, 24)
        assert s.get(Account, ids["抚松教育（微博）"]).last_update_on == date(2026, 11, 10)
        assert len(s.scalars(select(WeeklyReportVersion)).all()) == 1


def test_posts_without_a_date_inside_the_week_is_refused(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "3", "1")
    reply = bot.send("jy_zhang", "11-20")
    assert "最近发布日期应在本周（11月23日—11月29日）之内" in reply
    assert "最近一次发布是哪天" in reply


def test_unit_without_accounts_is_told_nothing_is_due(bot):
    at(2026, 11, 25, 10, 0)
    assert "不需要报送周报" in bot.send("ga_zhou", "周报")


def test_monday_offers_last_week_when_it_is_missing(bot):
    seed(bot)
    at(2026, 11, 30, 9, 30)  # Monday; the week of 11-23 has no report
    ask = bot.send("jy_zhang", "周报")
    assert "上周（11月23日—11月29日）的周报还没有报送" in ask and "1. 上周（补报）" in ask
    assert "没有第5项" in bot.send("jy_zhang", "5")
    first = bot.send("jy_zhang", "1")
    assert "11月23日—11月29日发布了几条" in first
    bot.say("jy_zhang", "1", "0", "11-27", "无", "无", "无", "11-01", "无", "无", "无", "11-02", "无", "无")
    late = bot.send("jy_zhang", "确认")
    assert "记为迟报" in late
    with bot.db() as s:
        assert report_of(s, EDU, WEEK).late is True


def test_the_first_working_days_after_a_midweek_holiday_offer_last_week(bot):
    """May Day 2026 (5-1..5-5): Wednesday 5-6 and Thursday 5-7 are the week's first working days."""
    seed(bot)
    for day in (6, 7):
        at(2026, 5, day, 9, 30)
        ask = bot.send("jy_zhang", "周报")
        assert "上周（4月27日—5月3日）的周报还没有报送" in ask and "1. 上周（补报）" in ask
        bot.send("jy_zhang", "取消")
    at(2026, 5, 8, 9, 30)  # the third working day: plain 周报 is this week's
    assert "【1/3】抚松教育（微信公众号）\n5月4日—5月10日发布了几条" in bot.send("jy_zhang", "周报")
    bot.send("jy_zhang", "取消")
    at(2026, 10, 8, 9, 30)  # Thursday after National Day
    assert "上周（9月28日—10月4日）的周报还没有报送" in bot.send("jy_zhang", "周报")


def test_weeks_before_last_week_are_refused_not_read_as_an_account(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    for text in ("周报 上上周", "周报 前两周", "周报 上上周 抚松教育公众号 5 3 11-10", "修改周报 上上周", "周报 3周前"):
        reply = bot.send("jy_zhang", text)
        assert "只能填报或修改本周（11月23日—11月29日）和上周（11月16日—11月22日）的周报" in reply, text
        assert "联系县政数局" in reply and "快捷填报没有提交" not in reply and "上上周」" not in reply, text
    for text in ("周报 下下周", "修改周报 下下周"):
        assert bot.send("jy_zhang", text) == "还不能填报以后的周报。", text


def test_command_word_ending_in_punctuation_starts_the_dialogue(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    reply = bot.send("jy_zhang", "周报。")  # not a quick form for an account named 「。」
    assert "快捷填报没有提交" not in reply and "【1/3】抚松教育（微信公众号）" in reply
    bot.send("jy_zhang", "取消")
    assert "只能查看本单位" not in bot.send("jy_zhang", "台账！")  # no unit named 「！」 either


def test_a_bare_number_at_the_summary_does_not_submit(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "无", "不清楚", "无", "无", "无", "不清楚", "无", "无", "无", "不清楚", "无")
    summary = bot.send("jy_zhang", "无")
    assert "1. 抚松教育（微信公众号）" in summary
    for number in ("1", "２", "3"):  # the summary is a numbered list: a number names an account
        reply = bot.send("jy_zhang", number)
        assert "已提交" not in reply and f"「修改 {int(number)}」" in reply and "「确认」" in reply
    with bot.db() as s:
        assert report_of(s, EDU, WEEK) is None
    assert "已提交" in bot.send("jy_zhang", "确认")


def test_date_hint_offers_unknown_only_when_it_is_accepted(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "3", "1")
    posted = bot.send("jy_zhang", "不知哪天")  # 3 posts this week: 「不清楚」 would be refused
    assert "没能看懂日期" in posted and "不清楚" not in posted
    bot.say("jy_zhang", "上一步", "上一步", "无")
    idle = bot.send("jy_zhang", "不知哪天")  # no posts: 「不清楚」 is fine and the question says so
    assert "没能看懂日期" in idle and "记不清回复「不清楚」" in idle


def test_no_post_remembered_may_be_answered_none_for_an_idle_week(bot):
    """After 「无」 to the posts, a clerk answers the date question 「无」 too (no post remembered, or none ever):
    taken as 「不清楚」, not a date that cannot be read three times over. With posts this week it asks for the date."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "3", "1")
    posted = bot.send("jy_zhang", "无")
    assert "本周发布了3条，请给出最近一次发布的日期（应在11月23日—11月29日之内）" in posted, posted
    bot.say("jy_zhang", "上一步", "上一步", "无")
    assert "这周收到留言/评论几条" in bot.send("jy_zhang", "无")
    bot.say("jy_zhang", "无", "无", "无")  # interaction, problems; the second account's posts
    assert "这周收到留言/评论几条" in bot.send("jy_zhang", "从未发布")
    bot.say("jy_zhang", "无", "无", "无", "不清楚", "无", "无")
    summary = bot.send("jy_zhang", "确认")
    assert "已提交" in summary, summary
    with bot.db() as s:
        assert [e.latest_post_on for e in report_of(s, EDU, WEEK).entries] == [None, None, None]


def test_problems_in_emoji_alone_are_asked_again(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "无", "不清楚", "无")
    for text in ("🙂🙂", "👍！", "……"):
        reply = bot.send("jy_zhang", text)
        assert "请用文字写明" in reply and reply.endswith("有什么问题或整改情况？（没有回复「无」）"), text
    assert "【2/3】" in bot.send("jy_zhang", "有1条留言未回复🙂")
    bot.send("jy_zhang", "取消")
    quick = bot.send("jy_zhang", "周报 抚松教育公众号 无 问题：🙂🙂")
    assert "快捷填报没有提交" in quick and "请用文字写明" in quick


def test_a_dialogue_resumed_after_its_week_ended_says_which_week_it_is(bot):
    """Begun on Sunday night, resumed with 「继续」 on Monday: the clerk is told it is last week's report."""
    seed(bot)
    at(2026, 11, 29, 22, 0)
    bot.say("jy_zhang", "周报", "3", "1", "周三", "无", "无")
    at(2026, 11, 30, 9, 0)
    reply = bot.send("jy_zhang", "继续")
    assert "已填写的内容已保存：11月23日—11月29日的周报已填 1/3 个账号" in reply, reply
    assert "【2/3】抚松教育（抖音）\n11月23日—11月29日发布了几条？" in reply


def test_an_account_skipped_part_way_comes_back_where_it_was_left(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "1", "1")
    skipped = bot.send("jy_zhang", "跳过")  # at 最近一次发布是哪天: posts and originals are kept
    assert "抚松教育（微信公众号）稍后再填，已填的内容会保留。" in skipped and "【2/3】抚松教育（抖音）" in skipped
    untouched = bot.send("jy_zhang", "跳过")  # nothing answered yet: nothing to keep
    assert "抚松教育（抖音）稍后再填。" in untouched and "【3/3】抚松教育（微博）" in untouched
    bot.say("jy_zhang", "无", "11月10日", "无")
    back = bot.send("jy_zhang", "无")
    assert "接下来填写刚才跳过的账号" in back
    assert "【1/3】抚松教育（微信公众号）：已填 发布1条（原创1），接着填。" in back
    assert back.endswith("最近一次发布是哪天？（如 今天、昨天、周三、11月25日、11-25）")
    assert "收到留言/评论几条" in bot.send("jy_zhang", "周二")
    bot.say("jy_zhang", "3/3")
    douyin = bot.send("jy_zhang", "无")
    assert "【2/3】抚松教育（抖音）\n11月23日" in douyin and "已填" not in douyin
    bot.say("jy_zhang", "无", "不清楚", "无")
    summary = bot.send("jy_zhang", "无")
    assert "抚松教育（微信公众号）：发布1条（原创1），最近11-24，留言3/3，问题：无" in summary


def test_a_skipped_no_update_account_says_so_when_it_comes_back(bot):
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.say("jy_zhang", "周报", "无", "11月10日")
    bot.say("jy_zhang", "跳过")
    bot.say("jy_zhang", "无", "不清楚", "无", "无")  # 抖音
    bot.say("jy_zhang", "无", "不清楚", "无")  # 微博 up to its last question
    back = bot.send("jy_zhang", "无")
    assert "【1/3】抚松教育（微信公众号）：已填 本周无更新，最近11-10，接着填。" in back
    assert "收到留言/评论几条" in back


def test_the_posts_and_their_originals_in_one_answer(bot):
    """「发了三条，原创两条」 answers two questions; more originals than posts is re-asked, keeping nothing wrong."""
    seed(bot)
    at(2026, 11, 25, 10, 0)
    bot.send("jy_zhang", "周报")
    wrong = bot.send("jy_zhang", "发了三条，原创五条")
    assert wrong.startswith("原创条数（5）不能多于本周发布条数（3）") and "发布了几条" in wrong, wrong
    reply = bot.send("jy_zhang", "发了三条，原创两条")
    assert reply.startswith("好的：发布3条，其中原创2条。") and "最近一次发布是哪天" in reply, reply
    back = bot.send("jy_zhang", "上一步")
    assert "发布了几条" in back, back
    bot.say("wj_liu", "周报", "3条，原创2条", "周一", "无")  # (卫健局 has one account: the form comes next)
    form = bot.send("wj_liu", "没问题")
    assert "1. 健康抚松（微信公众号）：发布3条（原创2），最近11-23，留言0/0，问题：无\n" in form, form
    assert form.endswith("回复「确认」提交；「修改 1」修改这个账号；「取消」暂不提交（已填的内容留作草稿）。"), form  # no 「修改 2」


def test_posts_said_per_day_and_all_of_them_original(bot):
    """「今天发了两条，周三发了一条」 is 3 posts; 「都是原创」 at 其中原创几条 is all 3 (both were 「没能看懂」)."""
    seed(bot)
    at(2026, 11, 27, 10, 0)  # a Friday
    bot.send("wj_liu", "周报")
    assert "原创几条" in bot.send("wj_liu", "今天发了两条，周三发了一条")
    reply = bot.send("wj_liu", "都是原创")  # the latest post was said with the posts: not asked again
    assert reply.startswith("（最近一次发布记为11月27日。）") and "收到留言/评论几条" in reply, reply
    form = bot.say("wj_liu", "无", "无")[-1]
    assert "1. 健康抚松（微信公众号）：发布3条（原创3），最近11-27，留言0/0，问题：无\n" in form, form


def test_all_the_rest_not_updated_in_one_answer(bot):
    """「都没更新」 at an account's first question: it and those not yet filled are no-update weeks, shown to be
    checked; the latest post as last reported; 「修改 N」 corrects one."""
    ids = seed(bot)
    with bot.db() as s:
        s.get(Account, ids["抚松教育（抖音）"]).last_update_on = date(2026, 11, 10)
    at(2026, 11, 27, 10, 0)
    first = bot.send("jy_zhang", "周报")
    assert first.endswith("回复「跳过」稍后再填；这个和后面的账号都没更新回复「都没更新」）"), first
    bot.say("jy_zhang", "2", "1", "周三", "无", "无")  # the first account posted
    reply = bot.send("jy_zhang", "都没更新")
    assert reply.startswith("好的，抚松教育（抖音）、抚松教育（微博）本周都记为无更新（留言0/0，无问题）。"), reply
    assert "2. 抚松教育（抖音）：本周无更新，最近11-10，留言0/0，问题：无" in reply, reply
    assert "3. 抚松教育（微博）：本周无更新，最近不详，留言0/0，问题：无" in reply, reply
    assert "发布了几条？（如 5、五条；没有更新回复「无」；回复「跳过」稍后再填）" in bot.send("jy_zhang", "修改 3")
    # editing one account: 「都没更新」 is read as this account's answer (no posts), not as the rest's
    assert bot.send("jy_zhang", "都没更新").startswith("这周没有更新。最近一次发布是哪天？")
    bot.say("jy_zhang", "上一步", "1", "0", "今天", "无", "无")
    assert "已提交" in bot.send("jy_zhang", "确认")


def test_monday_does_not_offer_last_week_when_the_accounts_were_opened_after_its_due_day(bot):
    seed(bot)
    with bot.db() as s:
        for account in s.scalars(select(Account)):
            account.opened_on = date(2026, 11, 28)
    at(2026, 11, 30, 9, 30)
    assert "11月30日—12月6日发布了几条" in bot.send("jy_zhang", "周报")  # straight to this week


def test_an_account_opened_after_the_due_day_is_left_out_of_that_week_and_the_week_before(bot):
    """A 视频号 approved on Saturday 11-28 was asked for in the week of 11-23 (due Friday 11-27) and even in the
    week before it existed, and 「周报 上周 …」 said one account was still missing; the bureau's rollup counts it
    from the next week (weekly.opened_by_due)."""
    ids = seed(bot)
    with bot.db() as s:
        s.get(Account, ids["抚松教育（微博）"]).opened_on = date(2026, 11, 28)
    at(2026, 11, 28, 18, 0)
    first = bot.send("jy_zhang", "周报")
    assert "（抚松教育（微博）于11月28日开设，从11月30日—12月6日这一周起报送周报，这一周不用填。）" in first, first
    assert "【1/2】抚松教育（微信公众号）" in first
    bot.say("jy_zhang", "5", "3", "昨天", "无", "无")
    summary = bot.send("jy_zhang", "都没更新")
    assert "微博" not in summary.split("周报，请核对")[1], summary
    assert "已提交" in bot.send("jy_zhang", "确认")
    quick = bot.send("jy_zhang", "周报 上周 抚松教育公众号 三 二 11-20 留言2/2 ；抚松教育抖音 无")
    assert "抚松教育（微博）于11月28日开设" in quick and "没有写到" not in quick, quick
    assert "1. 抚松教育（微信公众号）：发布3条（原创2）" in quick and "3." not in quick, quick
    assert "已提交" in bot.send("jy_zhang", "确认")
    with bot.db() as s:
        for week in (WEEK, date(2026, 11, 16)):
            assert ids["抚松教育（微博）"] not in {e.account_id for e in report_of(s, EDU, week).entries}


def test_none_updated_said_with_the_command(bot):
    """「周报 都没更新」 (or 「本周都没更新」 typed after 周报) was read as a quick form naming an account 「都没更新」."""
    seed(bot)
    at(2026, 11, 27, 10, 0)
    reply = bot.send("wj_liu", "周报 都没更新")
    assert reply.startswith("好的，健康抚松（微信公众号）本周都记为无更新（留言0/0，无问题）。"), reply
    assert "1. 健康抚松（微信公众号）：本周无更新" in reply and reply.endswith("「取消」放弃。"), reply
    assert "已提交" in bot.send("wj_liu", "确认")


def test_posts_said_of_one_day_and_a_day_outside_the_week(bot):
    seed(bot)
    at(2026, 11, 27, 10, 0)  # Friday
    bot.send("wj_liu", "周报")
    assert "原创几条" in bot.send("wj_liu", "周三发了两条")  # was 「没能看懂」
    assert bot.send("wj_liu", "1").startswith("（最近一次发布记为11月25日。）")
    bot.send("wj_liu", "取消")
    bot.send("wj_liu", "周报")
    bot.send("wj_liu", "20号发了一条，今天发了两条")  # 20号 is last week: the date is asked, the count kept
    assert "最近一次发布是哪天" in bot.send("wj_liu", "0")


def test_a_week_without_updates_said_plainly(bot):
    seed(bot)
    at(2026, 11, 27, 10, 0)
    reply = bot.send("wj_liu", "这周都没更新")
    assert reply.startswith("好的，健康抚松（微信公众号）本周都记为无更新"), reply
    assert "11月23日—11月29日 周报，请核对" in reply, reply


def test_cancelling_says_which_accounts_filled_in_are_not_submitted_and_keeps_them_as_a_draft(bot):
    """The last account could not be skipped and the bot offered 「取消」稍后再报 — which threw away the accounts already
    filled in, and said only 「没有提交任何内容」. Then 取消 said which were thrown away; now one word loses nothing:
    they are kept as the draft 「继续」 resumes, as a timed-out report is."""
    seed(bot)
    at(2026, 11, 27, 10, 0)
    bot.send("jy_zhang", "周报")
    bot.say("jy_zhang", "5", "3", "昨天", "无", "无", "无", "不清楚", "无", "无")
    last = bot.send("jy_zhang", "跳过")
    assert "不能再跳过" in last and "稍后再报" not in last, last
    assert "回复「取消」暂不提交（已填的内容留作草稿）" in last, last
    left = bot.send("jy_zhang", "取消")
    assert left == ("已取消「周报」：没有提交任何内容（这次填写的抚松教育（微信公众号）、抚松教育（抖音）还没有提交）。\n"
                    "已填写的内容（11月23日—11月29日的周报已填 2/3 个账号）已保存为草稿，回复「继续」可接着填写"
                    "（不需要就不用理会）。"), left
    assert "【3/3】抚松教育（微博）" in bot.send("jy_zhang", "继续")
    bot.send("jy_zhang", "取消")
    bot.send("jy_zhang", "周报")
    assert bot.send("jy_zhang", "取消") == ("已取消「周报」，没有提交任何内容。\n"  # nothing filled in: as before,
                                          "之前保存的「周报」草稿仍保留，回复「继续」可接着填写。")  # and the draft stays
    bot.send("jy_zhang", "周报")
    assert "已提交" in bot.say("jy_zhang", "都没更新", "确认")[1]
    summary = bot.say("jy_zhang", "修改周报", "修改 1", "6", "不变", "今天", "不变", "不变")[-1]
    assert "1. 抚松教育（微信公众号）：发布6条" in summary, summary
    left = bot.send("jy_zhang", "取消")
    assert left.startswith("已取消「周报」：没有提交任何修改，周报仍是第1版（这次改的抚松教育（微信公众号）还没有提交）。\n"
                           "已填写的内容（11月23日—11月29日的周报已填"), left


def test_cancel_is_offered_as_what_it_does_at_the_summary_and_in_the_help(bot):
    """The summary offered 「取消」放弃 and the help 「取消」退出, while 取消 after typed answers keeps them as the draft
    「继续」 resumes: a clerk told it throws the report away submits one with a wrong account rather than leave.
    What the command itself filled in (「周报 都没更新」) is not kept, and is still offered as given up."""
    seed(bot)
    at(2026, 11, 27, 10, 0)
    summary = bot.say("wj_liu", "周报", "3条，原创2条", "周一", "无", "无")[-1]
    assert summary.endswith("回复「确认」提交；「修改 1」修改这个账号；「取消」暂不提交（已填的内容留作草稿）。"), summary
    again = bot.send("wj_liu", "嗯")
    assert again.startswith("请回复「确认」提交，或「修改 1」修改这个账号，或「取消」暂不提交（已填的内容留作草稿）。"), again
    assert "已保存为草稿" in bot.send("wj_liu", "取消")
    assert "3条" in bot.send("wj_liu", "继续")  # the summary, as it was
    bot.send("wj_liu", "取消")
    given = bot.send("wj_liu", "周报 都没更新")
    assert given.endswith("回复「确认」提交；「修改 1」修改这个账号；「取消」放弃。"), given
    left = bot.send("wj_liu", "取消")  # nothing typed to keep: the draft left before stays
    assert left.startswith("已取消「周报」：没有提交任何内容") and left.endswith("之前保存的「周报」草稿仍保留，回复「继续」可接着填写。")
    assert "3条" in bot.send("wj_liu", "继续")
    helped = bot.send("wj_liu", "帮助 周报")
    assert "「取消」暂不提交（已填的内容留作草稿，「继续」接着填）" in helped and "「取消」退出" not in helped, helped


def test_the_last_account_is_not_offered_a_skip_it_refuses(bot):
    """The last account left (and a unit's only account) was asked 「…回复「跳过」稍后再填」, and 「跳过」 was then
    refused with 「只剩这一个账号没填了，不能再跳过」: the question offered what the bot would not do."""
    seed(bot)
    at(2026, 11, 27, 10, 0)
    bot.send("jy_zhang", "周报")
    last = bot.say("jy_zhang", "5", "3", "昨天", "无", "无", "无", "不清楚", "无", "无")[-1]
    assert last.startswith("【3/3】抚松教育（微博）"), last
    assert "跳过" not in last and last.endswith("（如 5、五条；没有更新回复「无」）"), last
    bot.send("jy_zhang", "取消")
    only = bot.send("wj_liu", "周报")  # 卫健局 has one account
    assert only.startswith("【1/1】健康抚松（微信公众号）") and "跳过" not in only, only
    assert "回复「跳过」稍后再填" in bot.send("jy_zhang", "周报")  # two more to come: offered


def test_a_unit_that_closed_its_accounts_can_still_file_the_week_it_owed(bot):
    """Last week was due while the accounts were in use (the bulletin counts it missing), but 「周报 上周」 after they
    were closed said 「目前没有在用的政务新媒体账号，不需要报送周报」: the week could never be filed."""
    from models.account import CANCELLED
    seed(bot)
    with bot.db() as s:
        for account in s.query(Account).join(Account.unit).filter_by(name=EDU):
            account.status, account.closed_on = CANCELLED, date(2026, 11, 30)
    at(2026, 11, 30, 9, 30)
    assert bot.send("jy_zhang", "周报").startswith("上周（11月23日—11月29日）的周报还没有报送。这次填报哪一周？")
    assert bot.send("jy_zhang", "2") == "抚松县教育局目前没有在用的政务新媒体账号，不需要报送周报。"  # this week: none
    first = bot.send("jy_zhang", "周报 上周")
    assert "（抚松教育（微信公众号）已于11月30日注销，11月23日—11月29日这一周仍在用，需要报送。）" in first, first
    bot.send("jy_zhang", "都没更新")
    assert "已提交" in bot.send("jy_zhang", "确认")
    with bot.db() as s:
        assert report_of(s, EDU, date(2026, 11, 23)).late
