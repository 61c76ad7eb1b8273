"""Publishing the bulletin: each unit gets only its own part, problems become rectification items,
every admin's card is closed, and a second click or command changes nothing."""
from __future__ import annotations

from datetime import date, timedelta
from io import BytesIO

from docx import Document
from sqlalchemy import select

from bot import clock

from bot.bulletin import serial
from bot.bulletin.text import unit_part
from jobs.bulletin import monthly_bulletin
from models.audit import AuditLog
from models.bulletin import PUBLISHED, StoredBulletin
from models.org import BUREAU_ADMIN, BUREAU_REVIEWER, Person, Unit
from models.rectification import Rectification
from tests.bulletin_job_seed import CULTURE, EDU, EXPECTED, HEALTH, MEDIA, POLICE, at, seed_month

PEOPLE = {EDU: ["jy_zhang", "jy_li", "jy_wang"], HEALTH: ["wj_liu", "wj_chen"], CULTURE: ["wl_zhao", "wl_sun"],
          POLICE: ["ga_zhou", "ga_wu"], MEDIA: ["rm_cao", "rm_yan"]}
# Account names only one unit may see (besides in its own part).
ACCOUNTS = {EDU: "抚松教育", HEALTH: "健康抚松", CULTURE: "抚松文旅", POLICE: "抚松公安", MEDIA: "抚松发布"}
RANKING = "三、全县得分排名"


def generated(bot, second_admin: bool = False) -> dict[str, int]:
    if second_admin:
        with bot.db() as s:
            s.scalar(select(Person).where(Person.userid == "zsj_review")).set_roles({BUREAU_ADMIN, BUREAU_REVIEWER})
    seed_month(bot)
    at(2026, 12, 1, 9, 0)
    monthly_bulletin("2026-12-01")
    return {u: len(bot.inbox(u)) for people in PEOPLE.values() for u in people}


def new_texts(bot, userid: str, before: dict[str, int]) -> list[str]:
    return bot.texts(userid)[before[userid]:]


def bulletin_card(bot, userid: str) -> dict:
    return [c for c in bot.cards(userid) if c["task_id"].startswith("bulletin-")][-1]


def test_click_publishes_each_unit_only_its_own_part(bot):
    before = generated(bot, second_admin=True)
    at(2026, 12, 2, 10, 0)
    card = bulletin_card(bot, "zsj_admin")
    reply = bot.click("zsj_admin", card["task_id"], "publish")
    assert reply.status == 200
    answer = bot.texts("zsj_admin")[-1]
    assert "2026年11月月度通报已发布：5个单位已收到本单位的通报" in answer and "2026-12-09前整改" in answer
    for unit, people in PEOPLE.items():
        others = [u for u in PEOPLE if u != unit]
        for userid in people:
            texts = new_texts(bot, userid, before)
            parts = [t for t in texts if t.startswith("【2026年11月政务新媒体检查通报】")]
            assert len(parts) == 1, (userid, texts)
            part = parts[0]
            assert f"{unit}：本月得分{EXPECTED[unit]['score']:g}分，全县第{EXPECTED[unit]['rank']}名（共5个单位）" in part
            own, ranking = part.split(RANKING)
            for other in others:
                assert other not in own, (userid, other)  # other units appear only in the public ranking
                assert f"{other} {EXPECTED[other]['score']:g}分" in ranking
            for text in texts:
                body = text.split(RANKING)[0]
                assert not any(o in body for o in others), (userid, text)
                assert not any(ACCOUNTS[o] in text for o in others if ACCOUNTS[o] not in ACCOUNTS[unit]), (userid, text)
            ranking_lines = [line for line in ranking.strip().split("\n") if line]
            assert len(ranking_lines) == 5 and all(line.count("分") == 1 for line in ranking_lines)
    # the reviewer-turned-admin's card is updated; the clicker's is answered passively
    updated = [u["task_id"] for u in bot.fake.state.card_updates]
    assert bulletin_card(bot, "zsj_review")["task_id"] in updated
    with bot.db() as s:
        row = s.scalar(select(StoredBulletin))
        assert (row.status, row.published_by) == (PUBLISHED, "马管理")
        assert row.data["rectify_by"] == "2026-12-09"
        audit = s.scalar(select(AuditLog).where(AuditLog.action == "bulletin.publish"))
        assert audit.actor == "zsj_admin" and audit.after["rectifications"] == 7


def test_problems_become_rectification_items(bot):
    generated(bot)
    at(2026, 12, 2, 10, 0)
    bot.click("zsj_admin", bulletin_card(bot, "zsj_admin")["task_id"], "publish")
    with bot.db() as s:
        row = s.scalar(select(StoredBulletin))
        items = s.scalars(select(Rectification).where(Rectification.source == "月度通报")
                          .order_by(Rectification.id)).all()  # PostgreSQL returns rows in no particular order
        by_unit = {}
        for item in items:
            by_unit.setdefault(item.unit.name, []).append(item.problem)
            assert (item.source_ref, item.deadline, item.status) == ("2026-11", date(2026, 12, 9), "待整改")
        # a late report (past mending) and training (the bureau's to organise, 第28条) are named, not items; nor
        # the overdue items, which are open items already: named by their numbers, not made a second item
        expected = {u["unit_name"]: [p for p in u["problems"] if not p.startswith(("迟报周报", "本年度尚无人员参加"))
                                     and "整改逾期" not in p]
                    for u in row.data["units"] if u["problems"]}
        overdue = s.scalar(select(Rectification).where(Rectification.problem == "卫健的问题"))
        ids = {u["unit_name"]: u["item_ids"] for u in row.data["units"]}
    assert by_unit == expected
    assert set(by_unit) == {EDU, HEALTH, POLICE, MEDIA}  # 文旅局 has no problem
    assert [t for t in bot.texts("ga_wu") if t.startswith("【整改通知")] == []  # one text per unit, not one per item
    (part,) = [t for t in bot.texts("ga_wu") if t.startswith("【2026年11月政务新媒体检查通报】")]
    assert "请于2026年12月9日前完成整改。注明整改事项编号的，整改完成后回复「已整改 编号 整改说明」；其余请今后注意" in part
    police = [i for i in ids[POLICE] if i]
    assert len(police) == 2 and all(f"（整改事项 {i}）" in part for i in police)
    assert "本年度尚无人员参加政务新媒体培训，请派员参加主管单位组织的培训（第28条）\n" in part  # no item number
    (health,) = [t for t in bot.texts("wj_liu") if t.startswith("【2026年11月政务新媒体检查通报】")]
    assert f"\n1. 1项整改逾期未完成（整改事项 {overdue.id}），须立即整改并回复整改情况\n" in health, health


def test_double_clicks_are_no_ops_with_a_polite_answer(bot):
    generated(bot)
    at(2026, 12, 2, 10, 0)
    task_id = bulletin_card(bot, "zsj_admin")["task_id"]
    bot.click("zsj_admin", task_id, "publish")
    count = {u: len(bot.inbox(u)) for people in PEOPLE.values() for u in people}
    for _ in range(2):  # a double click, and a click on a card already greyed out (a stale client)
        clock.advance(timedelta(seconds=2))  # a new click, not WeCom's retry of the same CreateTime
        reply = bot.click("zsj_admin", task_id, "publish")
        assert (reply.status, reply.button_label) == (200, "马管理已发布")
        assert "已于12-02 10:00发布（马管理），无需重复发布" in bot.texts("zsj_admin")[-1]
    assert {u: len(bot.inbox(u)) for u in count} == count
    with bot.db() as s:
        assert len(s.scalars(select(Rectification).where(Rectification.source == "月度通报")).all()) == 7
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "bulletin.publish")).all()) == 1


def test_text_command_confirms_first_and_only_admins_may(bot):
    before = generated(bot)
    at(2026, 12, 2, 11, 0)
    assert "「发布通报」仅限主管单位管理员使用" in bot.send("jy_wang", "发布通报 2026-11")
    assert "例如「发布通报 2026-11」" in bot.send("zsj_admin", "发布通报 十三月")
    assert bot.send("zsj_admin", "发布通报 十一月").startswith("请确认发布2026年11月月度通报")  # the year understood
    bot.send("zsj_admin", "取消")
    assert "2026-10的月度通报还没有生成" in bot.send("zsj_admin", "发布通报 2026-10")
    prompt = bot.send("zsj_admin", "发布通报 2026-11")
    # 11 problems, of which 3 (迟报, no training) open no item, nor 卫健局's overdue item (answered under its own
    # number): the count is of the 7 items publishing makes
    assert "请确认发布2026年11月月度通报：5个单位" in prompt, prompt
    assert prompt.endswith("（含全县得分排名），为7个问题建立整改事项（5个工作日内整改）；另有3个问题（迟报、本年度无人参加培训）"
                           "只在通报中指出，不建立整改事项；1个问题已有整改事项，按原编号整改，不另建。"
                           "\n回复「确认」发布，回复「取消」放弃。"), prompt
    card = bulletin_card(bot, "zsj_admin")
    assert card["sub_title_text"].startswith("发布后各单位收到本单位的通报，为7个问题建立整改事项（5个工作日）"), card
    assert {"keyname": "存在问题", "value": "11项（建立整改事项7项）"} in card["horizontal_content_list"], card
    assert new_texts(bot, "jy_zhang", before) == []  # nothing before confirming
    assert "请回复「确认」发布" in bot.send("zsj_admin", "好像不对")
    answer = bot.send("zsj_admin", "确认")
    assert "已发布" in answer and "5个单位" in answer
    assert any(t.startswith("【2026年11月政务新媒体检查通报】") for t in new_texts(bot, "jy_zhang", before))
    assert "无需重复发布" in bot.send("zsj_admin", "发布通报 2026-11")
    assert "没有待发布的月度通报" in bot.send("zsj_admin", "发布通报")
    # the card, clicked afterwards, is already closed
    assert bot.fake.state.card_updates[-1]["button"]["replace_name"] == "马管理已发布"


def test_cancelling_the_text_command_publishes_nothing(bot):
    before = generated(bot)
    bot.send("zsj_admin", "发布通报")
    assert "已放弃" in bot.send("zsj_admin", "否")
    assert new_texts(bot, "wj_liu", before) == []
    with bot.db() as s:
        assert s.scalar(select(StoredBulletin.status)) == "草稿"


def test_unit_part_matches_the_stored_bulletin(bot):
    """What a unit receives is exactly unit_part of the published bulletin (deadline included)."""
    from bot.bulletin import serial
    before = generated(bot)
    at(2026, 12, 2, 10, 0)
    bot.click("zsj_admin", bulletin_card(bot, "zsj_admin")["task_id"], "publish")
    with bot.db() as s:
        b = serial.from_json(s.scalar(select(StoredBulletin)).data)
        police = next(f.unit_id for f in b.units if f.unit_name == POLICE)
    received = [t for t in new_texts(bot, "ga_zhou", before) if t.startswith("【2026年11月")]
    assert received == [unit_part(b, police)]
    assert "请于2026年12月9日前完成整改" in received[0]


def test_two_admins_clicking_at_once_publish_once(bot):
    import threading
    before = generated(bot, second_admin=True)
    at(2026, 12, 2, 10, 0)
    tasks = {u: bulletin_card(bot, u)["task_id"] for u in ("zsj_admin", "zsj_review")}
    codes = {u: bot.fake.issue_response_code(t) for u, t in tasks.items()}
    barrier = threading.Barrier(2)
    replies = {}

    def press(userid):
        barrier.wait()
        replies[userid] = bot.side.click_card(userid, tasks[userid], "publish", codes[userid])

    threads = [threading.Thread(target=press, args=(u,)) for u in tasks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status == 200 for r in replies.values())
    assert len({r.button_label for r in replies.values()}) == 1  # both cards show who published
    with bot.db() as s:
        assert len(s.scalars(select(AuditLog).where(AuditLog.action == "bulletin.publish")).all()) == 1
        assert len(s.scalars(select(Rectification).where(Rectification.source == "月度通报")).all()) == 7
    parts = [t for t in new_texts(bot, "wj_chen", before) if t.startswith("【2026年11月政务新媒体检查通报】")]
    assert len(parts) == 1


def test_the_months_public_notices_are_listed_for_every_unit_and_in_the_draft(bot):
    # 通报批评 (第32条) is a public notice: 第29条 asks the bureau to circulate the problems it found. The unit alone
    # was told; the month's bulletin, which every unit receives, lists them (and a later month's notice is not).
    seed_month(bot)
    at(2026, 11, 20, 10, 0)
    assert "各单位都会看到" in bot.send("zsj_admin", "通报 教育局 抚松教育发布内容出现严重表述错误")
    assert "已记录并送达" in bot.send("zsj_admin", "确认")
    bot.say("city_qian", "通报 抚松县公安局 抚松公安微博三个月未更新，多次提醒未整改", "确认")
    at(2026, 12, 1, 8, 0)
    bot.say("zsj_admin", "通报 卫生健康局 十二月的问题，不属于十一月", "确认")
    at(2026, 12, 1, 9, 0)
    monthly_bulletin("2026-12-01")
    summary = [m["content"]["content"] for m in bot.inbox("zsj_admin") if m["msgtype"] == "markdown"][-1]
    assert "通报批评：2次（抚松县教育局、抚松县公安局），发布后各单位都会看到" in summary, summary
    docx = [bot.fake._files[m["content"]["media_id"]][1] for m in bot.inbox("zsj_admin")
            if m["msgtype"] == "file" and bot.fake._files[m["content"]["media_id"]][0].endswith(".docx")][-1]
    text = "\n".join(p.text for p in Document(BytesIO(docx)).paragraphs)
    assert "本月，对以下2起管理不到位的问题予以通报批评：" in text, text
    assert "1.抚松县教育局：抚松教育发布内容出现严重表述错误（2026年11月20日，抚松县政务服务和数字化建设管理局）。" in text
    assert "2.抚松县公安局：抚松公安微博三个月未更新，多次提醒未整改（2026年11月20日，白山市政务服务和数字化建设管理局）。" \
        in text
    assert "十二月的问题" not in text
    before = {u: len(bot.inbox(u)) for people in PEOPLE.values() for u in people}
    at(2026, 12, 2, 10, 0)
    bot.click("zsj_admin", bulletin_card(bot, "zsj_admin")["task_id"], "publish")
    for people in PEOPLE.values():
        for userid in people:
            part = [t for t in new_texts(bot, userid, before) if t.startswith("【2026年11月政务新媒体检查通报】")][0]
            notices = part.split("四、本月通报批评（第32条）\n")[1]
            assert notices == ("1. 抚松县教育局：抚松教育发布内容出现严重表述错误（11月20日，抚松县政务服务和数字化建设管理局通报批评）\n"
                               "2. 抚松县公安局：抚松公安微博三个月未更新，多次提醒未整改（11月20日，白山市政务服务和数字化建设管理局通报批评）"), \
                (userid, part)


def test_a_unit_nobody_can_receive_is_named_not_counted_as_received(bot):
    # 公安局's head and clerk have left (deactivated): its part reaches no one, and the admin must know to tell it
    generated(bot)
    with bot.db() as s:
        for person in s.scalars(select(Person).where(Person.userid.in_(["ga_zhou", "ga_wu"]))):
            person.active = False
    at(2026, 12, 2, 10, 0)
    bot.click("zsj_admin", bulletin_card(bot, "zsj_admin")["task_id"], "publish")
    answer = bot.texts("zsj_admin")[-1]
    assert "2026年11月月度通报已发布：4个单位已收到本单位的通报" in answer, answer
    assert "抚松县公安局在通讯录中没有能收到消息的单位负责人或工作人员，没有收到本单位的通报" in answer, answer
    with bot.db() as s:  # its items stand: the unit answers them once it has people again
        assert s.scalar(select(Rectification).where(Rectification.problem.like("缺报周报4次%"))) is not None


def test_publishing_that_opens_no_item_names_no_deadline(bot):
    # only 迟报 and a year without training (items for none): the answer said 「建立整改事项0项（2026-12-09前整改）」
    # and, for a unit no one can receive, 「（整改事项已建立）」
    from bot.bulletin import serial
    generated(bot)
    with bot.db() as s:
        row = s.scalar(select(StoredBulletin))
        b = serial.from_json(row.data)
        for fig in b.units:
            fig.problems = [p for p in fig.problems if p.startswith(("迟报", "本年度"))]
        row.data = serial.to_json(b)
        for person in s.scalars(select(Person).where(Person.userid.in_(["ga_zhou", "ga_wu"]))):
            person.active = False
    at(2026, 12, 2, 10, 0)
    assert "不建立整改事项" in bot.send("zsj_admin", "发布通报 2026-11")
    answer = bot.send("zsj_admin", "确认")
    assert answer.startswith("2026年11月月度通报已发布：4个单位已收到本单位的通报，没有建立整改事项。\n"), answer
    assert "前整改" not in answer and "整改事项已建立" not in answer, answer
    with bot.db() as s:
        assert s.scalar(select(Rectification).where(Rectification.source_ref == "2026-11")) is None


def published_then_next_month(bot) -> None:
    """November's bulletin published on 12-02 (its items opened), then December's generated on 01-04."""
    generated(bot)
    at(2026, 12, 2, 10, 0)
    bot.click("zsj_admin", bulletin_card(bot, "zsj_admin")["task_id"], "publish")
    at(2027, 1, 4, 9, 0)
    monthly_bulletin("2027-01-04")


def test_an_overdue_item_is_named_by_its_number_not_made_a_second_item(bot):
    """「1项整改逾期未完成」 became a rectification item of its own: one fix asked for twice, and the month after the
    new item was overdue too and counted again (卫健局: 3项整改逾期 for two unanswered items, and a third item)."""
    published_then_next_month(bot)
    with bot.db() as s:
        health = s.scalar(select(Unit.id).where(Unit.name == HEALTH))
        items = s.scalars(select(Rectification.id).where(Rectification.unit_id == health)
                          .order_by(Rectification.id)).all()
        assert len(items) == 2  # 卫健的问题 (October) and November's 缺报: no item for being overdue
        december = serial.from_json(s.scalar(select(StoredBulletin).where(StoredBulletin.month == "2026-12")).data)
    fig = december.unit(health)
    assert fig.rectifications_overdue == 2
    assert fig.problems[0] == f"2项整改逾期未完成（整改事项 {items[0]}、{items[1]}），须立即整改并回复整改情况"


def test_a_lasting_finding_is_named_under_its_open_item_not_made_a_second_one(bot):
    """公安局's "zombie" account (and 教育局's registry filing not made) were a new item every month while November's
    was still open: two items for one account, and the older one overdue and counted again, month after month."""
    published_then_next_month(bot)
    with bot.db() as s:
        def item(unit: str, words: str) -> int:
            return s.scalar(select(Rectification.id).join(Unit, Unit.id == Rectification.unit_id)
                            .where(Unit.name == unit, Rectification.problem.contains(words)))
        zombie, registry = item(POLICE, "90天以上未更新"), item(EDU, "全国政务新媒体信息报送系统")
        december = serial.from_json(s.scalar(select(StoredBulletin).where(StoredBulletin.month == "2026-12")).data)
    police, edu = (next(f for f in december.units if f.unit_name == name) for name in (POLICE, EDU))
    assert f"1个账号90天以上未更新，已成为“僵尸”账号，须按第15条关停注销或说明情况（整改事项 {zombie}）" in police.problems
    assert (f"1个账号审批后未在3个工作日内报送全国政务新媒体信息报送系统（第11条），须立即报送（整改事项 {registry}）"
            in edu.problems), edu.problems
    at(2027, 1, 5, 10, 0)
    bot.send("zsj_admin", "发布通报 2026-12")
    assert "已发布" in bot.send("zsj_admin", "确认")
    with bot.db() as s:
        for words in ("90天以上未更新", "全国政务新媒体信息报送系统"):
            assert len(s.scalars(select(Rectification).where(Rectification.problem.contains(words))).all()) == 1
    (part,) = [t for t in bot.texts("ga_zhou") if t.startswith("【2026年12月政务新媒体检查通报】")]
    assert f"须按第15条关停注销或说明情况（整改事项 {zombie}）\n" in part, part


def test_an_admin_whose_card_is_too_old_to_grey_is_told_who_published(bot):
    """The other admin's 发布 card, too old to grey (WeCom takes a ResponseCode for 72 hours), kept its button and he
    heard nothing of the publication: he gets one text instead; the publisher none."""
    generated(bot, second_admin=True)
    before = len(bot.texts("zsj_review"))
    bot.fake.state.offset += 73 * 3600
    at(2026, 12, 4, 10, 0)
    bot.click("zsj_admin", bulletin_card(bot, "zsj_admin")["task_id"], "publish")
    assert bot.texts("zsj_review")[before:] == [
        "2026年11月月度通报已由马管理发布，无需您再发布。这张卡片已失效，卡片上如果仍显示按钮，也不用再点。"]
    assert not any("卡片已失效" in t for t in bot.texts("zsj_admin"))
