"""The directory file (名册): reading the .xlsx template or YAML of the same shape into rows,
and writing the blank template (templates/org_template.xlsx)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

UNIT_SHEET = "单位"
PEOPLE_SHEET = "人员"
UNIT_COLUMNS = ("单位名称", "上级单位", "类型", "国办登记系统单位标识码", "涉密单位", "内设机构", "企业微信部门ID")
PERSON_COLUMNS = ("企业微信UserID", "姓名", "所在单位", "角色", "手机", "在职")
REQUIRED = {UNIT_SHEET: ("单位名称", "类型"), PEOPLE_SHEET: ("企业微信UserID", "姓名", "所在单位")}
COLUMNS = {UNIT_SHEET: UNIT_COLUMNS, PEOPLE_SHEET: PERSON_COLUMNS}
YES_NO_COLUMNS = ("涉密单位", "内设机构", "在职")
NOTES_SHEET = "填写说明"


@dataclass
class Row:
    sheet: str
    where: str  # 「单位」表第3行 / 「单位」第3条 — how the user finds the row
    values: dict[str, str]
    problems: dict[str, str] = field(default_factory=dict)  # column → why its (YAML) value is not text

    def get(self, column: str) -> str:
        return self.values.get(column, "")


class FileProblem(Exception):
    """The file as a whole cannot be read; the message is for the user."""


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_file(path: str | Path) -> tuple[list[Row], list[Row]]:
    """(unit rows, people rows) from an .xlsx or a .yaml/.yml file."""
    path = Path(path)
    if not path.is_file():
        raise FileProblem(f"找不到文件：{path}")
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return read_xlsx(path)
    if suffix in (".yaml", ".yml"):
        return read_yaml(path)
    raise FileProblem(f"不支持的文件类型「{suffix or '无扩展名'}」：请使用 .xlsx 模板（Excel 中“另存为 → Excel 工作簿”）"
                      "或 .yaml 文件。")


def open_workbook(path):
    """The workbook at `path`, read-only with cell values; a file that is no workbook (a .txt, a CSV or an .xls
    renamed, an empty file) raises FileProblem saying so (also for `flask --app bot training import`)."""
    from openpyxl import load_workbook
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileProblem(f"无法打开 Excel 文件（{type(exc).__name__}）：请确认是 .xlsx 格式"
                          "（Excel 中“另存为 → Excel 工作簿”）。") from None


def read_xlsx(path: Path) -> tuple[list[Row], list[Row]]:
    book = open_workbook(path)
    try:
        unknown = unknown_sheets(book)
        if unknown:
            raise FileProblem(unknown)
        if UNIT_SHEET not in book.sheetnames and PEOPLE_SHEET not in book.sheetnames:
            raise FileProblem(f"文件中没有「{UNIT_SHEET}」或「{PEOPLE_SHEET}」工作表，请使用导入模板填写。")
        sheets = [sheet for sheet in (UNIT_SHEET, PEOPLE_SHEET) if sheet in book.sheetnames]
        problems = [header_problem(_header(book[sheet]), sheet) or unnamed_columns(book[sheet], sheet)
                    for sheet in sheets]
        if any(problems):
            raise FileProblem("\n".join(p for p in problems if p))
        out = []
        for sheet in (UNIT_SHEET, PEOPLE_SHEET):
            out.append(_sheet_rows(book[sheet], sheet) if sheet in book.sheetnames else [])
        return out[0], out[1]
    finally:
        book.close()


def close_match(word: str, choices) -> str:
    """「（是不是「在职」？）」 for the known name `word` most likely stands for (是否在职, 手机号码, 部门ID), or ""."""
    from difflib import get_close_matches
    inside = [c for c in choices if c in word or word in c]
    found = inside or get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f"（是不是「{found[0]}」？）" if found else ""


def unknown_headers(header: list[str], known, where: str) -> list[str]:
    """「「人员」表第1行F列「是否在职」不是模板中的列（是不是「在职」？）」 for each header cell not in `known`:
    its column would be dropped without a word (the clerk's 是否在职=否 never applied)."""
    from openpyxl.utils import get_column_letter
    return [f"{where}{get_column_letter(i + 1)}列「{name}」不是模板中的列{close_match(name, known)}"
            for i, name in enumerate(header) if name and name not in known]


def unknown_sheets(book) -> str:
    """What to say of sheets the import would skip (人员 renamed 人员名单: every person skipped), or ""."""
    known = (UNIT_SHEET, PEOPLE_SHEET, NOTES_SHEET)
    odd = [name for name in book.sheetnames if name not in known and _has_content(book[name])]
    if not odd:
        return ""
    said = "；".join(f"工作表「{name}」不是模板中的工作表{close_match(name, known[:2])}" for name in odd)
    return (f"{said}。导入只读「{UNIT_SHEET}」「{PEOPLE_SHEET}」两个工作表（「{NOTES_SHEET}」不读），"
            "其他工作表里的内容不会导入：请把工作表名称改回模板中的名称，或把内容移到这两个工作表中。")


def _header(ws) -> list[str]:
    return [cell_text(v) for v in next(ws.iter_rows(values_only=True, max_row=1), ())]


def _has_content(ws) -> bool:
    return any(v not in (None, "") for row in ws.iter_rows(values_only=True) for v in row)


def header_problem(header: list[str], sheet: str) -> str:
    """What is wrong with a sheet's header row (unknown, missing or repeated columns), or ""."""
    said = unknown_headers(header, COLUMNS[sheet], f"「{sheet}」表第1行")
    missing = [c for c in REQUIRED[sheet] if c not in header]
    if missing:
        said.append(f"「{sheet}」表第1行缺少列：{'、'.join(missing)}")
    if said:
        return (f"{'；'.join(said)}。整个文件没有导入：请把表头改回模板中的列名，不要修改表头（不需要的列请删去）。"
                f"「{sheet}」表可用的列：{'、'.join(COLUMNS[sheet])}。")
    twice = repeated_columns(header, COLUMNS[sheet])
    return f"「{sheet}」表第1行{twice}：导入时无法判断用哪一列，请删去多余的列。" if twice else ""


def unnamed_columns(ws, sheet: str) -> str:
    """A column with content but no header would be dropped without a word: where it is, or "". (Its values are
    not repeated: they may be phone numbers.)"""
    from openpyxl.utils import get_column_letter
    rows = ws.iter_rows(values_only=True)
    header = [cell_text(v) for v in next(rows, ())]
    first: dict[int, int] = {}
    for number, values in enumerate(rows, start=2):
        for i, value in enumerate(values):
            if cell_text(value) and not (header[i] if i < len(header) else "") and i not in first:
                first[i] = number
    if not first:
        return ""
    said = "、".join(f"{get_column_letter(i + 1)}列（第{n}行起）" for i, n in sorted(first.items()))
    return (f"「{sheet}」表{said}有内容但没有表头，这些内容不会导入。整个文件没有导入：请在第1行填上模板中的列名"
            f"（可用的列：{'、'.join(COLUMNS[sheet])}），或删去这些列。")


def _sheet_rows(ws, sheet: str) -> list[Row]:
    rows = ws.iter_rows(values_only=True)
    header = [cell_text(v) for v in next(rows, ())]
    index = {name: i for i, name in enumerate(header) if name in COLUMNS[sheet]}
    out = []
    for number, values in enumerate(rows, start=2):
        cells = {name: cell_text(values[i]) if i < len(values) else "" for name, i in index.items()}
        if any(cells.values()):
            out.append(Row(sheet, f"「{sheet}」表第{number}行", cells))
    return out


def repeated_columns(header: list[str], known) -> str:
    """「「姓名」列出现了2次（B、D列）」 for each column in `known` that a sheet's header names more than once
    (openpyxl would give the later one's values: an import cannot tell which is meant)."""
    from openpyxl.utils import get_column_letter
    at: dict[str, list[str]] = {}
    for i, name in enumerate(header):
        if name in known:
            at.setdefault(name, []).append(get_column_letter(i + 1))
    return "，".join(f"「{name}」列出现了{len(cols)}次（{'、'.join(cols)}列）" for name, cols in at.items() if len(cols) > 1)


def read_yaml(path: Path) -> tuple[list[Row], list[Row]]:
    import yaml
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_text_loader())
    except UnicodeDecodeError:
        raise FileProblem("无法读取 YAML 文件：文件不是 UTF-8 编码。请在编辑器中“另存为”，编码选择 UTF-8。") from None
    except yaml.YAMLError as exc:
        raise FileProblem(yaml_error_text(exc)) from None
    if not isinstance(data, dict) or not ({UNIT_SHEET, PEOPLE_SHEET} & set(data)):
        raise FileProblem(f"YAML 文件的顶层应包含「{UNIT_SHEET}」和/或「{PEOPLE_SHEET}」两个列表。")
    odd = [str(key) for key in data if key not in (UNIT_SHEET, PEOPLE_SHEET)]
    if odd:
        said = "；".join(f"YAML 中的「{key}」不是模板中的工作表{close_match(key, (UNIT_SHEET, PEOPLE_SHEET))}"
                        for key in odd)
        raise FileProblem(f"{said}。顶层只能写「{UNIT_SHEET}」「{PEOPLE_SHEET}」两个列表，其他的不会导入：请改回这两个名称。")
    out = []
    for sheet in (UNIT_SHEET, PEOPLE_SHEET):
        if sheet in data.repeated:
            raise FileProblem(f"YAML 中「{sheet}」{_written_on(data.repeated[sheet])}，后面的会整个替换前面的："
                              "请合并成一个列表。")
        items = data.get(sheet) or []
        if not isinstance(items, list):
            raise FileProblem(f"YAML 中「{sheet}」应为列表（每条以「- 」开头）。")
        rows = []
        for number, item in enumerate(items, start=1):
            where = f"「{sheet}」第{number}条"
            if not isinstance(item, dict):
                raise FileProblem(f"{where}应为「列名: 值」的映射。")
            unknown = [k for k in item if k not in COLUMNS[sheet]]
            if unknown:
                raise FileProblem(f"{where}有未知的列：{'、'.join(map(str, unknown))}。"
                                  f"可用的列：{'、'.join(COLUMNS[sheet])}。")
            cells = {column: yaml_cell(column, value) for column, value in item.items()}
            problems = {column: f"「{column}」{_written_on(item.repeated[column])}，请只保留一个。"
                        if column in item.repeated else problem for column, (_, problem) in cells.items()}
            rows.append(Row(sheet, where, {column: text for column, (text, _) in cells.items()},
                            {column: problem for column, problem in problems.items() if problem}))
        out.append(rows)
    return out[0], out[1]


@dataclass(frozen=True)
class YamlFlag:
    """A plain yes/no/true/false/on/off in YAML: 是/否 in a 是/否 column, a mistake anywhere else."""
    value: bool
    text: str  # as written

    def __str__(self) -> str:
        return self.text


class YamlMap(dict):
    """A YAML mapping, with the keys written more than once in it (which YAML lets the last one win)."""
    repeated: dict[str, list[int]]  # key → the line numbers it is written on


def _construct_map(loader, node):
    mapping = YamlMap()
    mapping.repeated = _repeated_keys(node)  # before construct_mapping, which merges `<<:` keys in
    yield mapping
    mapping.update(loader.construct_mapping(node))


def _repeated_keys(node) -> dict[str, list[int]]:
    lines: dict[str, list[int]] = {}
    for key, _value in node.value:
        if key.tag != "tag:yaml.org,2002:merge" and isinstance(key.value, str):
            lines.setdefault(key.value, []).append(key.start_mark.line + 1)
    return {key: found for key, found in lines.items() if len(found) > 1}


def _written_on(lines: list[int]) -> str:
    return f"写了{len(lines)}次（第{'、'.join(map(str, lines))}行）"


@cache
def _text_loader():
    """YAML's safe loader, but numbers and dates stay as written: a userid or phone number of digits is
    text, with its leading zero or +86 (not 493 for 0755)."""
    import yaml

    class TextLoader(yaml.SafeLoader):
        pass

    for tag in ("int", "float", "timestamp"):
        TextLoader.add_constructor(f"tag:yaml.org,2002:{tag}", lambda loader, node: loader.construct_scalar(node))
    TextLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
    TextLoader.add_constructor("tag:yaml.org,2002:bool",
                               lambda loader, node: YamlFlag(loader.construct_yaml_bool(node), node.value))
    return TextLoader


def yaml_cell(column: str, value) -> tuple[str, str | None]:
    """(text, problem) for a YAML value where the template has a text cell; the value itself is not echoed
    (it may be a phone number)."""
    if isinstance(value, YamlFlag):
        if column in YES_NO_COLUMNS:
            return cell_text(value.value), None
        return "", (f"「{column}」应填写文字，现在是「{value.text}」，YAML 会把它当作“是/否”；"
                    f"如果就是这几个字母，请加引号，写成 \"{value.text}\"。")
    if column == "角色" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "、".join(value), None  # a YAML list of role names, like 单位负责人、单位工作人员
    if value is None or isinstance(value, str):
        return cell_text(value), None
    if isinstance(value, dict):
        return "", f"「{column}」应填写文字，现在是一组「名称: 值」；值中本来就有冒号或花括号时，请给整个值加引号。"
    if isinstance(value, list) and column == "角色":
        return "", "「角色」写成列表时，每一项都应是一个角色名称。"
    if isinstance(value, list):
        return "", f"「{column}」应填写文字，现在是一个列表；值中本来就有方括号或以「- 」开头时，请给整个值加引号。"
    return "", f"「{column}」应填写文字，现在的写法被 YAML 当作了别的类型；请给整个值加引号。"


# What the parser's English problem means for someone editing the file: (part of the problem or
# of its context, hint). The first that matches is used.
YAML_HINTS = (
    ("mapping values are not allowed", "这里多了一个冒号「:」——值中含有冒号时请给整个值加引号，也可能是这一行的缩进与上一行不一致"),
    ("'\\t'", "不能用 Tab 键缩进，请改用空格"),
    ("quoted scalar", "第{context_line}行开始的引号没有结束，请补上配对的引号"),
    ("could not find expected ':'", "缺少冒号，应写成「列名: 值」（冒号后加一个空格）"),
    ("flow", "第{context_line}行开始的方括号或花括号没有配对；值中含有括号时请给整个值加引号"),
    ("alias", "以「*」或「&」开头的值会被当作引用，请给整个值加引号"),
    ("tag", "以「!」开头的值会被当作类型标记，请给整个值加引号"),
    ("block", "缩进不一致：同一层的各列应对齐，每个单位或人员以「- 」开头"),
)


def yaml_error_text(exc) -> str:
    """One line in Chinese: where the YAML parser stopped (line and column) and what to check there."""
    mark, context_mark = getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)
    said = f"{getattr(exc, 'problem', '') or ''} {getattr(exc, 'context', '') or ''}"
    hint = next((h for key, h in YAML_HINTS if key in said), "请检查这一行及上一行的缩进、冒号和引号")
    if mark is None:
        return "YAML 格式错误：请检查文件的缩进、冒号和引号。"
    context_line = context_mark.line + 1 if context_mark is not None else mark.line + 1
    return f"YAML 格式错误（第{mark.line + 1}行第{mark.column + 1}列）：{hint.format(context_line=context_line)}。"


# --- the blank template ---------------------------------------------------------------------

INSTRUCTIONS = [
    ("填写说明", ""),
    ("单位 表", "每行一个单位。单位名称是匹配依据：再次导入同名单位会更新该单位，不会重复新增。"),
    ("单位名称", "必填，最长120字，全市唯一。"),
    ("上级单位", "市级主管单位留空；县级主管单位填市级主管单位；主办单位填其主管单位（或所属单位）。"
               "可以填本表中的单位，也可以填系统中已有的单位。"),
    ("类型", "必填：市级主管单位 / 县级主管单位 / 主办单位。"),
    ("国办登记系统单位标识码", "选填，字母和数字，最长40位；留空则保持系统中原有的值。"),
    ("涉密单位 / 内设机构", "填「是」或「否」，留空视为「否」。涉密单位和内设机构不得开设政务新媒体（第八条）。"),
    ("企业微信部门ID", "选填，正整数；填写后「org sync」按此ID把企业微信部门对应到本单位。留空则保持系统中原有的值。"),
    ("人员 表", "每行一人。企业微信UserID是匹配依据：再次导入会更新此人，不会重复新增。"),
    ("企业微信UserID", "必填，企业微信管理后台「通讯录 → 成员详情 → 账号」，字母、数字和 _ - . @。"),
    ("姓名 / 所在单位", "必填；所在单位须为单位表或系统中已有的单位。"),
    ("角色", "多个角色用逗号或顿号分隔；留空视为「单位工作人员」。可选：单位工作人员、单位负责人、"
           "主管单位审核人、主管单位管理员、市级审批人。后三个角色只能给主管单位的人员，市级审批人只能给市级主管单位的人员。"),
    ("手机", "选填；留空则保持系统中原有号码。号码不会在任何列表中显示。"),
    ("在职", "填「是」或「否」。留空：新人员视为「是」，已登记的人员保持原状态（已停用的不会因此恢复）。"
           "填「否」即停用此人，并把其负责的账号列给主管单位管理员；填「是」恢复已停用的人。"),
    ("检查", "任何一行有误时整份文件都不导入，并逐行列出原因；改正后重新导入即可。"),
]
CHOICES = {"类型": "\"市级主管单位,县级主管单位,主办单位\"", "涉密单位": "\"是,否\"", "内设机构": "\"是,否\"",
           "在职": "\"是,否\""}


def write_template(path: str | Path) -> Path:
    """Write the blank import template with drop-down lists for the fixed choices."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    for index, sheet in enumerate((UNIT_SHEET, PEOPLE_SHEET)):
        ws = book.active if index == 0 else book.create_sheet()
        ws.title = sheet
        ws.append(list(COLUMNS[sheet]))
        for col, name in enumerate(COLUMNS[sheet], start=1):
            letter = get_column_letter(col)
            ws[f"{letter}1"].font = Font(bold=True)
            ws.column_dimensions[letter].width = max(14, len(name) * 2 + 4)
            if name in CHOICES:
                rule = DataValidation(type="list", formula1=CHOICES[name], allow_blank=True)
                rule.error, rule.errorTitle = "请从下拉列表中选择", "输入有误"
                ws.add_data_validation(rule)
                rule.add(f"{letter}2:{letter}2000")
        ws.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    for title, text in INSTRUCTIONS:
        notes.append([title, text])
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 100
    notes["A1"].font = Font(bold=True)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path
