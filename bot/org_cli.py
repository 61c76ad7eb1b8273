"""`flask --app bot org import|sync|show|template` — the organisation directory (通讯录)."""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot import config, db
from bot.cli_error import Commands, Refused, writing
from models.org_gaps import approver_gaps

cli = Commands("org", help="通讯录：导入名册、同步企业微信、查看单位和人员")


def _counts(counts: dict[str, int]) -> str:
    return "，".join(f"{k} {v}" for k, v in counts.items())


def _departure_lines(notified: dict, dry_run: bool) -> list[str]:
    lines = []
    for admins, deps in notified.items():
        told = "将通知" if dry_run else "已通知"
        who = f"{told}主管单位管理员 {admins}" if admins else "没有可通知的主管单位管理员，请自行安排交接"
        lines.append(f"停用 {len(deps)} 人（{who}）：")
        for dep in deps:
            accounts = "、".join(f"{a.name}（{a.platform}）" for a in dep.accounts) or "无"
            requests = "、".join(f"第{r.id}号（{r.status}）" for r in dep.requests)
            lines.append(f"  · {dep.person.name} {dep.person.userid}（{dep.person.unit.name}）负责账号：{accounts}"
                         + (f"，未办结申请：{requests}" if requests else ""))
    return lines


def _keeper_moved_lines(told: dict, dry_run: bool) -> list[str]:
    """Accounts whose responsible person the run moved to another unit (the operator may see both units)."""
    return _moved_lines(told, dry_run, "账号负责人调离 {n} 个账号（{who}），请原单位指定本单位的新负责人：",
                        lambda i: f"{i.account.unit.name}「{i.account.name}（{i.account.platform}）」")


def _requests_left_lines(told: dict, dry_run: bool) -> list[str]:
    """Unsettled requests whose applicant the run moved out of their unit: the unit finishes them."""
    return _moved_lines(told, dry_run, "申请人调离 {n} 件未办结申请（{who}），改由申请单位接手：",
                        lambda i: f"第{i.request.id}号 {i.request.title}（{i.request.unit.name}，{i.request.status}）")


def _moved_lines(told: dict, dry_run: bool, heading: str, what) -> list[str]:
    """Per set of bureau admins told: `heading`, then each item (`what`) with the person's move."""
    lines = []
    for admins, items in told.items():
        who = f"{'将通知' if dry_run else '已通知'}主管单位管理员 {admins}" if admins else "没有可通知的主管单位管理员"
        lines.append(heading.format(n=len(items), who=who))
        lines += [f"  · {what(i)}：{i.person.name} {i.person.userid} 已从{i.left}调到{i.person.unit.name}" for i in items]
    return lines


def _restaffing_lines(session, restaffing, dry_run: bool) -> list[str]:
    """Approval requests the change left without an approver, and those whose cards went to a new approver."""
    from handlers.approvals_vacancy import stranded_line
    from models.approval import STEP_NAMES, ApprovalRequest
    if restaffing is None:
        return []
    lines = []
    for req in restaffing.stranded:
        admins = [a.name for a in restaffing.told[req.id] if a.active and not a.wecom_invalid]
        told = (f"{'将通知' if dry_run else '已通知'}主管单位管理员：{'、'.join(admins)}。" if admins
                else "没有可通知的主管单位管理员，请自行在通讯录中指定。")
        lines.append(f"审批无人：{stranded_line(session, req, restaffing.former[req.id])}{told}")
    sent = "将把" if dry_run else "已把"
    for request_id, people in restaffing.reached.items():
        req = session.get(ApprovalRequest, request_id)
        lines.append(f"{sent}第{req.id}号{req.kind}申请（{req.form.get('name', '')}）「{STEP_NAMES[req.step]}」环节的"
                     f"审批卡片发给新的审批人：{'、'.join(p.name for p in people)}")
    return lines


def _back_after_sync_lines(people, dry_run: bool) -> list[str]:
    """People 在职=是 brought back although `org sync` had deactivated them (gone from WeCom)."""
    if not people:
        return []
    done = "将按名册「在职：是」恢复" if dry_run else "已按名册「在职：是」恢复"
    return [f"以下人员此前由企业微信通讯录同步停用（企业微信中已不存在、已禁用或已退出企业），{done}：",
            *(f"  · {p.name} {p.userid}（{p.unit.name}）" for p in people),
            "  如果他们在企业微信中仍未恢复，下次 org sync 会再次停用：请同时在企业微信管理后台恢复。"]


def _orphan_lines(orphaned, dry_run: bool, allowed: bool) -> list[str]:
    """A bureau the import leaves without a 主管单位管理员: said plainly; refused unless --allow-no-admin."""
    lines = [f"注意：导入后「{bureau}」将没有主管单位管理员（{'、'.join(f'{p.name} {p.userid}' for p in former)} "
             "不再担任）：人员停用、陌生人来访、审批无人等通知将无人接收。" for bureau, former in orphaned]
    if not lines or allowed:
        return lines
    fix = ("如果是「角色」一栏漏填（留空表示只是「单位工作人员」），请在该行填上「主管单位管理员」；"
           "确需如此，请先在名册中指定新的管理员，或加 --allow-no-admin 重新导入。")
    if dry_run:
        return [*lines, f"正式导入时会拒绝：{fix}"]
    raise Refused("\n".join([*lines, f"没有导入任何内容。{fix}"]))


def _folded_note(department: dict | None) -> str:
    """For a new member put in a bureau only because their WeCom department has no unit of its own."""
    if department is None:
        return ""
    name = department.get("name", "")
    return (f"：此人在企业微信部门「{name}」，这个部门没有对应的单位，按上级部门归入了主管单位。如果「{name}」是主办单位，"
            f"请在名册「单位」表中添加它（企业微信部门ID {department['id']}）并导入，再同步一次。")


def _orphaned_by_sync(orphaned) -> list[str]:
    """A bureau whose last 主管单位管理员 left WeCom or moved to another unit there: said, not refused (WeCom is
    the truth on who works where)."""
    return [f"注意：同步后「{bureau}」没有主管单位管理员了（{'、'.join(f'{p.name} {p.userid}' for p in former)} "
            "已停用或调到别的单位）：人员停用、陌生人来访、审批无人等通知将无人接收。请在名册中给新的管理员填上"
            "「主管单位管理员」，然后 flask --app bot org import 名册.xlsx。" for bureau, former in orphaned]


def _run(work, dry_run: bool) -> list[str]:
    """Run `work(session)` in one transaction; roll back on --dry-run or any error."""
    session = db.new_session()
    try:
        session.begin()
        lines = work(session)
        if dry_run:
            session.rollback()
            lines.append("（试运行：以上变动没有写入。）")
        else:
            session.commit()
        return lines
    except IntegrityError:
        session.rollback()
        raise Refused("通讯录正被另一个操作同时修改，本次没有写入。请稍后重新执行。") from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@cli.command("import", help="从名册导入单位和人员（.xlsx 模板或 .yaml）；再次导入只更新，不重复")
@click.argument("file", type=click.Path(dir_okay=False), metavar="文件")
@click.option("--dry-run", is_flag=True, help="只检查并显示将发生的变动，不写入")
@click.option("--allow-no-admin", is_flag=True, help="导入后某个主管单位没有主管单位管理员时也导入")
def import_cmd(file, dry_run, allow_no_admin):
    """Import units and people from an .xlsx (the template) or a .yaml file."""
    from models.org_files import FileProblem, read_file
    from models.org_import import ImportRejected, import_file_rows

    try:
        unit_rows, people_rows = read_file(file)
    except FileProblem as exc:
        raise Refused(str(exc)) from None

    def work(session):
        result = import_file_rows(session, unit_rows, people_rows)
        changes = ["人员变动：", *(f"  {line}" for line in result.changes)] if result.changes else []
        return [f"单位：{_counts(result.units)}", f"人员：{_counts(result.people)}", *changes,
                *_orphan_lines(result.orphaned, dry_run, allow_no_admin),
                *_departure_lines(result.notified, dry_run), *_keeper_moved_lines(result.keepers_moved, dry_run),
                *_requests_left_lines(result.requests_left, dry_run),
                *_restaffing_lines(session, result.restaffing, dry_run),
                *_back_after_sync_lines(result.back_after_sync, dry_run), *approver_gaps(session)]

    try:
        lines = _run(work, dry_run)
    except ImportRejected as rej:
        click.echo(f"导入失败：发现 {len(rej.errors)} 处问题，没有导入任何内容。请改正后重新导入。", err=True)
        for error in rej.errors:
            click.echo(f"  {error}", err=True)
        raise SystemExit(1) from None
    click.echo(("检查通过。" if dry_run else "导入完成。") + "\n" + "\n".join(lines))


# What the operator checks when WeCom refuses to hand out the contacts (errcode → what to check)
CONTACTS_ERRORS = {
    40001: "应用的 Secret 不对：请核对 WECOM_SECRET（企业微信管理后台 → 应用管理 → 本应用）。",
    40013: "企业ID不对：请核对 WECOM_CORP_ID（企业微信管理后台 → 我的企业 → 企业ID）。",
    40091: "应用的 Secret 不对：请核对 WECOM_SECRET（企业微信管理后台 → 应用管理 → 本应用）。",
    48002: "应用没有调用通讯录接口的权限：请在应用的 API 权限中允许读取通讯录。",
    60011: "应用无权读取某个部门或成员：请把需要同步的部门加入应用的“可见范围”。",
    60020: "企业微信不信任本服务器的 IP：请把服务器的出口 IP 加入应用的“企业可信IP”。",
}


def contacts_error(exc) -> str:
    """Why `org sync` could not read WeCom's contacts, and what to check, in one sentence."""
    if exc.errcode in CONTACTS_ERRORS:
        return f"{CONTACTS_ERRORS[exc.errcode]}（错误码 {exc.errcode}）"
    if exc.errcode is None:
        return (f"连不上企业微信接口 {config.get().api_base}，或它没有正常应答（{exc.errmsg}）：请检查服务器的网络"
                "和 WECOM_API_BASE，稍后重新执行。")
    return f"企业微信返回错误码 {exc.errcode}（{exc.errmsg}）。"


@cli.command("sync", help="从企业微信通讯录同步部门和成员；离开的成员停用并通知主管单位管理员")
@click.option("--dry-run", is_flag=True, help="只显示将发生的变动，不写入、不通知")
@click.option("--force", is_flag=True, help="停用人数超过一半时也继续")
def sync_cmd(dry_run, force):
    """Pull departments and members from WeCom's contacts API."""
    from bot.wecom_client import WeComError, get_api
    from models.org_sync import SyncRefused, apply_contacts

    api = get_api()
    try:  # all network calls before the transaction: the database is never held open on WeCom
        departments = api.departments()
        users = {int(d["id"]): api.users(int(d["id"])) for d in departments}
    except WeComError as exc:
        raise Refused(f"读取企业微信通讯录失败：{contacts_error(exc)}未做任何修改。") from None

    def work(session):
        result = apply_contacts(session, departments, users, force=force)
        lines = [f"企业微信部门 {len(departments)} 个，成员 {sum(map(len, users.values()))} 人次。",
                 f"人员：{_counts(result.people)}"]
        for unit in result.linked:
            lines.append(f"按名称对应部门：{unit.name} → 部门ID {unit.wecom_department_id}")
        if result.changes:
            lines += ["人员变动：", *(f"  {line}" for line in result.changes)]
        if result.roles_reset:
            lines.append("  调到别的单位的人员不再担任原单位的角色，按新成员设定（主办单位为单位工作人员，主管单位暂无角色）；"
                         "他们在新单位担任负责人、审核人等角色的，请在名册中写明后重新导入。")
        for person in result.new_people:
            roles = "单位工作人员" if person.role_rows else "未分配角色，请在名册中指定"
            lines.append(f"新成员：{person.name} {person.userid}（{person.unit.name}，{roles}）"
                         + _folded_note(result.folded_people.get(person.userid)))
        if result.unmapped_departments:
            names = "、".join(f"{d.get('name', '')}({d['id']})" for d in result.unmapped_departments)
            lines.append(f"未对应单位的部门（其成员未同步，可在名册中填写企业微信部门ID）：{names}")
        if result.skipped_members:
            lines.append(f"只在未对应单位的部门中的成员 {len(result.skipped_members)} 人未同步。")
        for unit in result.missing_departments:
            lines.append(f"单位「{unit.name}」的部门ID {unit.wecom_department_id} 不在企业微信可见范围内，其人员未作变动。")
        return [*lines, *_departure_lines(result.notified, dry_run),
                *_keeper_moved_lines(result.keepers_moved, dry_run),
                *_requests_left_lines(result.requests_left, dry_run),
                *_restaffing_lines(session, result.restaffing, dry_run), *_orphaned_by_sync(result.orphaned),
                *approver_gaps(session)]

    try:
        lines = _run(work, dry_run)
    except SyncRefused as exc:
        raise Refused(str(exc)) from None
    click.echo(("同步试运行。" if dry_run else "同步完成。") + "\n" + "\n".join(lines))


@cli.command("show", help="显示单位树、人员和角色（不显示手机号）")
@click.option("--unit", "unit_name", help="只显示这个单位及其下级")
@click.option("--as", "as_userid", help="只显示这个人（企业微信UserID）能看到的部分")
def show_cmd(unit_name, as_userid):
    """Print the unit tree with people and roles (no phone numbers)."""
    from models.directory import tree_lines
    from models.org import find_person, visible_unit_ids

    with db.transaction() as session:
        root, visible = None, None
        if unit_name:
            root = unit_named(session, unit_name)
        if as_userid:
            person = find_person(session, as_userid)
            if person is None:
                raise Refused(f"通讯录中没有 UserID 为「{as_userid}」的人员。")
            visible = set(visible_unit_ids(session, person))
            if root is not None and root.id not in visible:
                raise Refused(f"{person.name}（{person.userid}，{person.unit.name}）看不到「{root.name}」："
                              "它不在此人的权限范围内。去掉 --unit 可以查看此人能看到的全部单位。")
        lines = tree_lines(session, root, visible)
    click.echo("\n".join(lines) if lines else "通讯录是空的：请先执行 flask --app bot org import 名册.xlsx")


def unit_named(session, name: str):
    """The unit `--unit` names, also written with other spaces or full-width/half-width brackets; else refused,
    with the nearest names."""
    from difflib import get_close_matches

    from models.org import Unit
    from models.org_text import name_key
    units = {unit.name: unit for unit in session.scalars(select(Unit))}
    if name in units:
        return units[name]
    spelled = [unit for unit in units.values() if name_key(unit.name) == name_key(name)]
    if len(spelled) == 1:
        return spelled[0]
    near = get_close_matches(name.strip(), list(units), n=3, cutoff=0.6)
    raise Refused(f"没有名为「{name}」的单位。" + (f"您是不是要找{'、'.join(f'「{n}」' for n in near)}？" if near else
                                                "运行 flask --app bot org show 查看全部单位。"))


def refuse_to_overwrite(path, force: bool) -> None:
    """A template written over a file would lose the roster a clerk filled in: only with --force."""
    if not force and Path(path).exists():
        raise Refused(f"文件「{path}」已存在，没有覆盖（里面可能是已填好的内容）。请换一个文件名，或加 --force 覆盖。")


@cli.command("template", help="生成空白的名册导入模板（.xlsx），默认写到当前目录的「名册模板.xlsx」")
@click.argument("path", default="名册模板.xlsx", type=click.Path(dir_okay=False), metavar="[文件]")
@click.option("--force", is_flag=True, help="文件已存在时覆盖它")
def template_cmd(path, force):
    """Write the blank import template (.xlsx)."""
    from models.org_files import write_template
    refuse_to_overwrite(path, force)
    with writing(path):
        written = write_template(path)
    click.echo(f"已生成导入模板：{written}")
