"""How a command stops: one line in Chinese for the admin, never a traceback or click's 「Error: …」."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError


class Refused(click.ClickException):
    """Raise to stop a CLI command with one line for the admin; exit code 1 as click's own."""

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", file=file, err=file is None)


NOT_MIGRATED = ("DATABASE_URL 指向的数据库还没有建表（未迁移）。请先运行：flask --app bot db upgrade，"
                "然后重新执行本命令。")


class Commands(AppGroup):
    """A command group whose commands, run against a database that was never migrated, say so."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as exc:
            if _missing_table(exc):
                raise Refused(NOT_MIGRATED) from None
            raise


def _missing_table(exc) -> bool:
    # PostgreSQL: undefined_table (42P01); SQLite says it in words
    return getattr(exc.orig, "sqlstate", None) == "42P01" or "no such table" in str(exc.orig)
