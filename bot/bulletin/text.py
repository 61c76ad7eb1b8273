"""The bulletin as WeCom text: the bureau's summary, and each unit's own part on publishing."""
from __future__ import annotations

from bot.bulletin import fmt
from bot.bulletin.figures import NATIONAL_FAIL_DAYS, Bulletin, Totals, UnitFigures
from bot.bulletin.problems import ZOMBIE_DAYS, names_items
from bot.bulletin.settings import DEFAULTS, BulletinSettings
from bot.outbox import TEXT_LIMIT

NOTICE_UNITS_SHOWN = 5  # units named in the summary's 通报批评 line: it must stay within one message


def finding(problem: str) -> str:
    """The finding of a problem sentence, without the required fix (the part before "，须")."""
    return problem.split("，须", 1)[0]


def idle_line(figs: Totals | UnitFigures) -> str:
    rungs = sorted(d for d, n in figs.dormancy.items() if n and d >= NATIONAL_FAIL_DAYS)
    if not rungs:
        return f"无{NATIONAL_FAIL_DAYS}天以上未更新的账号"
    first, *higher = rungs
    text = f"{first}天以上未更新{figs.idle_accounts(first)}个"
    if higher:
        text += "（其中" + "、".join(f"{d}天以上{figs.idle_accounts(d)}个" for d in higher) + "）"
    return text


def figure_lines(figs: Totals | UnitFigures) -> list[str]:
    """The main figures, one line each, as `label：values`."""
    return [
        f"账号：{figs.accounts_total}个（{fmt.counts(figs.accounts_by_platform)}；{fmt.counts(figs.accounts_by_status)}）",
        f"周报：应报{figs.reports_due}次，按时{figs.reports_on_time}次，迟报{figs.reports_late}次，"
        f"缺报{figs.reports_missing}次（按时率{fmt.pct(figs.on_time_rate)}）",
        f"停更：{idle_line(figs)}",
        f"发布：{figs.posts}条，原创{figs.originals}条（原创率{fmt.pct(figs.original_share)}）",
        f"留言：收到{figs.messages_received}条，回复{figs.messages_answered}条（回复率{fmt.pct(figs.reply_rate)}）",
        f"审批：提交{figs.approvals_filed}件，办结{figs.approvals_decided}件，"
        f"用时中位数{fmt.hours(figs.approval_median_hours)}",
        f"全国系统逾期报送：{figs.registry_overdue}个；整改：未完成{figs.rectifications_open}项，"
        f"其中逾期{figs.rectifications_overdue}项",
    ]


def needs_attention(fig: UnitFigures, settings: BulletinSettings = DEFAULTS) -> bool:
    return ((fig.score is not None and fig.score < settings.attention_score)
            or fig.idle_accounts(ZOMBIE_DAYS) > 0 or fig.rectifications_overdue > 0)


def short_findings(fig: UnitFigures, limit: int = 3) -> str:
    """The unit's most serious findings in a few words, e.g. "僵尸账号2个、整改逾期1项、缺报1次"."""
    zombies = fig.idle_accounts(ZOMBIE_DAYS)
    tags = [(zombies, f"僵尸账号{zombies}个"),
            (fig.rectifications_overdue, f"整改逾期{fig.rectifications_overdue}项"),
            (fig.reports_missing, f"缺报{fig.reports_missing}次"),
            (fig.idle_accounts(NATIONAL_FAIL_DAYS) - zombies,
             f"停更{NATIONAL_FAIL_DAYS}天以上{fig.idle_accounts(NATIONAL_FAIL_DAYS) - zombies}个"),
            (fig.registry_overdue, f"备案报送逾期{fig.registry_overdue}个"),
            (fig.reports_late, f"迟报{fig.reports_late}次")]
    found = [text for n, text in tags if n]
    if not found:
        found = [finding(p) for p in fig.problems]
    return "、".join(found[:limit]) + ("等" if len(found) > limit else "")


def _attention_line(n: int, fig: UnitFigures, markdown: bool) -> str:
    name = f'<font color="warning">{fig.unit_name}</font>' if markdown else fig.unit_name
    return f"{n}. {name} {fmt.number(fig.score)}分：{short_findings(fig) or '得分偏低'}"


def _summary(b: Bulletin, settings: BulletinSettings, markdown: bool) -> str:
    totals = b.totals
    scores = [f.score for f in b.units if f.score is not None]
    title = f"{b.county}{b.period}政务新媒体检查通报"
    head = [f"**{title}**" if markdown else f"【{title}】", f"共{totals.units}个单位。"]
    head += [f"> {line}" if markdown else line for line in figure_lines(totals)]
    if scores:
        head.append(f"得分：平均{fmt.number(round(sum(scores) / len(scores), 1))}分，"
                    f"最高{fmt.number(max(scores))}分，最低{fmt.number(min(scores))}分")
    if b.notices:
        units = list(dict.fromkeys(x.unit_name for x in b.notices))
        names = "、".join(units[:NOTICE_UNITS_SHOWN]) + (f"等{len(units)}个单位" if len(units) > NOTICE_UNITS_SHOWN else "")
        head.append(f"通报批评：{len(b.notices)}次（{names}），发布后各单位都会看到")
    tail = ["通报表（Excel）、图表和通报稿（Word）随后发送；核对后点「发布通报」，各单位才会收到本单位的通报。"]
    watch = sorted((f for f in b.units if needs_attention(f, settings)), key=lambda f: (f.score or 0, f.rank or 0))
    if not watch:
        return "\n".join(head + ["本月没有需要特别关注的单位。"] + tail)
    label = f"需关注的单位（{len(watch)}个）："
    head.append(f"**{label}**" if markdown else label)
    lines: list[str] = []
    for n, fig in enumerate(watch, 1):
        rest = len(watch) - n
        more = [f"……另有{rest}个单位，详见通报表。"] if rest else []
        candidate = lines + [_attention_line(n, fig, markdown)]
        if len("\n".join(head + candidate + more + tail).encode()) > TEXT_LIMIT:
            lines.append(f"……另有{len(watch) - n + 1}个单位，详见通报表。")
            break
        lines = candidate
    return "\n".join(head + lines + tail)


def summary_markdown(b: Bulletin, settings: BulletinSettings = DEFAULTS) -> str:
    """The bureau admins' WeCom summary (markdown), always within WeCom's 2048 bytes."""
    return _summary(b, settings, markdown=True)


def summary_text(b: Bulletin, settings: BulletinSettings = DEFAULTS) -> str:
    """The same summary as plain text (for people who read in WeChat)."""
    return _summary(b, settings, markdown=False)


def notice_lines(b: Bulletin) -> list[str]:
    """The month's 通报批评, one line each: every unit may read them (a public notice is circulated, 第29条)."""
    return [f"{n}. {x.unit_name}：{x.reason}（{x.issued_on.month}月{x.issued_on.day}日，{x.issuer}通报批评）"
            for n, x in enumerate(b.notices, 1)]


def public_ranking(b: Bulletin) -> list[str]:
    """The ranking every unit may see: rank, name and score, nothing else."""
    return [f"{f.rank}. {f.unit_name} {fmt.number(f.score)}分" for f in b.ranked()]


def unit_part(b: Bulletin, unit_id: int) -> str:
    """What one unit receives on publishing: its figures, deductions, problems with the deadline,
    and the public ranking. No other unit's figures, problems or accounts."""
    fig = b.unit(unit_id)
    lines = [f"【{b.period}政务新媒体检查通报】", f"{fig.unit_name}：本月得分{fmt.number(fig.score)}分，"
             f"全县第{fig.rank}名（共{len(b.units)}个单位）。", "", "一、本单位情况"]
    lines += figure_lines(fig)
    idle = [a for a in b.accounts if a.unit_id == unit_id and (a.rung or 0) >= NATIONAL_FAIL_DAYS]
    lines += [f"· {a.name}（{a.platform}）已{a.days_idle}天未更新" for a in idle]
    if fig.deductions:
        lines.append("扣分：" + "；".join(f"{d.reason}，扣{fmt.number(d.points)}分" for d in fig.deductions))
    else:
        lines.append("扣分：无")
    lines += ["", "二、存在的问题及整改要求"]
    if fig.problems:
        when = f"请于{fmt.day(b.rectify_by)}前完成整改" if b.rectify_by else "请及时整改"
        numbered = any(fig.item_ids) or any(names_items(p) for p in fig.problems)
        if fig.item_ids and not numbered:  # published, and none of them is a rectification item
            lines.append("以下问题只在通报中指出，不建立整改事项，请今后注意，不需要回复。")
            lines += [f"{n}. {p}" for n, p in enumerate(fig.problems, 1)]
        elif fig.item_ids:  # published: the items are named here, not each in a notice of its own
            lines.append(f"{when}。注明整改事项编号的，整改完成后回复「已整改 编号 整改说明」；其余请今后注意，不需要回复。")
            lines += [f"{n}. {p}" + (f"（整改事项 {i}）" if i else "")
                      for n, (p, i) in enumerate(zip(fig.problems, fig.item_ids), 1)]
        else:  # published before the items were kept with it
            lines.append(f"{when}。每个问题另有整改通知，整改完成后按通知回复「已整改 编号 整改说明」。")
            lines += [f"{n}. {p}" for n, p in enumerate(fig.problems, 1)]
    else:
        lines.append("本月未发现问题，请继续保持。")
    lines += ["", "三、全县得分排名"] + public_ranking(b)
    if b.notices:
        lines += ["", "四、本月通报批评（第32条）"] + notice_lines(b)
    return "\n".join(lines)
