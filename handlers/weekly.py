"""周报 (第30条): the weekly report dialogue, the quick form and 修改周报.

The dialogue walks the unit's active accounts one by one (posts → originals → latest post
date → interaction → problems), then shows a summary to confirm. Conversation data:
  unit_id, week, accounts [{id,name,platform,label,opened_on,last}], queue [ids], skipped [ids],
  cur (id), answers {id: entry}, done [ids], editing (bool), existing (version or None).
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from bot import clock, outbox, workdays
from bot.choices import numbered, pick, yes
from bot.router import END, Context, Reask, Router
from handlers.weekly_parse import (Unclear, check_entry, describe_entry, parse_count, parse_date,
                                   parse_interaction, short_date)
from handlers.weekly_quick import GRAMMAR, parse_quick
from models import weekly
from models.account import accounts_of_units
from models.org import STAFF, UNIT_HEAD

ROLES = {STAFF, UNIT_HEAD}
WHICH = ["上周（补报）", "本周"]
FIELDS = ("posts", "originals", "latest_post_on", "messages_received", "messages_answered", "problems")


def register(router: Router) -> None:
    router.conversation("weekly", title="周报", summary=_draft_summary)

    @router.command("周报", "填周报", "报周报", roles=ROLES, help="填报本周账号更新维护情况（第30条）",
                    detail="逐个账号回答本周发布条数、原创条数、最近发布日期、留言回复和问题，最后确认提交。\n"
                           "对话中：「跳过」先填下一个账号，「同上」沿用上一个账号的留言回复数，"
                           "「上一步」返回，「取消」退出。\n「周报 上周」补报上周。\n\n" + GRAMMAR)
    def start(ctx: Context):
        args = ctx.args.strip()
        week, rest = _week_word(args)
        if week is None and not rest:
            last = workdays.week_monday(clock.today()) - timedelta(days=7)
            if _may_ask_last_week(ctx, last):
                ctx.data["unit_id"] = ctx.person.unit_id
                return "weekly.which"
        return _begin(ctx, week or this_week(), quick=rest)

    @router.command("修改周报", "更正周报", roles=ROLES, help="修改本周或上周已报送的周报",
                    detail="「修改周报」修改本周的周报（本周还没报则修改上周的），「修改周报 上周」修改上周的。\n"
                           "每次修改都保留原来的版本，主管单位能看到修改记录。该月关账后不能再修改。")
    def edit(ctx: Context):
        week, _ = _week_word(ctx.args.strip())
        if week is None:
            week = this_week()
            if weekly.find_report(ctx.session, ctx.person.unit_id, week) is None:
                week -= timedelta(days=7)
        if weekly.find_report(ctx.session, ctx.person.unit_id, week) is None:
            ctx.reply(f"本单位{weekly.week_label(week)}还没有报送周报，回复「周报」开始填报。")
            return END
        return _begin(ctx, week, quick="")

    @router.state("weekly.which", prompt=lambda ctx: numbered(
        WHICH, f"上周（{weekly.week_label(this_week() - timedelta(days=7))}）的周报还没有报送。这次填报哪一周？"))
    def which(ctx: Context):
        choice = pick(ctx.text, WHICH)
        week = this_week() - timedelta(days=7) if choice == 0 else this_week()
        return _begin(ctx, week, quick="")

    @router.state("weekly.posts", prompt=_ask_posts)
    def posts(ctx: Context):
        if ctx.text == "跳过":
            return _skip(ctx)
        try:
            _answer(ctx)["posts"] = parse_count(ctx.text, "本周发布条数")
        except Unclear as wrong:
            raise Reask(wrong.hint) from None
        if _answer(ctx)["posts"] == 0:
            _answer(ctx)["originals"] = 0
            return "weekly.latest"
        return "weekly.originals"

    @router.state("weekly.originals", prompt="其中原创几条？（如 3；没有原创回复「无」）")
    def originals(ctx: Context):
        if ctx.text == "跳过":
            return _skip(ctx)
        answer = _answer(ctx)
        try:
            value = parse_count(ctx.text, "原创条数")
        except Unclear as wrong:
            raise Reask(wrong.hint) from None
        if value > answer["posts"]:
            raise Reask(f"原创条数（{value}）不能多于本周发布条数（{answer['posts']}）。")
        answer["originals"] = value
        return "weekly.latest"

    @router.state("weekly.latest", prompt=_ask_latest)
    def latest(ctx: Context):
        if ctx.text == "跳过":
            return _skip(ctx)
        answer = _answer(ctx)
        try:
            day = parse_date(ctx.text, today=clock.today(), week=_week(ctx))
            check_entry({**answer, "latest_post_on": day}, week=_week(ctx), today=clock.today(),
                        opened_on=_opened(_account(ctx)))
        except Unclear as wrong:
            raise Reask(wrong.hint) from None
        answer["latest_post_on"] = day.isoformat() if day else None
        return "weekly.interaction"

    @router.state("weekly.interaction", prompt=_ask_interaction)
    def interaction(ctx: Context):
        if ctx.text == "跳过":
            return _skip(ctx)
        answer = _answer(ctx)
        if ctx.text in ("同上", "同上一个", "一样"):
            previous = _previous(ctx)
            if previous is None:
                raise Reask("这是第一个填写的账号，没有可以「同上」的内容，请直接回复，例如 4/4。")
            received, answered = previous["messages_received"], previous["messages_answered"]
            ctx.reply(f"好的，与上一个账号相同：留言{received}/{answered}。")
        else:
            try:
                received, answered = parse_interaction(ctx.text)
            except Unclear as wrong:
                raise Reask(wrong.hint) from None
        answer["messages_received"], answer["messages_answered"] = received, answered
        return "weekly.problems"

    @router.state("weekly.problems", prompt="有什么问题或整改情况？（没有回复「无」）")
    def problems(ctx: Context):
        if ctx.text == "跳过":
            return _skip(ctx)
        if len(ctx.text) > 500:
            raise Reask(f"内容太长（{len(ctx.text)}字），请精简到500字以内。")
        text = ctx.text.strip()
        _answer(ctx)["problems"] = None if text in ("无", "没有", "没", "无问题", "没有问题", "0") else text
        return _finish_account(ctx)

    @router.state("weekly.confirm", prompt=_summary)
    def confirm(ctx: Context):
        m = re.fullmatch(r"(?:修改|改)\s*第?\s*(\S+?)\s*个?", ctx.text)
        if m:
            index = _pick_account(ctx, m.group(1))
            ctx.data["cur"] = ctx.data["done"][index]
            ctx.data["editing"] = True
            return "weekly.posts"
        decision = yes(ctx.text)
        if decision is None:
            raise Reask("请回复「确认」提交，或「修改 2」修改第2个账号，或「取消」放弃。")
        if decision is False:
            raise Reask("要修改哪一个账号？请回复「修改」加序号，例如「修改 2」。")
        return _submit(ctx)


# --- starting ---------------------------------------------------------------------------------

def this_week() -> date:
    return workdays.week_monday(clock.today())


def _week_word(args: str) -> tuple[date | None, str]:
    for word, back in (("上周", 7), ("本周", 0), ("这周", 0)):
        if args.startswith(word):
            return this_week() - timedelta(days=back), args[len(word):].strip()
    return None, args


def _may_ask_last_week(ctx: Context, last: date) -> bool:
    """Monday and Tuesday: offer last week if it was due and is missing."""
    if clock.today().weekday() > 1 or weekly.due_day(last) is None:
        return False
    if not accounts_of_units(ctx.session, [ctx.person.unit_id], active_only=True):
        return False
    return weekly.find_report(ctx.session, ctx.person.unit_id, last) is None


def _account_dicts(ctx: Context) -> list[dict]:
    out = []
    for a in accounts_of_units(ctx.session, [ctx.person.unit_id], active_only=True):
        out.append({"id": a.id, "name": a.name, "platform": a.platform, "label": f"{a.name}（{a.platform}）",
                    "opened_on": a.opened_on.isoformat() if a.opened_on else None,
                    "last": a.last_update_on.isoformat() if a.last_update_on else None})
    return out


def _begin(ctx: Context, week: date, quick: str):
    unit = ctx.person.unit
    accounts = _account_dicts(ctx)
    if not accounts:
        ctx.reply(f"{unit.name}目前没有在用的政务新媒体账号，不需要报送周报。")
        return END
    if week > this_week():
        ctx.reply("还不能填报以后的周报。")
        return END
    report = weekly.find_report(ctx.session, unit.id, week)
    if report is not None and weekly.month_closed(ctx.session, unit, week):
        ctx.reply(f"{weekly.week_label(week)}所在的{weekly.month_of_week(week)}月份已由主管单位关账，"
                  "该周周报不能再修改。如确需更正请联系县政数局。")
        return END
    ids = {a["id"] for a in accounts}
    answers = {str(e.account_id): weekly.entry_dict(e) for e in report.entries if e.account_id in ids} \
        if report else {}
    ctx.data.update(unit_id=unit.id, week=week.isoformat(), accounts=accounts, answers=answers,
                    done=[a["id"] for a in accounts if str(a["id"]) in answers], skipped=[], editing=False,
                    existing=report.version if report else None)
    ctx.data["queue"] = [a["id"] for a in accounts if str(a["id"]) not in answers]
    if report:
        who = report.updated_by or report.submitted_by
        at = clock.localize(report.updated_at or report.submitted_at)
        ctx.reply(f"{unit.name}{weekly.week_label(week)}的周报已由{who.name}于{at:%m-%d %H:%M}报送"
                  f"（第{report.version}版）。您可以在此基础上修改，原来的版本会保留。")
    if quick:
        return _apply_quick(ctx, quick)
    return _next_account(ctx)


def _apply_quick(ctx: Context, text: str):
    result = parse_quick(text, ctx.data["accounts"], week=_week(ctx), today=clock.today())
    if result.errors:
        ctx.reply("快捷填报没有提交，原因：\n" + "\n".join(f"· {e}" for e in result.errors)
                  + "\n\n请改正后整条重新发送；格式见「帮助 周报」，或只回复「周报」逐项填写。")
        return END
    lines = []
    for account_id, entry in result.entries.items():
        ctx.data["answers"][str(account_id)] = entry
        if account_id in ctx.data["queue"]:
            ctx.data["queue"].remove(account_id)
        if account_id not in ctx.data["done"]:
            ctx.data["done"].append(account_id)
        lines.append(f"· {_label(ctx, account_id)}：{describe_entry(entry)}")
    ctx.reply("已识别：\n" + "\n".join(lines))
    if ctx.data["queue"]:
        ctx.reply(f"还有{len(ctx.data['queue'])}个账号没有写到，接着逐个填写。")
    return _next_account(ctx)


# --- walking the accounts ----------------------------------------------------------------------

def _week(ctx: Context) -> date:
    return date.fromisoformat(ctx.data["week"])


def _label(ctx: Context, account_id: int) -> str:
    return next(a["label"] for a in ctx.data["accounts"] if a["id"] == account_id)


def _account(ctx: Context) -> dict:
    return next(a for a in ctx.data["accounts"] if a["id"] == ctx.data["cur"])


def _opened(account: dict) -> date | None:
    return date.fromisoformat(account["opened_on"]) if account.get("opened_on") else None


def _answer(ctx: Context) -> dict:
    key = str(ctx.data["cur"])
    if key not in ctx.data.setdefault("draft", {}):
        ctx.data["draft"][key] = {"account_id": ctx.data["cur"]}
    return ctx.data["draft"][key]


def _previous(ctx: Context) -> dict | None:
    done = [i for i in ctx.data["done"] if i != ctx.data["cur"]]
    return ctx.data["answers"][str(done[-1])] if done else None


def _next_account(ctx: Context):
    if not ctx.data["queue"] and ctx.data["skipped"]:
        ctx.data["queue"], ctx.data["skipped"] = ctx.data["skipped"], []
        ctx.reply("接下来填写刚才跳过的账号。")
    if not ctx.data["queue"]:
        return "weekly.confirm"
    ctx.data["cur"] = ctx.data["queue"].pop(0)
    return "weekly.posts"


def _skip(ctx: Context):
    ctx.data.get("draft", {}).pop(str(ctx.data["cur"]), None)
    if ctx.data.get("editing"):
        ctx.data["editing"] = False
        ctx.reply("好的，这个账号保持原样。")
        return "weekly.confirm"
    if not ctx.data["queue"] and not ctx.data["skipped"]:
        raise Reask("只剩这一个账号没填了，不能再跳过。请填写，或回复「取消」稍后再报。")
    ctx.data["skipped"].append(ctx.data["cur"])
    ctx.reply(f"好的，{_label(ctx, ctx.data['cur'])}稍后再填。")
    return _next_account(ctx)


def _finish_account(ctx: Context):
    key = str(ctx.data["cur"])
    entry = {"account_id": ctx.data["cur"], **{f: None for f in FIELDS}, **ctx.data["draft"].pop(key)}
    ctx.data["answers"][key] = entry
    if ctx.data["cur"] not in ctx.data["done"]:
        ctx.data["done"].append(ctx.data["cur"])
    if ctx.data.get("editing"):
        ctx.data["editing"] = False
        return "weekly.confirm"
    return _next_account(ctx)


def _pick_account(ctx: Context, text: str) -> int:
    labels = [_label(ctx, i) for i in ctx.data["done"]]
    return pick(text, labels)


# --- prompts ----------------------------------------------------------------------------------

def _ask_posts(ctx: Context) -> str:
    total = len(ctx.data["accounts"])
    number = min(len([i for i in ctx.data["done"] if i != ctx.data["cur"]]) + 1, total)
    head = f"【{number}/{total}】{_label(ctx, ctx.data['cur'])}"
    if ctx.data.get("editing"):
        head = f"修改 {_label(ctx, ctx.data['cur'])}"
    return (f"{head}\n{weekly.week_label(_week(ctx))}发布了几条？"
            "（如 5、五条；没有更新回复「无」；回复「跳过」稍后再填）")


def _ask_latest(ctx: Context) -> str:
    if ctx.data.get("draft", {}).get(str(ctx.data["cur"]), {}).get("posts"):
        return "最近一次发布是哪天？（如 今天、昨天、周三、11月25日、11-25）"
    last = _account(ctx).get("last")
    known = f"，上次报的是 {short_date(date.fromisoformat(last))}" if last else ""
    return f"这周没有更新。最近一次发布是哪天？（如 11月10日{known}；记不清回复「不清楚」）"


def _ask_interaction(ctx: Context) -> str:
    same = "；与上一个账号相同回复「同上」" if _previous(ctx) else ""
    return f"这周收到留言/评论几条，回复了几条？（如 4/4 表示收到4条、回复4条；没有回复「无」{same}）"


def _summary(ctx: Context) -> str:
    lines = [f"{weekly.week_label(_week(ctx))} 周报，请核对："]
    for number, account_id in enumerate(ctx.data["done"], 1):
        entry = ctx.data["answers"][str(account_id)]
        lines.append(f"{number}. {_label(ctx, account_id)}：{describe_entry(entry)}")
    lines.append("回复「确认」提交；「修改 2」修改第2个账号；「取消」放弃。")
    return "\n".join(lines)


def _draft_summary(data: dict) -> str:
    return f"周报已填 {len(data.get('done', []))} 个账号"


# --- submitting -------------------------------------------------------------------------------

def _submit(ctx: Context):
    from models.org import Unit
    unit = ctx.session.get(Unit, ctx.data["unit_id"])
    week = _week(ctx)
    if weekly.month_closed(ctx.session, unit, week) and weekly.find_report(ctx.session, unit.id, week):
        ctx.reply(f"{weekly.month_of_week(week)}月份已关账，该周周报不能再修改。")
        return END
    entries = [ctx.data["answers"][str(i)] for i in ctx.data["done"]]
    before = weekly.find_report(ctx.session, unit.id, week)
    first_by = before.submitted_by if before else None
    report, changed = weekly.save_report(ctx.session, unit=unit, week=week, entries=entries, person=ctx.person,
                                         source_msg=ctx.inbound.dedupe_key)
    label = f"{unit.name}{weekly.week_label(week)}的周报"
    if not changed:
        ctx.reply(f"内容没有变化，{label}保持不变（第{report.version}版）。")
        return END
    if report.version == 1:
        late = "（已过截止时间，记为迟报）" if report.late else ""
        ctx.reply(f"已提交{label}，共{len(entries)}个账号{late}。谢谢！需要更正可回复「修改周报」。")
    else:
        ctx.reply(f"已更新{label}（第{report.version}版），原来的版本已保留，主管单位可以看到修改记录。")
        if first_by is not None and first_by.id != ctx.person.id:
            outbox.push_text(ctx.session, first_by, f"{ctx.person.name}修改了{label}（第{report.version}版）。")
    return END
