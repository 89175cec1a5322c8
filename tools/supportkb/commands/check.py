"""`kb check`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from supportkb.check import check
from supportkb.errors import FatalError
from supportkb.formats import FORMATTERS


class IsoDate(click.ParamType):  # type: ignore[type-arg]
    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD", param, ctx)


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@click.option(
    "--as-of",
    type=IsoDate(),
    default=None,
    help="Judge freshness as of this date (default: today).",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(FORMATTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for workflow "
    "annotations, junit for CI dashboards.",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--no-cache", is_flag=True, help="Re-read every file instead of using the cache.")
@click.pass_obj
def check_command(
    root: Path,
    paths: tuple[str, ...],
    as_of: date | None,
    output_format: str,
    strict: bool,
    no_cache: bool,
) -> None:
    """Validate documents, owners, freshness and structure.

    With PATHS, report only on those files (for pre-commit); rules that look across documents
    still see the whole knowledge base. Exit code 0 when clean, 1 on errors (or on warnings
    with --strict), 2 on bad usage or an unreadable mkdocs.yml/owners.yml.
    """
    from supportkb.cli import fail

    try:
        result = check(root, as_of or date.today(), paths, use_cache=not no_cache)
    except FatalError as exc:
        raise fail(exc) from None
    click.echo(FORMATTERS[output_format](result))
    if result.failed(strict):
        raise SystemExit(1)
