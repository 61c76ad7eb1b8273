"""周报 (第30条): the weekly report dialogue, the quick form and 修改周报.

The dialogue walks the unit's active accounts one by one (posts → originals → latest post
date → interaction → problems), then shows a summary to confirm; the working parts are in
handlers/weekly_flow.py.
"""
from __future__ import annotations

import functools
import re
from datetime import date

from bot import clock
from bot.choices import number_said, numbered, pick, yes
from bot.router import END, Context, Reask, Router, cancel_offer, dialogue_only
from handlers.weekly_flow import (ALL_IDLE, all_idle, ask_interaction, ask_latest, ask_originals, ask_posts,
                                  ask_problems, begin, current_account, current_answer, current_label, draft_summary,
                                  edit_example, finish_account, kept_answer, last_week, last_week_note,
                                  may_ask_last_week, opened_on_of, not_kept, out_of_reach, pick_account,
                                  previous_answer, report_week, skip_account, submit, summary_prompt, this_week,
                                  week_word)
from handlers.weekly_parse import (Unclear, check_entry, check_problems, no_problem, parse_date,
                                   latest_said, parse_interaction, parse_originals, parse_posts)
from handlers.weekly_quick import GRAMMAR
from handlers.weekly_status import NOT_REVIEWED, REVIEWED, asks_status, show_status
from models import weekly
from models.org import STAFF, UNIT_HEAD

ROLES = {STAFF, UNIT_HEAD}
SKIP_WORDS = ("跳过", "先跳过", "稍后", "稍后再填", "下一个")
# 「修改 2」 belongs to the summary; at a question it would read as an answer (or as the approvals 修改 command)
# 「这周都没更新」, 「我们上周没发」: a week's report, every account not updated (a guess, confirmed on the summary)
IDLE_WEEK_SAID = (r"(?:我们|本单位)?(?:的)?(?:号|账号)?(?P<week>本周|这周|上周)(?:都|全都|全部)?(?:没有?|未|无)(?:更新|发|发布)"
                  r"(?:过)?(?:内容|东西)?[。！!]*$")
WEEK_SAID = {"这周": "本周"}
FORGOT = re.compile(r"(?:还|都)?(?:忘了?|没有?|漏|补|未)(?:交|报|填|提交|报送)(?:了|的)?(?:一下)?[。！!]*")
EDIT_AT_QUESTION = re.compile(r"修改\s*(?:第?\s*[\d０-９一二三四五六七八九十]+\s*个?)?|改\s*第?\s*[\d０-９一二三四五六七八九十]+\s*个?")
SAID_END = r"(?:$|[，,。；;！!\s])"  # what was said ends there, or a sentence of its own follows
# 「周报什么时候截止」, 「周报每周几交」, 「周报截止时间」, 「周报几点前交」
DEADLINE_ASKED = re.compile(r"(?:每周|一般)?(?:什么时候|啥时候|几点|哪天|周几|星期几|几号|几时)(?:前|之前)?(?:截止|交|报|报送|提交)?"
                            r"(?:呢|啊)?[？?。]*|(?:的)?截止(?:时间|日期)?(?:是)?(?:什么时候|哪天|几点|几号)?(?:呢|啊)?[？?。]*"
                            r"|每周(?:几|周几)(?:交|报|报送|提交)(?:呢|啊)?[？?。]*"
                            r"|(?:多久|多长时间|几天)(?:交|报|报送|提交|填)一次(?:呢|啊)?[？?。]*")
WHICH = ["上周（补报）", "本周"]
SAME_WORDS = ("同上", "同上一个", "一样", "和上面一样", "与上一个相同", "跟上面一样")
NO_POST_WORDS = ("无", "没有", "没", "从未发布", "从未发布过", "没发过", "没有发过", "还没发布过", "没有发布过", "未发布过")


# 修改周报 said in other words: 「周报填错了」, 「上周的周报要改一下」, 「改一下周报」, 「更正本周周报」
# 「填错了」, 「交错了」, 「有误」, 「要改一下」, and a how-question after it: 「填错了怎么改」, 「报错了咋改？」
EDIT_TAIL = (r"(?:填|报|写|交|提交)?(?:错了|有误|不对|(?:要|需要|想|得)?(?:改|修改|更正|改正)(?:一下)?)[。！!]*"
             r"(?:[，,]?(?:要|该|应该|能)?(?:怎么|咋|如何|怎样)(?:改|修改|更正|弄|办)(?:呢|啊|呀)?[？?]*)?")
EDIT_ASKED = (r"(?:我们?|本单位)?的?(?P<week>本周|这周|上周)?的?周报" + EDIT_TAIL + SAID_END +
              r"|(?:我要|我想|要|想|帮我)?(?:改|修改|更正|改正)(?:一下)?(?P<week2>本周|这周|上周)?的?周报[。！!]*$")


def register(router: Router) -> None:
    router.conversation("weekly", title="周报", summary=draft_summary, where=current_label, cancelled=not_kept,
                        kept_on_cancel=True)

    @router.command("周报", "填周报", "报周报", roles=ROLES, questions=True, help="填报本周账号更新维护情况（第30条）",
                    detail="逐个账号回答本周发布条数、原创条数、最近发布日期、留言回复和问题，最后确认提交。\n"
                           "对话中：「跳过」先填下一个账号，「同上」沿用上一个账号的留言回复数，"
                           "「都没更新」把这个和后面的账号都记为本周无更新，「上一步」返回，"
                           "「取消」暂不提交（已填的内容留作草稿，「继续」接着填）。\n"
                           "「周报 上周」补报上周；已提交的回复「修改周报」更正。\n\n" + GRAMMAR)
    def start(ctx: Context):
        args = ctx.args.strip()
        week, rest = week_word(args)
        head, _, tail = rest.rpartition(" ")
        if week is None and head and tail in ("上周", "本周", "这周"):  # the week kept last (bot/phrasing.py)
            week, rest = week_word(tail)[0], head
        if re.fullmatch(REVIEWED, rest):  # 「周报审核了吗」: a question, not a quick form (nor an account named so)
            ctx.reply(NOT_REVIEWED)
            ctx.args = "上周" if week is not None and week < this_week() else ""
            return show_status(ctx)
        if asks_status(rest):  # 「周报交了吗」, 「周报上周报了没」: a question, not a quick form
            ctx.args = "上周" if week is not None and week < this_week() else ""
            return show_status(ctx)
        if DEADLINE_ASKED.fullmatch(rest):  # 「周报什么时候截止」, 「周报每周几交」
            return deadline(ctx)
        # 「周报填错了」, 「周报上周的要改」, 「周报填错了，公众号是6条不是5条」: 修改周报
        if re.match(EDIT_TAIL + SAID_END, rest):
            ctx.args = "上周" if week is not None and week < this_week() else ""
            return edit(ctx)
        if re.match(FORGOT.pattern + SAID_END, rest):  # 「上周周报忘交了(，现在补)」, 「周报还没交」: filing it
            rest = ""
        if week is None and not rest:
            if may_ask_last_week(ctx, last_week()):
                ctx.data["unit_id"] = ctx.person.unit_id
                return "weekly.which"
        return begin(ctx, week or this_week(), quick=rest)

    def deadline(ctx: Context):
        week = this_week()
        due = weekly.due_at(week)
        rule = ("周报每周报送一次，截止时间是每周最后一个工作日（一般是周五；遇节假日提前，遇调休上班的周末顺延）"
                f"{weekly.due_time():%H:%M}，逾期报送记为迟报。")
        if due is None:  # 春节: nothing to file this week, but maybe the week before
            ctx.reply(f"{rule}本周（{weekly.week_label(week)}）没有工作日，不需要报送。"
                      + last_week_note(ctx, ctx.person.unit))
            return END
        filed = weekly.find_report(ctx.session, ctx.person.unit_id, week) is not None
        ctx.reply(f"{rule}本周（{weekly.week_label(week)}）{weekly.deadline_label(week)}截止，"
                  f"本单位{'已经报送' if filed else '还没有报送'}。" + ("" if filed else "回复「周报」填报。"))
        return END

    @router.command("修改周报", "更正周报", roles=ROLES, help="修改本周或上周已报送的周报",
                    detail="「修改周报」修改本周的周报（本周还没报则修改上周的），「修改周报 上周」修改上周的。\n"
                           "每次修改都保留原来的版本，主管单位能看到修改记录。该月关账后不能再修改。")
    def edit(ctx: Context):
        week, _ = week_word(ctx.args.strip())
        if week is None:
            week = this_week()
            if weekly.find_report(ctx.session, ctx.person.unit_id, week) is None:
                week = last_week()
                if weekly.find_report(ctx.session, ctx.person.unit_id, week) is None:
                    ctx.reply("本单位本周和上周都还没有报送周报，回复「周报」开始填报本周。")
                    return END
        refusal = out_of_reach(week)
        if refusal:
            ctx.reply(refusal)
            return END
        if weekly.find_report(ctx.session, ctx.person.unit_id, week) is None:
            start = "回复「周报 上周」补报" if week < this_week() else "回复「周报」开始填报"
            ctx.reply(f"本单位{weekly.week_label(week)}还没有报送周报，{start}。")
            return END
        return begin(ctx, week, quick="")

    @router.pattern(EDIT_ASKED, roles=ROLES)
    def edit_asked(ctx: Context):
        """「周报填错了」, 「上周的周报要改一下」, 「改一下周报」: 修改周报 (of the week named)."""
        ctx.args = ctx.match["week"] or ctx.match["week2"] or ""
        return edit(ctx)

    @router.pattern(IDLE_WEEK_SAID, roles=ROLES, guess=True)
    def idle_week_said(ctx: Context):
        """「这周都没更新」: this week's report with every account not updated, shown to be confirmed."""
        ctx.args = f"{WEEK_SAID.get(ctx.match['week'], ctx.match['week'])} 都没更新"
        return start(ctx)

    @router.state("weekly.which", prompt=lambda ctx: numbered(
        WHICH, f"上周（{weekly.week_label(last_week())}）的周报还没有报送。这次填报哪一周？"))
    def which(ctx: Context):
        choice = pick(ctx.text, WHICH)
        week = last_week() if choice == 0 else this_week()
        return begin(ctx, week, quick="")

    def edit_later(ctx: Context) -> None:
        """「修改 2」 at a question: say where it works and ask the same question again (nothing changes)."""
        if ctx.data.get("editing"):
            where = "这个账号改完后会回到汇总，在汇总中可以再回复「修改」加序号；这个账号不改请回复「跳过」。"
        else:
            where = "所有账号填完、列出汇总后才能使用：汇总中回复「修改 2」即重新填第2个账号。"
        ctx.reply(f"「修改」加序号是在汇总中修改某个账号的，{where}\n请先回答当前的问题：")
        ctx.reply(router.prompt(ctx, ctx.state))

    def answer_or_edit(handler):
        """Every question of the dialogue: 「修改 N」 is explained, not taken as the answer."""
        @functools.wraps(handler)
        def checked(ctx: Context):
            if EDIT_AT_QUESTION.fullmatch(ctx.text.strip().rstrip("。.")):
                return edit_later(ctx)
            ctx.text = kept_answer(ctx) or ctx.text  # 「不变」 while correcting: the answer given before
            return handler(ctx)
        return checked

    @router.state("weekly.posts", prompt=ask_posts)
    @dialogue_only
    @answer_or_edit
    def posts(ctx: Context):
        if is_skip(ctx.text):
            return skip_account(ctx)
        if not ctx.data.get("editing") and ALL_IDLE.fullmatch(ctx.text.strip().rstrip("。.！!")):
            return all_idle(ctx)
        try:
            posts, originals = parse_posts(ctx.text)  # 「发了三条，原创两条」 answers the next question too
        except Unclear as wrong:
            raise Reask(wrong.hint) from None
        if originals is not None and originals > posts:
            raise Reask(f"原创条数（{originals}）不能多于本周发布条数（{posts}），请重新输入，例如「{posts}条，原创{posts}条」。")
        answer = current_answer(ctx)
        answer["posts"] = posts
        if posts == 0:
            answer["originals"] = 0
            return "weekly.latest"
        latest = latest_said(ctx.text, today=clock.today(), week=report_week(ctx))
        if latest is not None:  # 「今天发了两条，周三发了一条」: the latest post is said too
            answer["latest_post_on"] = latest.isoformat()
        if originals is None:
            return "weekly.originals"
        answer["originals"] = originals
        ctx.reply(f"好的：发布{posts}条，其中原创{originals}条。")
        return after_originals(ctx, answer)

    @router.state("weekly.originals", prompt=ask_originals)
    @dialogue_only
    @answer_or_edit
    def originals(ctx: Context):
        if is_skip(ctx.text):
            return skip_account(ctx)
        answer = current_answer(ctx)
        try:
            value = parse_originals(ctx.text, answer["posts"])
        except Unclear as wrong:
            raise Reask(wrong.hint) from None
        if value > answer["posts"]:
            raise Reask(f"原创条数（{value}）不能多于本周发布条数（{answer['posts']}）。")
        answer["originals"] = value
        return after_originals(ctx, answer)

    @router.state("weekly.latest", prompt=ask_latest)
    @dialogue_only
    @answer_or_edit
    def latest(ctx: Context):
        if is_skip(ctx.text):
            return skip_account(ctx)
        answer = current_answer(ctx)
        try:
            # 「无」 here, after 「无」 to the posts, means no post remembered (or none ever): as 「不清楚」. With
            # posts this week check_entry asks for the date.
            never = ctx.text.strip().rstrip("。.") in NO_POST_WORDS
            day = None if never else parse_date(ctx.text, today=clock.today(), week=report_week(ctx))
            check_entry({**answer, "latest_post_on": day}, week=report_week(ctx), today=clock.today(),
                        opened_on=opened_on_of(current_account(ctx)))
        except Unclear as wrong:
            raise Reask(wrong.hint) from None
        answer["latest_post_on"] = day.isoformat() if day else None
        return "weekly.interaction"

    @router.state("weekly.interaction", prompt=ask_interaction)
    @dialogue_only
    @answer_or_edit
    def interaction(ctx: Context):
        if is_skip(ctx.text):
            return skip_account(ctx)
        answer = current_answer(ctx)
        if ctx.text.rstrip("。.！!") in SAME_WORDS:
            previous = previous_answer(ctx)
            if previous is None:
                keep = "；不改回复「不变」" if ctx.data.get("editing") else ""
                raise Reask(f"这是第一个账号，上面没有可以「同上」的账号，请直接回复，例如 4/4{keep}。")
            received, answered = previous["messages_received"], previous["messages_answered"]
            ctx.reply(f"好的，与上一个账号相同：留言{received}/{answered}。")
        else:
            try:
                received, answered = parse_interaction(ctx.text)
            except Unclear as wrong:
                raise Reask(wrong.hint) from None
        answer["messages_received"], answer["messages_answered"] = received, answered
        return "weekly.problems"

    @router.state("weekly.problems", prompt=ask_problems)
    @dialogue_only
    @answer_or_edit
    def problems(ctx: Context):
        if is_skip(ctx.text):
            return skip_account(ctx)
        if len(ctx.text) > 500:
            raise Reask(f"内容太长（{len(ctx.text)}字），请精简到500字以内。")
        text = ctx.text.strip()
        previous = previous_answer(ctx) if text.rstrip("。.！!") in SAME_WORDS else None
        if previous is not None:  # 「同上」: the account above's (not the words 「同上」 as the problem)
            text = previous.get("problems") or "无"
        try:
            check_problems(text)
        except Unclear as wrong:
            raise Reask(wrong.hint) from None
        current_answer(ctx)["problems"] = None if no_problem(text) else text
        return finish_account(ctx)

    @router.state("weekly.confirm", prompt=summary_prompt)
    @dialogue_only
    def confirm(ctx: Context):
        m = re.fullmatch(r"(?:修改|改)\s*第?\s*(\S+?)\s*个?", ctx.text)
        if m:
            index = pick_account(ctx, m.group(1))
            ctx.data["cur"] = ctx.data["done"][index]
            ctx.data["editing"] = True
            return "weekly.posts"
        number = number_said(ctx.text)
        if number is not None:  # the summary is numbered: a bare number names an account, it is not 是/否
            raise Reask(f"要修改第{number}个账号请回复「修改 {number}」；内容无误请回复「确认」提交。")
        decision = yes(ctx.text)
        if decision is None:
            raise Reask(f"请回复「确认」提交，或{edit_example(ctx)}，或{cancel_offer(ctx)}。")
        if decision is False:
            raise Reask("要修改哪一个账号？请回复「修改」加序号，例如「修改 1」。" if len(ctx.data["done"]) == 1
                        else "要修改哪一个账号？请回复「修改」加序号，例如「修改 2」。")
        return submit(ctx)


def after_originals(ctx: Context, answer: dict) -> str:
    """The latest post is asked unless the posts were said by day: then it is said back."""
    if "latest_post_on" not in answer:
        return "weekly.latest"
    latest = date.fromisoformat(answer["latest_post_on"])
    ctx.reply(f"（最近一次发布记为{latest.month}月{latest.day}日。）")
    return "weekly.interaction"


def is_skip(text: str) -> bool:
    return text.rstrip("。.！!") in SKIP_WORDS
