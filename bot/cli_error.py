"""How our commands speak to the admin when they stop or are asked for --help: Chinese, never a traceback
or click's English (「Error: …」, 「Usage: …」, 「Aborted!」, 「[default: …]」, 「TEXT」)."""
from __future__ import annotations

import ast
import errno
import re
import socket
import unicodedata
from contextlib import contextmanager

import click
from click.exceptions import NoArgsIsHelpError, NoSuchCommand
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot import ctrl_c


class Refused(click.ClickException):
    """Raise to stop a CLI command with one line for the admin; exit code 1 as click's own."""

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", file=file, err=file is None)


class Cancelled(click.ClickException):
    """Ctrl-C (or a prompt answered no): what became of the work, instead of click's 「Aborted!」; exit code 1 as
    click's own."""

    def __init__(self, message: str, interrupted: bool) -> None:
        super().__init__(message)
        self.interrupted = interrupted

    def show(self, file=None) -> None:
        if self.interrupted:
            click.echo(file=file, err=file is None)  # ends the line the terminal's 「^C」 is on
        click.echo(self.format_message(), file=file, err=file is None)


# What Ctrl-C leaves behind, for a command that runs in one transaction or only reads (the default).
NOTHING_CHANGED = "已取消，什么也没有改。"
NOT_MIGRATED = ("DATABASE_URL 指向的数据库还没有建表（未迁移），或表结构比程序旧（升级程序后没有迁移）。"
                "请先运行：flask --app bot db upgrade，然后重新执行本命令。")
HELP_OPTION = "显示本说明并退出。"


# Why a file could not be written, as the admin can act on it (errno → words); others keep the system's words.
WRITE_FAILURES = {errno.ENOENT: "所在的文件夹不存在", errno.ENOTDIR: "路径中有一段不是文件夹",
                  errno.EEXIST: "路径中有一段不是文件夹",  # mkdir of the folders on the way found a file
                  errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限", errno.EROFS: "所在的磁盘是只读的",
                  errno.ENOSPC: "磁盘空间不足", errno.EISDIR: "这是一个文件夹", errno.ENAMETOOLONG: "文件名太长"}


@contextmanager
def writing(path):
    """Writing the file at `path`: a folder that is not there, no permission, a full disk … stop the command with
    one line naming the file, not a Traceback."""
    try:
        yield
    except OSError as exc:
        reason = WRITE_FAILURES.get(exc.errno) or exc.strerror or type(exc).__name__
        raise Refused(f"无法写入文件「{path}」：{reason}。请换一个位置或文件名，例如写到当前文件夹。") from None


def refuse_unusable_address(host: str, port: int) -> None:
    """A server about to listen on host:port (`run`, `sim serve`): a port taken or out of range, or a host that is
    not an address of this machine, said in one line — werkzeug says them in English and exits."""
    if not 0 <= port <= 65535:  # 0: any free port
        raise Refused(f"端口 {port} 不对：请写 1 到 65535 之间的数字。")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError):
        raise Refused(f"监听地址「{host}」无法识别：请写本机的 IP 地址，例如 127.0.0.1。") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as werkzeug's server does
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise Refused(f"端口 {port} 已被其他程序占用：请先停止占用它的程序，或用 --port 换一个端口。") from None
            if exc.errno in (errno.EACCES, errno.EPERM):
                raise Refused(f"没有权限使用端口 {port}（1024 以下的端口需要管理员权限），请换一个端口。") from None
            raise Refused(f"无法在 {host}:{port} 上监听（{exc.strerror}）：请检查 --host 和 --port。") from None


class WrongUsage(click.UsageError):
    """click's own usage error (missing argument, unknown option, bad value …) said in Chinese; exit code 2."""

    def show(self, file=None) -> None:
        lines = [f"错误：{self.message}"]
        if self.ctx is not None:
            lines += [usage_line(self.ctx), f"运行 {command_line(self.ctx)} --help 查看说明。"]
        click.echo("\n".join(lines), file=file, err=file is None)


@contextmanager
def usage_in_chinese(ctx: click.Context):
    """Turn a click usage error raised inside into a WrongUsage (help shown for a bare group stays help)."""
    try:
        yield
    except (WrongUsage, NoArgsIsHelpError):
        raise
    except click.UsageError as exc:
        raise WrongUsage(said_in_chinese(exc), exc.ctx or ctx) from None


class HelpFormatter(click.HelpFormatter):
    """click's help layout with Chinese headings."""

    SECTIONS = {"Options": "选项", "Commands": "命令", "Positional arguments": "参数"}

    def write_usage(self, prog, args="", prefix=None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def section(self, name):
        return super().section(self.SECTIONS.get(name, name))

    def write_dl(self, rows, col_max=30, col_spacing=2) -> None:
        """click's two columns, the second starting at the same place on screen although the first holds Chinese
        (「--year 整数」: click counts characters, a terminal shows a Chinese one two columns wide)."""
        rows = list(rows)
        widest = min(max((shown_width(first) for first, _ in rows), default=0), col_max)
        for first, second in rows:
            padded = first + " " * max(widest - shown_width(first), 0)
            super().write_dl([(padded, second)], col_max, col_spacing)


def shown_width(text: str) -> int:
    """How many terminal columns `text` takes (Chinese characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


class Context(click.Context):
    formatter_class = HelpFormatter


# click's English in usage lines and --help → Chinese
USAGE_PIECES = {"[OPTIONS]": "[选项]", "COMMAND [ARGS]...": "命令 [参数]..."}
TYPE_NAMES = {"text": "文字", "integer": "整数", "integer range": "整数", "float": "数字", "float range": "数字",
              "boolean": "是/否", "file": "文件", "filename": "文件", "directory": "文件夹", "path": "路径",
              "datetime": "日期时间"}


class Command(click.Command):
    """A command whose usage errors, --help and Ctrl-C speak Chinese. `cancelled=`: what to say on Ctrl-C when
    the command may have done part of its work (the default says nothing changed)."""

    context_class = Context

    def __init__(self, *args, cancelled: str = NOTHING_CHANGED, **kwargs) -> None:
        kwargs.setdefault("options_metavar", USAGE_PIECES["[OPTIONS]"])
        super().__init__(*args, **kwargs)
        self.cancelled = cancelled
        for param in self.params:
            _name_its_type(param)

    def parse_args(self, ctx, args):
        with usage_in_chinese(ctx):
            return super().parse_args(ctx, args)

    def invoke(self, ctx):
        with ctrl_c.remembered() as pressed:
            try:
                with usage_in_chinese(ctx):
                    return super().invoke(ctx)
            except click.Abort:
                raise Cancelled(self.cancelled, interrupted=False) from None
            except (KeyboardInterrupt, EOFError):
                raise Cancelled(self.cancelled, interrupted=True) from None
            except click.ClickException:  # said already (by the subcommand, for a group)
                raise
            except Exception:
                if pressed:  # an error that replaced the Ctrl-C (bot/ctrl_c.py)
                    raise Cancelled(self.cancelled, interrupted=True) from None
                raise

    def format_usage(self, ctx, formatter) -> None:
        formatter.write_usage(command_line(ctx), _usage_args(ctx))

    def format_options(self, ctx, formatter) -> None:
        options = [param for param in self.get_params(ctx) if isinstance(param, click.Option)]
        rows = [row for param in options if (row := help_row(param, ctx)) is not None]
        if rows:
            with formatter.section("Options"):
                formatter.write_dl(rows)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option


class Group(Command, AppGroup):
    """A command group whose commands' usage errors and --help speak Chinese (`db`)."""

    command_class = Command

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("subcommand_metavar", USAGE_PIECES["COMMAND [ARGS]..."])
        super().__init__(*args, **kwargs)

    def format_options(self, ctx, formatter) -> None:
        Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)


class AppCommands(Group):
    """`app.cli`: the group Flask's own `flask` group asks for every command it does not have itself. It answers a
    name that is no command at all in Chinese (Flask's group would print 「Error: No such command」)."""

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None and not ctx.resilient_parsing and not name.startswith("-"):
            unknown = NoSuchCommand(name, possibilities=ctx.command.list_commands(ctx), ctx=ctx)
            raise WrongUsage(said_in_chinese(unknown), ctx)
        return command


class Commands(Group):
    """A command group of ours: Chinese usage errors, and a database that was never migrated says so."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as exc:
            if _not_migrated(exc):
                raise Refused(NOT_MIGRATED) from None
            raise


def _not_migrated(exc) -> bool:
    """A table or column the code knows is not in the database: never migrated, or new code on an old schema.
    PostgreSQL: undefined_table (42P01), undefined_column (42703); SQLite says it in words."""
    said = str(exc.orig)
    return (getattr(exc.orig, "sqlstate", None) in ("42P01", "42703")
            or any(words in said for words in ("no such table", "no such column", "has no column named")))


def command_line(ctx: click.Context) -> str:
    """`flask --app bot org import` for the context of `org import`, as the admin types it."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(["flask --app bot", *reversed(names)])


def usage_line(ctx: click.Context) -> str:
    """「用法：flask --app bot org import [选项] FILE」 for any context, Flask's own top-level group's too."""
    formatter = HelpFormatter()
    formatter.write_usage(command_line(ctx), _usage_args(ctx))
    return formatter.getvalue().rstrip("\n")


def _usage_args(ctx: click.Context) -> str:
    return " ".join(USAGE_PIECES.get(piece, piece) for piece in ctx.command.collect_usage_pieces(ctx))


def help_row(param: click.Option, ctx: click.Context) -> tuple[str, str] | None:
    """An option's line in --help, its notes in Chinese: 「[默认：20.0]」, 「[必填]」 (click: 「[default: 20.0]」)."""
    if param.hidden:
        return None
    extra = param.get_help_extra(ctx)
    notes = [f"默认：{extra['default']}"] if "default" in extra else []
    notes += [extra["range"]] if "range" in extra else []
    notes += ["必填"] if "required" in extra else []
    notes += [f"环境变量：{'、'.join(extra['envvars'])}"] if "envvars" in extra else []
    text = param.help or ""
    if notes:
        text = f"{text}  [{'；'.join(notes)}]" if text else f"[{'；'.join(notes)}]"
    return param.get_help_spec(ctx), text


def _name_its_type(param: click.Parameter) -> None:
    """An option's value placeholder in Chinese (「--year 整数」, not 「--year INTEGER」); choices keep their list."""
    if not isinstance(param, click.Option) or param.is_flag or param.count or param.metavar is not None:
        return
    if param.type.get_metavar(param=param, ctx=None) is None and param.type.name in TYPE_NAMES:
        param.metavar = TYPE_NAMES[param.type.name] + ("..." if param.nargs != 1 else "")


def said_in_chinese(exc: click.UsageError) -> str:
    """The Chinese sentence for one of click's usage errors."""
    if isinstance(exc, click.MissingParameter) and exc.param is not None:
        choices = getattr(exc.param.type, "choices", None)
        return f"缺少{_kind(exc.param)} {_param_name(exc)}。" + (f"可选：{'、'.join(map(str, choices))}。"
                                                             if choices else "")
    if isinstance(exc, click.NoSuchOption):
        return f"没有 {exc.option_name} 这个选项。" + _did_you_mean(exc.possibilities)
    if isinstance(exc, NoSuchCommand):
        return f"没有 {exc.command_name} 这个命令。" + _did_you_mean(exc.possibilities)
    if isinstance(exc, click.BadParameter) and (exc.param is not None or exc.param_hint is not None):
        return f"{_param_name(exc)} 的值不对：{_translated(exc.message)}"
    return _translated(exc.message)


def _kind(param: click.Parameter) -> str:
    return "选项" if isinstance(param, click.Option) else "参数"


def _param_name(exc: click.BadParameter) -> str:
    if exc.param_hint is not None:
        return exc.param_hint if isinstance(exc.param_hint, str) else " / ".join(exc.param_hint)
    if isinstance(exc.param, click.Option):
        return max(exc.param.opts, key=len)
    return exc.param.human_readable_name.strip("[].")  # 「[年份]」 in the usage line is 「年份」 in a sentence


def _did_you_mean(possibilities) -> str:
    return f"您是不是要用 {'、'.join(sorted(possibilities))}？" if possibilities else ""


# click 8's own English (types.py, parser.py, core.py) → Chinese; {v} is what the admin typed.
CLICK_WORDING: list[tuple[str, str]] = [
    (r"(?P<v>.+) is not a valid integer\.", "「{v}」不是整数。"),
    (r"(?P<v>.+) is not a valid integer range\.", "「{v}」不是整数。"),
    (r"(?P<v>.+) is not a valid float\.", "「{v}」不是数字。"),
    (r"(?P<v>.+?) is not a valid boolean\..*", "「{v}」不是“是/否”（请写 yes 或 no）。"),
    (r"(?P<v>.+) is not in the range (?P<c>.+)\.", "{v} 不在允许的范围 {c} 内。"),
    (r"(?P<v>.+) is not one of (?P<c>.+)\.", "「{v}」不是可选的值。可选：{c}。"),
    (r"(?P<v>.+) is not (?P<c>.+)\.", "「{v}」不是可选的值，只能写 {c}。"),
    (r"(?P<v>.+) does not match the formats? (?P<c>.+)\.", "「{v}」不符合格式 {c}。"),
    (r"\w+ (?P<v>.+) does not exist\.", "找不到「{v}」。请检查路径和文件名。"),
    (r"\w+ (?P<v>.+) is a directory\.", "「{v}」是一个文件夹，请给出文件。"),
    (r"\w+ (?P<v>.+) is a file\.", "「{v}」是一个文件，请给出文件夹。"),
    (r"\w+ (?P<v>.+) is not readable\.", "没有权限读取「{v}」。"),
    (r"\w+ (?P<v>.+) is not writable\.", "没有权限写入「{v}」。"),
    (r"Option (?P<v>.+) requires an argument\.", "选项 {v} 后面要写一个值。"),
    (r"Option (?P<v>.+) requires (?P<c>\d+) arguments\.", "选项 {v} 后面要写 {c} 个值。"),
    (r"Option (?P<v>.+) does not take a value\.", "选项 {v} 后面不能写值。"),
    (r"Argument (?P<v>.+) takes (?P<c>\d+) values\.", "参数 {v} 要写 {c} 个值。"),
    (r"Got unexpected extra arguments? \((?P<v>.+)\)", "多了参数：{v}。"),
    (r"Missing command\.", "缺少要执行的命令。"),
]


def _translated(message: str) -> str:
    """click's English sentence in Chinese; anything else (our own Chinese messages) as it is."""
    for pattern, chinese in CLICK_WORDING:
        match = re.fullmatch(pattern, message.strip(), flags=re.DOTALL)
        if match:
            words = {k: "、".join(_unquoted(w) for w in v.split(", ")) if k == "c" else _unquoted(v)
                     for k, v in match.groupdict().items()}
            return chinese.format(**words)
    return message


def _unquoted(text: str) -> str:
    """'abc' → abc: click quotes what was typed with repr()."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        try:
            return str(ast.literal_eval(text))
        except (ValueError, SyntaxError):
            return text[1:-1]
    return text
