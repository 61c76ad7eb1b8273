"""The weekly report dialogue's working parts: starting, walking the accounts, prompts, submitting.

Conversation data: unit_id, week, accounts [{id,name,platform,label,opened_on,last}], queue [ids],
skipped [ids], cur (id), draft {id: partial entry}, answers {id: entry}, done [ids], editing, existing (the
version filed when the dialogue began, or None), base {id: entry} (that version's answers, to tell what this
person changed).
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import false, select

from bot import clock, outbox, workdays
from bot.choices import pick
from bot.router import END, Context, Reask, cancel_offer
from handlers.weekly_parse import Unclear, check_entry, describe_entry, short_date
from handlers.weekly_quick import parse_quick
from models import weekly
from models.account import ACTIVE_STATUSES, Account, in_use_on

FIELDS = ("posts", "originals", "latest_post_on", "messages_received", "messages_answered", "problems")


# --- starting ---------------------------------------------------------------------------------

def this_week() -> date:
    return workdays.week_monday(clock.today())


def last_week() -> date:
    """The week 「上周」 names: last week, or the one before it when last week had no working day (春节)."""
    return weekly.previous_due_week(this_week())


OLDER_WEEK = re.compile(r"上上+周|大上周|前[两二三四五六七八九十几\d]+周|[两二三四五六七八九十几\d]+周以?前")
LATER_WEEK = re.compile(r"下下+周|大下周")


def week_word(args: str) -> tuple[date | None, str]:
    """(the week named at the start of `args`, the rest); 上上周 and the like name a week before 上周, refused
    by begin(), as 下下周 is."""
    for pattern, week in ((OLDER_WEEK, lambda: last_week() - timedelta(days=7)),
                          (LATER_WEEK, lambda: this_week() + timedelta(days=14))):
        found = pattern.match(args)
        if found:
            return week(), args[found.end():].strip()
    if args.startswith("上周"):
        return last_week(), args[2:].strip()
    for word, back in (("本周", 0), ("这周", 0), ("下周", -7)):  # 下周: refused by begin()
        if args.startswith(word):
            return this_week() - timedelta(days=back), args[len(word):].strip()
    return None, args


def may_ask_last_week(ctx: Context, last: date) -> bool:
    """The week's first two working days (Monday and Tuesday, or the first two after a holiday, e.g. Wednesday
    and Thursday after May Day): offer last week if it was due and is missing."""
    today = clock.today()
    if workdays.workdays_between(this_week() - timedelta(days=1), today) > 2 or weekly.due_day(last) is None:
        return False
    accounts = accounts_owed(ctx, last)
    if not any(weekly.opened_by_due(a.opened_on, last) for a in accounts):  # none, or all opened since
        return False
    return weekly.find_report(ctx.session, ctx.person.unit_id, last) is None


def only_recent_weeks() -> str:
    return (f"在助手中只能填报或修改本周（{weekly.week_label(this_week())}）和上周"
            f"（{weekly.week_label(last_week())}）的周报。更早的周报需要补报或更正的，请联系县政数局。")


def out_of_reach(week: date) -> str | None:
    """Why `week` cannot be filed or changed here (a week to come, or one before last week), else None."""
    if week > this_week():
        return "还不能填报以后的周报。"
    if week < last_week():
        return only_recent_weeks()
    return None


def accounts_owed(ctx: Context, week: date) -> list:
    """The unit's accounts in use now and, for a week gone by, those closed since its due day: the week's report was
    owed for them (the bulletin counts it missing), so a unit that closed its accounts can still file it late."""
    due = weekly.due_day(week) if week < this_week() else None
    owed = Account.status.in_(ACTIVE_STATUSES) | (in_use_on(due) if due is not None else false())
    return list(ctx.session.scalars(select(Account).where(Account.unit_id == ctx.person.unit_id, owed)
                                    .order_by(Account.id)))


def account_dicts(ctx: Context, week: date) -> list[dict]:
    out = []
    for a in accounts_owed(ctx, week):
        out.append({"id": a.id, "name": a.name, "platform": a.platform, "label": f"{a.name}（{a.platform}）",
                    "opened_on": a.opened_on.isoformat() if a.opened_on else None,
                    "last": a.last_update_on.isoformat() if a.last_update_on else None,
                    **({"closed": f"{a.closed_on.month}月{a.closed_on.day}日{a.status.removeprefix('已')}"}
                       if a.status not in ACTIVE_STATUSES else {})})
    return out


def first_week_due(opened_on: date) -> date:
    """The first week an account opened on `opened_on` is reported for (weekly.opened_by_due)."""
    week = opened_on - timedelta(days=opened_on.weekday())
    while not weekly.opened_by_due(opened_on, week):
        week += timedelta(days=7)
    return week


def not_yet_due_note(later: list[dict]) -> str:
    """Accounts opened after the week's due day: the week's report leaves them out, and says so."""
    lines = []
    for account in later:
        opened = opened_on_of(account)
        lines.append(f"（{account['label']}于{opened.month}月{opened.day}日开设，"
                     f"从{weekly.week_label(first_week_due(opened))}这一周起报送周报，这一周不用填。）")
    return "\n".join(lines)


def begin(ctx: Context, week: date, quick: str):
    unit = ctx.person.unit
    accounts = account_dicts(ctx, week)
    if not accounts:
        ctx.reply(f"{unit.name}目前没有在用的政务新媒体账号，不需要报送周报。")
        return END
    refusal = out_of_reach(week)
    if refusal:
        ctx.reply(refusal)
        return END
    if weekly.due_day(week) is None:
        more = last_week_note(ctx, unit) if week == this_week() else ""
        ctx.reply(f"{weekly.week_label(week)}没有工作日，这一周不需要报送周报。{more}")
        return END
    skipped = this_week() - timedelta(days=7)
    if week < skipped:
        ctx.reply(f"（{weekly.week_label(skipped)}没有工作日，不需要报送；「上周」指{weekly.week_label(week)}。）")
    later = [a for a in accounts if not weekly.opened_by_due(opened_on_of(a), week)]
    if later:  # opened after the week's due day: not in its report (as the bureau's rollup counts them)
        accounts = [a for a in accounts if a not in later]
        ctx.reply(not_yet_due_note(later))
        if not accounts:
            ctx.reply(f"{unit.name}{weekly.week_label(week)}没有需要报送的账号。")
            return END
    for account in accounts:
        if account.get("closed"):
            ctx.reply(f"（{account['label']}已于{account['closed']}，{weekly.week_label(week)}这一周仍在用，需要报送。）")
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
                    existing=report.version if report else None, base=dict(answers))
    ctx.data["queue"] = [a["id"] for a in accounts if str(a["id"]) not in answers]
    if report:
        who = report.updated_by or report.submitted_by
        at = clock.localize(report.updated_at or report.submitted_at)
        ctx.reply(f"{unit.name}{weekly.week_label(week)}的周报已由{who.name}于{at:%m-%d %H:%M}报送"
                  f"（第{report.version}版）。您可以在此基础上修改，原来的版本会保留。")
    if quick and ALL_IDLE.fullmatch(quick.strip().rstrip("。.！!")):  # 「周报 都没更新」: the accounts not yet filled
        state = next_account(ctx)
        return all_idle(ctx) if state == "weekly.posts" else state
    if quick:
        return apply_quick(ctx, quick)
    return next_account(ctx)


def last_week_note(ctx: Context, unit) -> str:
    """In a week without working days (春节): the week before it, filed or still to file with 「周报 上周」."""
    last = last_week()
    if weekly.find_report(ctx.session, unit.id, last) is not None:
        return f"上一周（{weekly.week_label(last)}）的周报已经报送，节后再报下一周的。"
    return f"上一周（{weekly.week_label(last)}）的周报还没有报送，请回复「周报 上周」补报。"


def apply_quick(ctx: Context, text: str):
    result = parse_quick(text, ctx.data["accounts"], week=report_week(ctx), today=clock.today())
    if result.errors:
        ctx.reply("快捷填报没有提交，原因：\n" + "\n".join(f"· {e}" for e in result.errors)
                  + "\n\n请改正后整条重新发送；格式见「帮助 周报」，或只回复「周报」逐项填写。")
        return END
    lines = []
    for account_id, entry in result.entries.items():
        ctx.data["answers"][str(account_id)] = entry
        if account_id in ctx.data["queue"]:
            ctx.data["queue"].remove(account_id)
        mark_done(ctx, account_id)
        lines.append(f"· {account_label(ctx, account_id)}：{describe_entry(entry)}")
    ctx.reply("已识别：\n" + "\n".join(lines))
    if ctx.data["queue"]:
        ctx.reply(f"还有{len(ctx.data['queue'])}个账号没有写到，接着逐个填写。")
    return next_account(ctx)


# --- walking the accounts ----------------------------------------------------------------------

def report_week(ctx: Context) -> date:
    return date.fromisoformat(ctx.data["week"])


def account_label(ctx: Context, account_id: int) -> str:
    return next(a["label"] for a in ctx.data["accounts"] if a["id"] == account_id)


def current_account(ctx: Context) -> dict:
    return next(a for a in ctx.data["accounts"] if a["id"] == ctx.data["cur"])


def opened_on_of(account: dict) -> date | None:
    return date.fromisoformat(account["opened_on"]) if account.get("opened_on") else None


def current_answer(ctx: Context) -> dict:
    key = str(ctx.data["cur"])
    if key not in ctx.data.setdefault("draft", {}):
        ctx.data["draft"][key] = {"account_id": ctx.data["cur"]}
    return ctx.data["draft"][key]


def mark_done(ctx: Context, account_id: int) -> None:
    """The accounts answered, kept in the unit's order: the summary numbers them as the questions did (【1/3】),
    whichever was skipped and answered later."""
    if account_id not in ctx.data["done"]:
        order = {a["id"]: n for n, a in enumerate(ctx.data["accounts"])}
        ctx.data["done"] = sorted([*ctx.data["done"], account_id], key=lambda i: order.get(i, len(order)))


def previous_answer(ctx: Context) -> dict | None:
    """The account answered just above this one (for 「同上」): while correcting one, the one listed before it."""
    done, cur = ctx.data["done"], ctx.data["cur"]
    above = done[:done.index(cur)] if cur in done else done
    return ctx.data["answers"][str(above[-1])] if above else None


def next_account(ctx: Context):
    if not ctx.data["queue"] and ctx.data["skipped"]:
        ctx.data["queue"], ctx.data["skipped"] = ctx.data["skipped"], []
        ctx.reply("接下来填写刚才跳过的账号。")
    if not ctx.data["queue"]:
        return "weekly.confirm"
    ctx.data["cur"] = ctx.data["queue"].pop(0)
    return resume(ctx)


# The questions in order, each with the draft key its answer sets.
QUESTIONS = (("posts", "weekly.posts"), ("originals", "weekly.originals"), ("latest_post_on", "weekly.latest"),
             ("messages_received", "weekly.interaction"), ("problems", "weekly.problems"))


def resume(ctx: Context):
    """The current account's first unanswered question. An account skipped part-way comes back where it was
    left, with what was already answered said once (its later questions do not name the account)."""
    draft = ctx.data.get("draft", {}).get(str(ctx.data["cur"]), {})
    state = next((state for key, state in QUESTIONS if key not in draft), "weekly.problems")
    if state != "weekly.posts":
        ctx.reply(f"{position(ctx)}{account_label(ctx, ctx.data['cur'])}：已填 {describe_partial(draft)}，接着填。")
    return state


def describe_partial(draft: dict) -> str:
    """What a half-filled account already has: 发布1条（原创1），最近11-25."""
    posts, originals = draft["posts"], draft.get("originals")
    parts = [(f"发布{posts}条" + (f"（原创{originals}）" if originals is not None else "")) if posts else "本周无更新"]
    if "latest_post_on" in draft:
        latest = draft["latest_post_on"]
        parts.append(f"最近{short_date(date.fromisoformat(latest))}" if latest else "最近发布日期不清楚")
    if "messages_received" in draft:
        parts.append(f"留言{draft['messages_received']}/{draft['messages_answered']}")
    return "，".join(parts)


def skip_account(ctx: Context):
    if ctx.data.get("editing"):
        ctx.data.get("draft", {}).pop(str(ctx.data["cur"]), None)
        ctx.data["editing"] = False
        ctx.reply("好的，这个账号保持原样。")
        return "weekly.confirm"
    if not ctx.data["queue"] and not ctx.data["skipped"]:
        raise Reask(f"只剩这一个账号没填了，不能再跳过。请填写（这周没有更新回复「无」）；回复{cancel_offer(ctx)}。")
    ctx.data["skipped"].append(ctx.data["cur"])
    kept = "，已填的内容会保留" if len(ctx.data.get("draft", {}).get(str(ctx.data["cur"]), {})) > 1 else ""
    ctx.reply(f"好的，{account_label(ctx, ctx.data['cur'])}稍后再填{kept}。")
    return next_account(ctx)


def finish_account(ctx: Context):
    key = str(ctx.data["cur"])
    entry = {"account_id": ctx.data["cur"], **{f: None for f in FIELDS}, **ctx.data["draft"].pop(key)}
    ctx.data["answers"][key] = entry
    mark_done(ctx, ctx.data["cur"])
    if ctx.data.get("editing"):
        ctx.data["editing"] = False
        return "weekly.confirm"
    return next_account(ctx)


# 「都没更新」 at an account's first question: it and every account still to fill had no update this week
ALL_IDLE = re.compile(r"(?:所有|全部|这些)?(?:账号|号)?(?:都|全|全都|均|全部)(?:没有?|无|未)(?:更新|发布|发)(?:过)?(?:内容)?")


def all_idle(ctx: Context):
    """The current account and those not yet filled (skipped ones too) as not updated this week: no posts, the
    latest post as last reported (unknown if that falls in this week), no comments, no problems. The summary
    shows them to be checked; 「修改 N」 corrects one."""
    week, today, rest = report_week(ctx), clock.today(), [ctx.data["cur"], *ctx.data["queue"], *ctx.data["skipped"]]
    for account_id in rest:
        account = next(a for a in ctx.data["accounts"] if a["id"] == account_id)
        entry = {"account_id": account_id, "posts": 0, "originals": 0, "latest_post_on": account.get("last"),
                 "messages_received": 0, "messages_answered": 0, "problems": None}
        try:
            check_entry({**entry, "latest_post_on": date.fromisoformat(entry["latest_post_on"])
                         if entry["latest_post_on"] else None}, week=week, today=today, opened_on=opened_on_of(account))
        except Unclear:
            entry["latest_post_on"] = None
        ctx.data.get("draft", {}).pop(str(account_id), None)
        ctx.data["answers"][str(account_id)] = entry
        mark_done(ctx, account_id)
    ctx.data["queue"], ctx.data["skipped"] = [], []
    ctx.reply(f"好的，{'、'.join(account_label(ctx, i) for i in rest)}{week_said(ctx, '本周')}都记为无更新（留言0/0，无问题）。")
    return "weekly.confirm"


def pick_account(ctx: Context, text: str) -> int:
    labels = [account_label(ctx, i) for i in ctx.data["done"]]
    return pick(text, labels)


# --- prompts ----------------------------------------------------------------------------------

def ask_posts(ctx: Context) -> str:
    label = account_label(ctx, ctx.data["cur"])
    head = f"修改 {label}" if ctx.data.get("editing") else f"{position(ctx)}{label}{skipped_note(ctx)}"
    more = bool(ctx.data["queue"] or ctx.data["skipped"])  # the last one left cannot be skipped (skip_account)
    several = "；这个和后面的账号都没更新回复「都没更新」" if not ctx.data.get("editing") and more else ""
    skip = "；回复「跳过」稍后再填" if ctx.data.get("editing") or more else ""
    return (f"{head}\n{weekly.week_label(report_week(ctx))}发布了几条？"
            f"（如 5、五条；没有更新回复「无」{skip}{several}）" + was_note(ctx, "weekly.posts"))


def position(ctx: Context) -> str:
    """「【2/3】」: the account's place in the unit's list, which 跳过 and the quick form do not move (a count of
    the accounts filled made the one after a skipped account 【2/3】 as well)."""
    ids = [a["id"] for a in ctx.data["accounts"]]
    return f"【{ids.index(ctx.data['cur']) + 1}/{len(ids)}】"


def skipped_note(ctx: Context) -> str:
    """The accounts skipped so far, said while others are asked: they come back after the list ends."""
    skipped = ctx.data.get("skipped") or []
    if not skipped:
        return ""
    return f"\n（已跳过：{'、'.join(account_label(ctx, i) for i in skipped)}，其他账号问完后再填）"


def ask_latest(ctx: Context) -> str:
    if ctx.data.get("draft", {}).get(str(ctx.data["cur"]), {}).get("posts"):
        return "最近一次发布是哪天？（如 今天、昨天、周三、11月25日、11-25）" + was_note(ctx, "weekly.latest")
    last = current_account(ctx).get("last")
    # (a date in or after the week reported on cannot be its answer: the report being corrected set it, or a later one)
    earlier = last and date.fromisoformat(last) < report_week(ctx)
    known = f"，上次报的是 {short_date(date.fromisoformat(last))}" if earlier else ""
    return (f"{week_said(ctx)}没有更新。最近一次发布是哪天？（如 11月10日{known}；记不清回复「不清楚」）"
            + was_note(ctx, "weekly.latest"))


def week_said(ctx: Context, this: str = "这周") -> str:
    """「这周」 for this week's report, 「上周」 for last week's (a report filed late said 这周 of a week gone)."""
    week = report_week(ctx)
    return this if week == this_week() else "上周" if week == last_week() else weekly.week_label(week)


def ask_originals(ctx: Context) -> str:
    return "其中原创几条？（如 3；全部原创回复「都是」；没有原创回复「无」）" + was_note(ctx, "weekly.originals")


def ask_interaction(ctx: Context) -> str:
    same = "；与上一个账号相同回复「同上」" if previous_answer(ctx) else ""
    return (f"{week_said(ctx)}收到留言/评论几条，回复了几条？（如 4/4 表示收到4条、回复4条；"
            f"没有回复「无」{same}）" + was_note(ctx, "weekly.interaction"))


def ask_problems(ctx: Context) -> str:
    return "有什么问题或整改情况？（没有回复「无」）" + was_note(ctx, "weekly.problems")


# Correcting an account (「修改 1」 at the summary): 「不变」 at a question keeps what was answered before
KEEP_WORDS = ("不变", "不改", "没变", "没有变", "保持不变", "照旧", "和原来一样", "跟原来一样", "原样", "还是原来的", "不用改")


def kept_answer(ctx: Context) -> str | None:
    """While correcting an account, 「不变」 stands for the answer given before to this question, as it would be
    typed — so that it is checked again against the new answers. (「同上」 is the account above's, as when filling.)"""
    if not ctx.data.get("editing") or ctx.text.strip().rstrip("。.！!") not in KEEP_WORDS:
        return None
    old = ctx.data["answers"].get(str(ctx.data["cur"]))
    return typed_answer(old, ctx.state) if old else None


def was_note(ctx: Context, state: str) -> str:
    old = ctx.data["answers"].get(str(ctx.data["cur"])) if ctx.data.get("editing") else None
    shown = typed_answer(old, state) if old else None
    return f"\n（原来报的是：{shown}；不改回复「不变」）" if shown is not None else ""


def typed_answer(old: dict, state: str | None) -> str | None:
    if state == "weekly.posts":
        return str(old["posts"]) if old.get("posts") else "无"
    if state == "weekly.originals":
        return str(old["originals"]) if old.get("originals") else "无"
    if state == "weekly.latest":
        latest = old.get("latest_post_on")
        return f"{date.fromisoformat(latest).month}月{date.fromisoformat(latest).day}日" if latest else "不清楚"
    if state == "weekly.interaction":
        received, answered = old.get("messages_received") or 0, old.get("messages_answered") or 0
        return f"{received}/{answered}" if received else "无"
    if state == "weekly.problems":
        return old.get("problems") or "无"
    return None


def summary_prompt(ctx: Context) -> str:
    lines = [f"{weekly.week_label(report_week(ctx))} 周报，请核对："]
    for number, account_id in enumerate(ctx.data["done"], 1):
        entry = ctx.data["answers"][str(account_id)]
        lines.append(f"{number}. {account_label(ctx, account_id)}：{describe_entry(entry)}")
    lines.append(f"回复「确认」提交；{edit_example(ctx)}；{cancel_offer(ctx)}。")
    return "\n".join(lines)


def edit_example(ctx: Context) -> str:
    """「修改 2」修改第2个账号, or 「修改 1」修改这个账号 when the report has one account (no second to name)."""
    if len(ctx.data.get("done", [])) == 1:
        return "「修改 1」修改这个账号"
    return "「修改 2」修改第2个账号"


def current_label(data: dict) -> str | None:
    """The account being asked about (None before one is chosen)."""
    return next((a["label"] for a in data.get("accounts", []) if a["id"] == data.get("cur")), None)


def draft_summary(data: dict) -> str:
    """What an expired dialogue kept: the week too, since 「继续」 may come after that week has ended. "" when
    nothing was filled in yet (the which-week question, or the first account's first question)."""
    if not data.get("done") and not any(len(entry) > 1 for entry in (data.get("draft") or {}).values()):
        return ""
    week = f"{weekly.week_label(date.fromisoformat(data['week']))}的" if data.get("week") else ""
    total = f"/{len(data['accounts'])}" if data.get("accounts") else ""
    return f"{week}周报已填 {len(data.get('done', []))}{total} 个账号"


def not_kept(ctx: Context) -> str | None:
    """取消: the accounts filled in (or changed) in this dialogue are not submitted — said, with the draft they are
    kept in (basics.kept_as_draft)."""
    base = ctx.data.get("base") or {}
    filled = [int(key) for key, entry in (ctx.data.get("answers") or {}).items() if entry != base.get(key)]
    if not filled:  # (修改周报 left unchanged: the report filed stands — not 「没有提交任何内容」, as if it were gone)
        return f"没有提交任何修改，已报送的周报仍是第{ctx.data['existing']}版。" if ctx.data.get("existing") else None
    labels = "、".join(a["label"] for a in ctx.data["accounts"] if a["id"] in filled)
    if ctx.data.get("existing"):
        return f"没有提交任何修改，周报仍是第{ctx.data['existing']}版（这次改的{labels}还没有提交）。"
    return f"没有提交任何内容（这次填写的{labels}还没有提交）。"


# --- submitting -------------------------------------------------------------------------------

def submit(ctx: Context):
    from models.org import Unit
    unit = ctx.session.get(Unit, ctx.data["unit_id"])
    week = report_week(ctx)
    current = weekly.find_report(ctx.session, unit.id, week)
    if current is not None and weekly.month_closed(ctx.session, unit, week):
        ctx.reply(f"{weekly.month_of_week(week)}月份已关账，该周周报不能再修改。")
        return END
    if current is not None and ctx.data.get("existing") not in (None, current.version) and "base" in ctx.data:
        return rebase(ctx, current)
    entries = [ctx.data["answers"][str(i)] for i in ctx.data["done"]]
    report, changed = weekly.save_report(ctx.session, unit=unit, week=week, entries=entries, person=ctx.person,
                                         source_msg=ctx.inbound.dedupe_key)
    label = f"{unit.name}{weekly.week_label(week)}的周报"
    if not changed:
        ctx.reply(f"内容没有变化，{label}保持不变（第{report.version}版）。")
        return END
    if report.version == 1:
        late = "（已过截止时间，记为迟报）" if report.late else ""
        which = " 上周" if week < this_week() else ""  # (plain 修改周报 takes this week's once it is filed)
        fix = "该月已关账，之后不能再修改。" if weekly.month_closed(ctx.session, unit, week) else \
            f"需要更正可回复「修改周报{which}」。"
        ctx.reply(f"已提交{label}，共{len(entries)}个账号{late}。谢谢！{fix}")
        if report.late:
            _tell_heads_it_came(ctx, unit, week, label, len(entries))
    else:
        meanwhile = (f"{report.submitted_by.name}在您填写期间已经报送，您填写的内容作为修改保存。"
                     if ctx.data.get("existing") is None else "")
        ctx.reply(f"{meanwhile}已更新{label}（第{report.version}版），原来的版本已保留，主管单位可以看到修改记录。")
        first_by = report.submitted_by
        if first_by.id != ctx.person.id:
            outbox.push_text(ctx.session, first_by, f"{ctx.person.name}修改了{label}（第{report.version}版）。")
    return END


def rebase(ctx: Context, current) -> str:
    """Someone else saved a new version while this person was editing an older one: saving this person's
    answers as they stand would silently undo the other's changes. Start again from the new version, keep the
    accounts this person changed, and ask to confirm again."""
    ids = {a["id"] for a in ctx.data["accounts"]}
    latest = {str(e.account_id): weekly.entry_dict(e) for e in current.entries if e.account_id in ids}
    mine = [key for key, entry in ctx.data["answers"].items() if entry != ctx.data["base"].get(key)]
    answers = {**latest, **{key: ctx.data["answers"][key] for key in mine}}
    ctx.data.update(answers=answers, base=latest, existing=current.version,
                    done=[a["id"] for a in ctx.data["accounts"] if str(a["id"]) in answers])
    who = current.updated_by or current.submitted_by
    kept = f"，并保留了您修改的{'、'.join(account_label(ctx, int(k)) for k in mine)}" if mine else ""
    ctx.reply(f"没有提交：在您修改期间，{who.name}于{clock.localize(current.updated_at or current.submitted_at):%H:%M}"
              f"更新了这份周报（第{current.version}版）。下面的汇总已换成第{current.version}版的内容{kept}，请再核对一次。")
    return "weekly.confirm"


def _tell_heads_it_came(ctx: Context, unit, week: date, label: str, accounts: int) -> None:
    """A late report: the heads who were asked to chase it (the overdue notice) hear that it came, or they
    would go on chasing it."""
    from jobs.weekly import heads_told_overdue
    heads = [p for p in heads_told_overdue(ctx.session, unit.id, week) if p.id != ctx.person.id]
    if heads:
        outbox.push_text(ctx.session, heads, f"周报补报：{label}已由{ctx.person.name}补报（迟报），共{accounts}个账号。")
