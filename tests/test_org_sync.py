"""`flask --app bot org sync` against the fake WeCom over HTTP (department/list, user/list)."""
from __future__ import annotations

from sqlalchemy import func, select

from models.audit import AuditLog
from models.org import STAFF, Person, Unit
from models.outbox import OutboxMessage
from tests.org_sync_support import contacts, member, move_member



def people(bot) -> dict[str, Person]:
    with bot.db() as s:
        found = {p.userid: p for p in s.scalars(select(Person))}
        for person in found.values():
            person.unit  # load it while the session is open
        return found


def departure_rows(bot) -> list[OutboxMessage]:
    with bot.db() as s:
        return [m for m in s.scalars(select(OutboxMessage)) if "人员停用" in m.payload.get("content", "")]


def test_unchanged_contacts_change_nothing(bot, wecom, sync):
    result = sync()
    assert result.exit_code == 0, result.output
    assert "人员：新增 0，更新 0，未变 12，停用 0，恢复 0" in result.output
    paths = [r["path"] for r in wecom.state.requests]
    assert "/cgi-bin/department/list" in paths and paths.count("/cgi-bin/user/list") == 6  # real HTTP calls
    with bot.db() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_new_changed_and_disappeared_members(bot, wecom, sync):
    users = wecom.state.users
    users[3] = [member("jy_wang", "王局长", 3), member("jy_new", "新同事", 3, status=4),  # new, not yet activated
                member("jy_li", "李娜娜", 3, mobile="13700000009")]                     # renamed
    users[3][2]["department"], users[3][2]["main_department"] = [3, 4], 4                 # moved to 卫健局
    users[4] = [member("wj_liu", "刘洋", 4, status=5), member("wj_chen", "陈局长", 4)]   # 已退出企业
    users[11] = [member("jyx_head", "邻县局长", 11)]                                       # neighbour's staff left
    result = sync()
    assert result.exit_code == 0, result.output
    out = result.output
    assert "人员：新增 1，更新 1，未变 8，停用 3，恢复 0" in out
    assert "新成员：新同事 jy_new（抚松县教育局，单位工作人员）" in out
    assert "张伟 jy_zhang（抚松县教育局）负责账号：抚松教育（微信公众号）" in out
    now = people(bot)
    assert now["jy_new"].active and now["jy_new"].roles == {STAFF}
    assert (now["jy_li"].name, now["jy_li"].unit.name, now["jy_li"].mobile) == ("李娜娜", "抚松县卫生健康局", "13700000009")
    for gone in ("jy_zhang", "wj_liu", "jyx_staff"):
        assert not now[gone].active and now[gone].deactivated_at is not None, gone
    assert now["ga_zhou"].active  # 公安局 has no department id: sync leaves its people alone

    ours, moved = bot.texts("zsj_admin")  # 李娜 moved to 卫健局: 教育局's 抖音 she answered for needs a new keeper
    assert moved.startswith("【账号负责人调离】") and "抚松县教育局「抚松教育（抖音）」：负责人李娜娜（jy_li）" in moved
    assert "张伟（抚松县教育局，jy_zhang）" in ours and "负责账号：抚松教育（微信公众号，正常）" in ours
    assert "刘洋（抚松县卫生健康局，wj_liu）" in ours and "负责账号：健康抚松（微信公众号，正常）" in ours
    assert "邻县职员" not in ours
    [theirs] = bot.texts("jy_admin")
    assert "邻县职员（靖宇县教育局，jyx_staff）" in theirs and "负责账号：无" in theirs and "张伟" not in theirs
    assert "他们没有负责的账号" in theirs and "交接" in ours
    assert bot.texts("zsj_review") == []  # reviewers are not admins

    with bot.db() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.actor == "system:org_sync"))
        actions = {(a.action, a.entity_id) for a in rows}
    ids = {u: str(p.id) for u, p in now.items()}
    assert {("org.person.create", ids["jy_new"]), ("org.person.update", ids["jy_li"]),
            ("org.person.deactivate", ids["jy_zhang"]), ("org.person.deactivate", ids["wj_liu"]),
            ("org.person.deactivate", ids["jyx_staff"])} == actions

    again = sync()  # a second run: nothing new, nobody told twice
    assert "人员：新增 0，更新 0，未变 10，停用 0" in again.output
    assert len(departure_rows(bot)) == 2


def test_a_member_who_comes_back_is_reactivated(bot, wecom, sync):
    full = list(wecom.state.users[3])
    wecom.state.users[3] = full[1:]
    sync()
    assert not people(bot)["jy_zhang"].active
    wecom.state.users[3] = full
    result = sync()
    assert "恢复 1" in result.output
    assert people(bot)["jy_zhang"].active and people(bot)["jy_zhang"].deactivated_at is None


def test_an_old_roster_with_blank_in_service_does_not_bring_back_who_left_wecom(bot, wecom, sync, app, tmp_path):
    from tests.test_org_import import write_xlsx

    def org_import(path):
        return app.test_cli_runner().invoke(args=["org", "import", str(path)])
    full = list(wecom.state.users[3])
    wecom.state.users[3] = full[1:]  # jy_zhang has left WeCom
    sync()
    old = [("jy_zhang", "张伟", "抚松县教育局", "单位工作人员", "", ""),  # 在职 blank in the old roster
           ("jy_li", "李娜", "抚松县教育局", "单位工作人员", "", ""),
           ("jy_new", "新同事", "抚松县教育局", "", "", "")]           # not known yet: in service by default
    result = org_import(write_xlsx(tmp_path / "old.xlsx", [], old))
    assert result.exit_code == 0, result.output
    assert "人员：新增 1，更新 0，未变 2，停用 0，恢复 0" in result.output
    found = people(bot)
    assert not found["jy_zhang"].active and found["jy_li"].active and found["jy_new"].active

    back = org_import(write_xlsx(tmp_path / "back.xlsx", [], [(*old[0][:5], "是")]))  # said outright
    assert back.exit_code == 0 and "恢复 1" in back.output
    assert "以下人员此前由企业微信通讯录同步停用" in back.output and "张伟 jy_zhang（抚松县教育局）" in back.output
    assert people(bot)["jy_zhang"].active


def test_department_matched_by_name_is_linked_and_its_members_synced(bot, wecom, sync):
    wecom.state.departments.append({"id": 20, "name": "抚松县公安局", "parentid": 2, "order": 20})
    wecom.state.departments.append({"id": 21, "name": "某个临时工作组", "parentid": 99, "order": 21})  # parent not visible
    wecom.state.users[20] = [member("ga_zhou", "周强强", 20)]
    wecom.state.users[21] = [member("tmp_1", "临时", 21)]
    result = sync()
    out = result.output
    assert "按名称对应部门：抚松县公安局 → 部门ID 20" in out
    assert "未对应单位的部门（其成员未同步，可在名册中填写企业微信部门ID）：某个临时工作组(21)" in out
    assert "只在未对应单位的部门中的成员 1 人未同步" in out
    now = people(bot)
    assert now["ga_zhou"].name == "周强强" and not now["ga_wu"].active  # 吴局长 is not in department 20
    assert "tmp_1" not in now


def test_dry_run_changes_nothing_and_tells_nobody(bot, wecom, sync):
    wecom.state.users[3] = wecom.state.users[3][1:]
    result = sync("--dry-run")
    assert "停用 1" in result.output and "试运行" in result.output
    assert people(bot)["jy_zhang"].active
    assert departure_rows(bot) == [] and bot.texts("zsj_admin") == []


def test_wecom_errors_change_nothing(bot, wecom, sync):
    wecom.state.users[3] = []
    wecom.inject("user/list", errcode=60011)  # no permission on a department
    result = sync()
    assert result.exit_code == 1 and "读取企业微信通讯录失败" in result.output and "未做任何修改" in result.output
    assert people(bot)["jy_zhang"].active
    wecom.inject("department/list", http_status=502)
    assert "读取企业微信通讯录失败" in sync().output


def test_a_wecom_refusal_says_what_the_operator_checks(bot, wecom, sync, cfg):
    """「读取企业微信通讯录失败（None: gettoken failed: ConnectionError）」 told the operator nothing to check."""
    wecom.inject("user/list", errcode=60011)
    assert sync().output.strip() == ("错误：读取企业微信通讯录失败：应用无权读取某个部门或成员：请把需要同步的部门加入应用的“可见范围”。"
                                     "（错误码 60011）未做任何修改。")
    wecom.inject("department/list", errcode=60020)
    assert "请把服务器的出口 IP 加入应用的“企业可信IP”。（错误码 60020）" in sync().output
    wecom.inject("department/list", http_status=502)
    said = sync().output
    assert f"连不上企业微信接口 {cfg.api_base}，或它没有正常应答" in said and "WECOM_API_BASE" in said, said
    assert "None" not in said


def test_suspicious_contacts_are_refused(bot, wecom, sync):
    wecom.state.departments = []
    assert "企业微信没有返回任何部门" in sync().output
    wecom.state.departments, users = contacts()
    wecom.state.users = {dept: [] for dept in users}  # the app lost sight of every member
    refused = sync()
    assert refused.exit_code == 1 and "加 --force" in refused.output
    assert all(p.active for p in people(bot).values())
    forced = sync("--force")
    assert "停用 12" in forced.output
    assert "没有可通知的主管单位管理员" in forced.output  # the admins left too: told at the terminal


def test_demo_directory_served_by_the_fake_links_every_unit_by_name(bot, fake, sync):
    from sim.contacts import contacts_from_directory
    with bot.db() as s:
        fake.state.departments, fake.state.users = contacts_from_directory(s)
        units = s.scalar(select(func.count()).select_from(Unit))
    result = sync()
    assert result.exit_code == 0, result.output
    assert result.output.count("按名称对应部门") == units
    assert "停用 0" in result.output and "新增 0，更新 0" in result.output
    with bot.db() as s:
        assert all(u.wecom_department_id for u in s.scalars(select(Unit)))
    assert "按名称对应部门" not in sync().output  # linked once


def test_userids_match_whatever_their_case(bot, wecom, sync):
    wecom.state.users[3][0]["userid"] = "JY_Zhang"
    result = sync()
    assert "新增 0，更新 1，未变 11，停用 0" in result.output, result.output
    assert people(bot)["JY_Zhang"].active and "jy_zhang" not in people(bot)


def test_sub_departments_belong_to_their_nearest_unit(bot, wecom, sync):
    wecom.state.departments += [{"id": 31, "name": "办公室", "parentid": 3, "order": 31},
                                {"id": 32, "name": "宣传股", "parentid": 31, "order": 32}]
    jy_li = wecom.state.users[3].pop(1)
    wecom.state.users[31] = [{**jy_li, "department": [31], "main_department": 31}]
    wecom.state.users[32] = [member("jy_xc", "宣传干事", 32)]
    result = sync()
    assert "人员：新增 1，更新 0，未变 12，停用 0" in result.output, result.output
    assert "未对应单位的部门" not in result.output
    now = people(bot)
    assert now["jy_li"].active and now["jy_li"].unit.name == "抚松县教育局"
    assert now["jy_xc"].unit.name == "抚松县教育局" and now["jy_xc"].roles == {STAFF}


def test_overlong_wecom_names_are_clipped_to_fit(bot, wecom, sync):
    wecom.state.users[3].append(member("jy_long", "长" * 70, 3, mobile="+86 138 0000 0000 0000 0"))
    assert sync().exit_code == 0
    assert people(bot)["jy_long"].name == "长" * 60 and len(people(bot)["jy_long"].mobile) == 20


def test_a_member_moved_in_wecom_is_listed_and_leaves_the_old_units_roles_behind(bot, wecom, sync):
    """王局长 heads 教育局; WeCom moves him to 卫健局: he is not a head there (陈局长 is), nor 教育局's any more."""
    users = wecom.state.users
    wang = users[3].pop(2)
    users[4].append({**wang, "department": [4], "main_department": 4})
    li = users[3].pop(1)
    users[4].append({**li, "department": [4], "main_department": 4})
    result = sync()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "人员：新增 0，更新 2，未变 10，停用 0，恢复 0" in lines, result.output
    assert "  王局长 jy_wang：所在单位 抚松县教育局 → 抚松县卫生健康局；角色去掉「单位负责人」，加上「单位工作人员」" in lines
    assert "  李娜 jy_li：所在单位 抚松县教育局 → 抚松县卫生健康局" in lines  # 单位工作人员 in both
    assert any(line.startswith("  调到别的单位的人员不再担任原单位的角色") for line in lines)
    assert any(line.startswith("提醒：「抚松县教育局」在通讯录中没有在职的单位负责人") for line in lines)
    now = people(bot)
    assert (now["jy_wang"].unit.name, now["jy_wang"].roles) == ("抚松县卫生健康局", {STAFF})
    assert now["jy_li"].roles == {STAFF}


def move_in_wecom(wecom, department: int, index: int, to: int) -> None:
    """The fake WeCom moves the member at `index` of `department` to department `to`."""
    users = wecom.state.users
    member = users[department].pop(index)
    users[to].append({**member, "department": [to], "main_department": to})


def test_a_reviewer_moved_to_a_host_unit_is_no_longer_a_reviewer(bot, wecom, sync):
    move_in_wecom(wecom, 2, 1, 3)
    result = sync()
    assert result.exit_code == 0, result.output
    assert "  杨审核 zsj_review：所在单位 抚松县政务服务和数字化建设管理局 → 抚松县教育局；角色去掉「主管单位审核人」，" \
           "加上「单位工作人员」" in result.output.splitlines(), result.output
    assert people(bot)["zsj_review"].roles == {STAFF}


def test_a_department_whose_name_differs_only_in_brackets_or_spaces_is_linked(bot, wecom, sync):
    """The roster says 「抚松县公安局（交警大队）」, WeCom 「抚松县公安局(交警大队) 」: the same unit."""
    with bot.db() as s:
        s.scalar(select(Unit).where(Unit.name == "抚松县公安局")).name = "抚松县公安局（交警大队）"
    wecom.state.departments.append({"id": 20, "name": "抚松县公安局(交警大队) ", "parentid": 2, "order": 20})
    wecom.state.users[20] = [member("ga_zhou", "周强", 20), member("ga_wu", "吴局长", 20)]
    result = sync()
    assert "按名称对应部门：抚松县公安局（交警大队） → 部门ID 20" in result.output, result.output
    assert "未对应单位的部门" not in result.output
    with bot.db() as s:
        assert s.scalar(select(Unit).where(Unit.name == "抚松县公安局（交警大队）")).wecom_department_id == 20


def test_a_new_member_put_in_a_bureau_for_want_of_their_departments_unit_is_explained(bot, wecom, sync, app, tmp_path):
    """抚松县财政局 is in WeCom under the county bureau's department but missing from the roster: its clerk lands in
    the bureau, where the operator would not look for a finance clerk — the output says why and what to do."""
    wecom.state.departments.append({"id": 30, "name": "抚松县财政局", "parentid": 2, "order": 30})
    wecom.state.users[30] = [member("cz_he", "何会计", 30)]
    result = sync()
    assert result.exit_code == 0, result.output
    assert ("新成员：何会计 cz_he（抚松县政务服务和数字化建设管理局，未分配角色，请在名册中指定）：此人在企业微信部门「抚松县财政局」，"
            "这个部门没有对应的单位，按上级部门归入了主管单位。如果「抚松县财政局」是主办单位，请在名册「单位」表中添加它"
            "（企业微信部门ID 30）并导入，再同步一次。") in result.output.splitlines(), result.output
    assert "新成员：" not in sync().output  # said once, for the new member

    roster = tmp_path / "名册.yaml"
    roster.write_text("单位:\n  - 单位名称: 抚松县财政局\n    上级单位: 抚松县政务服务和数字化建设管理局\n"
                      "    类型: 主办单位\n    企业微信部门ID: 30\n", encoding="utf-8")
    assert app.test_cli_runner().invoke(args=["org", "import", str(roster)]).exit_code == 0
    moved = sync()
    assert "  何会计 cz_he：所在单位 抚松县政务服务和数字化建设管理局 → 抚松县财政局；角色加上「单位工作人员」" in \
           moved.output.splitlines(), moved.output


def test_a_sync_that_leaves_a_bureau_without_an_admin_says_so(bot, wecom, sync):
    """马管理 is moved in WeCom to 教育局: the county bureau has no 主管单位管理员 left to receive notices."""
    move_in_wecom(wecom, 2, 0, 3)
    result = sync()
    assert result.exit_code == 0, result.output
    assert ("注意：同步后「抚松县政务服务和数字化建设管理局」没有主管单位管理员了（马管理 zsj_admin 已停用或调到别的单位）："
            "人员停用、陌生人来访、审批无人等通知将无人接收。请在名册中给新的管理员填上「主管单位管理员」，"
            "然后 flask --app bot org import 名册.xlsx。") in result.output.splitlines(), result.output
    assert "注意" not in sync().output  # said when it happens


def test_a_responsible_person_moved_to_another_county_is_listed_for_the_old_units_bureau_once(bot, wecom, sync):
    """张伟 answers for 抚松教育（微信公众号）; WeCom moves him to 靖宇县教育局. The account stays with 教育局, which must
    name one of its own (第21条): 抚松's admins hear it (not where he went: another county), 靖宇's hear nothing."""
    move_member(wecom, "jy_zhang", 11)  # to 靖宇县教育局
    result = sync()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "账号负责人调离 1 个账号（已通知主管单位管理员 zsj_admin），请原单位指定本单位的新负责人：" in lines, result.output
    assert "  · 抚松县教育局「抚松教育（微信公众号）」：张伟 jy_zhang 已从抚松县教育局调到靖宇县教育局" in lines
    [notice] = [t for t in bot.texts("zsj_admin") if t.startswith("【账号负责人调离】")]
    assert "1. 抚松县教育局「抚松教育（微信公众号）」：负责人张伟（jy_zhang）已调离抚松县教育局" in notice
    assert "靖宇" not in notice and "请督促这些单位回复「变更 账号名称 平台」" in notice
    assert bot.texts("jy_admin") == [] and bot.texts("city_qian") == []
    again = sync()
    assert "账号负责人调离" not in again.output
    with bot.db() as s:
        told = [m for m in s.scalars(select(OutboxMessage)) if "账号负责人调离" in m.payload.get("content", "")]
    assert [m.userid for m in told] == ["zsj_admin"]  # once, not again on the next sync


def test_an_applicant_moved_away_leaves_his_unsettled_request_to_the_unit_and_its_bureau_hears(bot, wecom, sync):
    """张伟 filed an 开设 request for 教育局, then WeCom moves him to 靖宇县教育局: the request is no longer his to
    finish (approvals treat him as one who left); 抚松's admins hear what becomes of it, once."""
    from tests.approvals_helpers import submit_open
    number = submit_open(bot)
    move_member(wecom, "jy_zhang", 11)  # to 靖宇县教育局
    result = sync()
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "申请人调离 1 件未办结申请（已通知主管单位管理员 zsj_admin），改由申请单位接手：" in lines, result.output
    assert any(line.startswith(f"  · 第{number}号 开设「") and "张伟 jy_zhang 已从抚松县教育局调到靖宇县教育局" in line
               for line in lines), result.output
    [notice] = [t for t in bot.texts("zsj_admin") if t.startswith("【申请人调离】")]
    assert f"第{number}号" in notice and "申请人张伟（jy_zhang）已调离抚松县教育局" in notice, notice
    assert "审批照常进行" in notice and "靖宇" not in notice, notice
    assert not [t for t in bot.texts("jy_admin") if "申请人调离" in t]
    assert "申请人调离" not in sync().output  # said when it happens
