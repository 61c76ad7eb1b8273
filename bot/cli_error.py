"""A command's refusal, said in Chinese: click would print a ClickException as 「Error: …」."""
from __future__ import annotations

import click


class Refused(click.ClickException):
    """Raise to stop a CLI command with one line for the admin; exit code 1 as click's own."""

    def show(self, file=None) -> None:
        click.echo(f"错误：{self.format_message()}", file=file, err=file is None)
