"""查看通报: the county bureau's bulletins and where each stands; a copy of one month's files for the asker."""
from __future__ import annotations

from jobs.bulletin import monthly_bulletin
from tests.bulletin_job_seed import at, seed_month
from tests.registry_helpers import received_files


def test_no_bulletin_yet_says_when_one_comes(bot):
    assert bot.send("zsj_admin", "查看通报").startswith("还没有生成过月度通报。每月第一个工作日9:00自动生成上月通报")
    assert bot.send("jy_wang", "查看通报").startswith("还没有发布过月度通报。")  # a unit: its own part, once published
    assert bot.send("city_zhao", "查看通报") == (  # the city: each county's published months
        "各县已发布的月度通报（草稿由各县政数局核对后发布）：\n"
        "· 抚松县政务服务和数字化建设管理局：还没有发布过\n· 靖宇县政务服务和数字化建设管理局：还没有发布过\n"
        "回复「查看通报 县名」看该县最近一期的得分排名，「查看通报 县名 月份」（如「查看通报 抚松 2026-11」）"
        "把该月的通报表和通报稿发给您。")


def test_the_draft_is_listed_with_what_to_do_and_a_copy_goes_to_the_asker_only(bot):
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    monthly_bulletin("2026-12-01")
    reply = bot.send("zsj_admin", "看看通报草稿")  # (in a sentence: bot/phrasing.py; not the 通报 measure)
    assert reply.startswith("抚松县政务服务和数字化建设管理局的月度通报（最近1个月）：\n· 2026-11 草稿（第1版，12-01 09:00生成）"
                            " → 核对后回复「发布通报 2026-11」发布"), reply
    from tests.bulletin_job_seed import EXPECTED
    ranking = reply.split("2026-11（草稿）得分排名：\n", 1)[1].split("\n回复", 1)[0].splitlines()
    assert len(ranking) == 5 and all(line.endswith("分") for line in ranking), reply  # the latest month's ranking
    best = min(EXPECTED, key=lambda unit: EXPECTED[unit]["rank"])
    assert ranking[0].startswith(f"1. {best} "), ranking
    assert bot.send("zsj_admin", "这个月谁表现最差") == reply  # asked in other words
    assert "待县政数局管理员发布" in bot.send("zsj_review", "本月通报")  # a reviewer is told who publishes
    before = len(received_files(bot, "zsj_admin"))
    reply = bot.send("zsj_review", "查看通报 2026-11")
    assert reply.endswith("已把通报表和通报稿发给您，请查收文件。"), reply
    names = [name for name, _ in received_files(bot, "zsj_review")]
    assert names == ["抚松县2026年11月政务新媒体通报.xlsx", "抚松县2026年11月政务新媒体通报（草稿）.docx"], names
    assert len(received_files(bot, "zsj_admin")) == before  # the copy is the asker's only
    assert bot.send("zsj_admin", "上月通报 2026-10").startswith("2026-10的月度通报还没有生成")
    assert bot.send("zsj_admin", "查看通报 十三月").startswith("「十三月」不是月份")
    # a month said without its year, 「月度通报」 and 「通报 11月」 (was the 通报批评 of a unit named 「11月」)
    copied = "已把通报表和通报稿发给您，请查收文件。"
    assert bot.send("zsj_review", "查看通报 十一月").endswith(copied)
    assert bot.send("zsj_review", "11月通报").endswith(copied)
    assert bot.send("zsj_admin", "通报 11月").startswith("（「通报 单位 原因」是通报批评；月度通报请回复「查看通报 月份」，如下。）")
    assert bot.send("zsj_admin", "月度通报") == bot.send("zsj_admin", "查看通报")
    # the monthly inspection (第29条 每月组织检查) is what the bulletin reports: asked for by that name, not 「没有理解」
    for said in ("月度检查", "本月检查情况", "检查结果"):
        assert bot.send("zsj_admin", said) == bot.send("zsj_admin", "查看通报"), said
    assert bot.send("zsj_admin", "查看通报 本月").startswith("2026-12的月度通报还没有生成")
    assert bot.send("zsj_admin", "年度考核 今年") == bot.send("zsj_admin", "年度考核 2026")


def test_a_unit_sees_its_own_part_of_the_published_bulletin(bot):
    """「我们被扣分了吗」 and 「考核分数多少」 were 「没有理解」, and 查看通报 was the bureau's only: a unit sees its part of
    the latest published bulletin as it was sent on publishing (no other unit's figures), nothing of a draft."""
    from bot.bulletin import serial
    from bot.bulletin.text import unit_part
    from models.bulletin import StoredBulletin
    from models.org import Unit
    from sqlalchemy import select
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    monthly_bulletin("2026-12-01")
    assert bot.send("jy_zhang", "查看通报").startswith("还没有发布过月度通报。")  # a draft is not the unit's
    bot.send("zsj_admin", "发布通报 2026-11")
    bot.send("zsj_admin", "确认")
    with bot.db() as s:
        row = s.scalar(select(StoredBulletin))
        edu = s.scalar(select(Unit.id).where(Unit.name == "抚松县教育局"))
        expected = unit_part(serial.from_json(row.data), edu)
    for asked in ("查看通报", "我们被扣分了吗", "考核分数多少", "上月通报", "通报发了吗", "查看通报 2026-11"):
        assert bot.send("jy_wang", asked) == expected, asked
    assert bot.send("jy_zhang", "查看通报 2026-10") == "2026-10的月度通报还没有发布。回复「查看通报」看最近一次发布的。"
    assert "抚松县卫生健康局：本月得分" in bot.send("wj_liu", "我们的得分")  # its own part
    assert bot.send("jyx_staff", "查看通报").startswith("还没有发布过月度通报")  # the neighbouring county's unit


def test_a_unit_sees_its_recent_scores_under_the_latest_part(bot):
    import copy

    from sqlalchemy import select

    from models.bulletin import StoredBulletin
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    monthly_bulletin("2026-12-01")
    bot.send("zsj_admin", "发布通报 2026-11")
    bot.send("zsj_admin", "确认")
    with bot.db() as s:
        row = s.scalar(select(StoredBulletin))
        october = copy.deepcopy(row.data)
        for fig in october["units"]:
            fig["rank"] = None  # (an October in which no unit was ranked)
        s.add(StoredBulletin(bureau_id=row.bureau_id, month="2026-10", data=october, status="已发布",
                             generated_at=row.generated_at, published_at=row.published_at, published_by="马管理"))
    reply = bot.send("jy_wang", "查看通报")
    assert reply.startswith("【2026年11月政务新媒体检查通报】"), reply
    history = reply.split("\n\n本单位最近各月：\n", 1)[1].splitlines()
    assert history[0].startswith("· 2026-11：") and "名（共5个单位）" in history[0], history
    assert history[1].startswith("· 2026-10：") and history[1].endswith("分，未排名"), history
    assert "本单位最近各月" not in bot.send("jy_wang", "查看通报 2026-11")  # one month asked: its part alone


def test_the_city_reads_the_counties_published_bulletins_and_assessment(bot):
    """The city bureau (which receives the counties' filings and acts in every county) was refused 查看通报 and
    年度考核: it reads what a county published, and its assessment; a draft stays the county's until published."""
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    monthly_bulletin("2026-12-01")
    draft = bot.send("city_zhao", "查看通报 抚松 2026-11")
    assert draft.startswith("抚松县政务服务和数字化建设管理局2026-11的月度通报还没有发布"), draft
    assert received_files(bot, "city_zhao") == []
    bot.send("zsj_admin", "发布通报 2026-11")
    bot.send("zsj_admin", "确认")
    listed = bot.send("city_qian", "查看通报")
    assert "· 抚松县政务服务和数字化建设管理局：2026-11\n· 靖宇县政务服务和数字化建设管理局：还没有发布过" in listed, listed
    county = bot.send("city_zhao", "查看通报 抚松县")
    assert county.startswith("抚松县政务服务和数字化建设管理局已发布的月度通报：\n· 2026-11\n2026-11得分排名：\n1. "), county
    assert bot.send("city_zhao", "查看通报 2026-11").startswith("请写明是哪个县的，例如「查看通报 抚松 2026-11」")
    assert bot.send("city_zhao", "查看通报 抚松 2026-11").endswith("已把通报表和通报稿发给您，请查收文件。")
    names = [name for name, _ in received_files(bot, "city_zhao")]
    assert names == ["抚松县2026年11月政务新媒体通报.xlsx", "抚松县2026年11月政务新媒体通报.docx"], names
    assert bot.send("city_zhao", "年度考核 2026").startswith("请写明是哪个县的，例如「年度考核 2026 抚松」")
    assert bot.send("city_zhao", "年度考核 2026 抚松").startswith("2026年度考核表已生成（5个单位，1个月：11月）")
    names = [name for name, _ in received_files(bot, "city_zhao")]
    assert names[-1] == "抚松县政务服务和数字化建设管理局2026年政务新媒体年度考核.xlsx", names
    assert bot.send("city_zhao", "年度考核 2026 靖宇").startswith("2026年还没有可用于考核的月度通报数据")
