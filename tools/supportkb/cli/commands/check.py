"""`kb check`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from supportkb.checking.check import check
from supportkb.checking.formats import FORMATTERS
from supportkb.cli.commands.options import PathList, as_of_option, root_option
from supportkb.errors import FindingsReported


@click.command("check")
@click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
@root_option
@as_of_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(FORMATTERS)),
    default="text",
    show_default=True,
    help="text for people, json for tools, github for annotations, junit for CI dashboards.",
)
@click.option(
    "--files-from",
    type=PathList(),
    help="Check the files listed in this file, one per line (e.g. a pull request's changes); "
    "'-' reads the list from standard input.",
)
@click.option(
    "--since",
    metavar="REF",
    help="Check the documents changed between the git commit REF (e.g. the base branch, "
    "origin/main) and the working tree, with change control for SOPs, emergency plans and "
    "policies: a changed one must raise its version (version-not-bumped), add a "
    "revision-history row (revision-missing) and, if published, carry an approval dated on or "
    "after the change (approval-missing). Needs the whole history (not a shallow clone).",
)
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--no-cache", is_flag=True, help="Re-read every file instead of using the cache.")
def check_command(
    paths: tuple[str, ...],
    root: Path,
    as_of: date | None,
    output_format: str,
    files_from: tuple[str, ...] | None,
    since: str | None,
    strict: bool,
    no_cache: bool,
) -> None:
    """Validate documents, owners, freshness and structure.

    With PATHS, report only on those files (for pre-commit) and on .github/CODEOWNERS, as the
    whole run does; rules that look across documents still see the whole knowledge base. With
    --since REF (what a pull request runs against its base branch), report on the files
    changed since REF (and PATHS), adding the change control findings. Exit code 0 when
    clean, 1 on errors (or on warnings with --strict), 2 on bad usage (an unknown REF) or an
    unreadable mkdocs.yml/owners.yml.
    """
    if files_from is not None:
        paths += files_from
        if not paths and since is None:
            click.echo("no files to check")
            return
    if since is not None:
        from supportkb.checking.since import check_since

        result = check_since(root, as_of or date.today(), since, paths, use_cache=not no_cache)
    else:
        result = check(root, as_of or date.today(), paths, use_cache=not no_cache)
    click.echo(FORMATTERS[output_format](result))
    if result.failed(strict):
        raise FindingsReported()
