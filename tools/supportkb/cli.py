"""The `kb` command line: a thin Click layer over the library.

Each command parses its options, calls one library function and prints the result. Library
errors (`FatalError`) become a message on stderr and an exit code here, in one place:
1 for a user error, 2 for bad usage or an unreadable configuration.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from supportkb import __version__
from supportkb.commands.build import build_command
from supportkb.commands.check import check_command
from supportkb.commands.codeowners import codeowners_command
from supportkb.commands.index import index_command
from supportkb.commands.new import new_command
from supportkb.commands.report import report_command
from supportkb.commands.review import review_command
from supportkb.commands.schema import schema_command
from supportkb.commands.search import search_command
from supportkb.commands.serve import serve_command
from supportkb.errors import ConfigError, FatalError, InvalidUsage


class ConfigException(click.ClickException):
    """An unreadable `mkdocs.yml` or `owners.yml`: exit code 2, like bad usage."""

    exit_code = 2


def as_click_exception(exc: FatalError) -> click.ClickException:
    if isinstance(exc, ConfigError):
        return ConfigException(str(exc))
    if isinstance(exc, InvalidUsage):
        return click.UsageError(str(exc))
    return click.ClickException(str(exc))


class KbGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FatalError as exc:
            raise as_click_exception(exc) from None


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kb")
@click.option(
    "-C",
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The knowledge base checkout to work on (default: the current directory).",
)
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """supportkb: check, index and publish a support centre's knowledge base."""
    ctx.obj = root


for command in (
    check_command,
    new_command,
    review_command,
    report_command,
    codeowners_command,
    schema_command,
    build_command,
    index_command,
    search_command,
    serve_command,
):
    cli.add_command(command)


def main() -> None:
    cli(prog_name="kb")
