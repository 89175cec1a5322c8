"""`kb build`."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import click

from supportkb.cli.commands.options import as_of_option, root_option
from supportkb.site.build import build_site
from supportkb.site.sources import AUDIENCES


@click.command("build")
@as_of_option
@click.option(
    "--site-dir", type=click.Path(file_okay=False, path_type=Path), help="Where to write the site."
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    help="Override the plugin's audience (public, internal, restricted).",
)
@click.option("--no-strict", is_flag=True, help="Do not fail on MkDocs warnings (broken links).")
@root_option
def build_command(
    as_of: date | None, site_dir: Path | None, audience: str | None, no_strict: bool, root: Path
) -> None:
    """Check the knowledge base, then build the site.

    Findings are listed but do not stop the build: stale documents are published with banners.
    Exit code 1 only when the site cannot be built.
    """
    _show_mkdocs_messages()
    result = build_site(
        root, as_of or date.today(), site_dir, strict=not no_strict, audience=audience
    )
    summary = result.check
    click.echo(
        f"kb check: {summary.errors} errors, {summary.warnings} warnings "
        f"(run `kb check` for details)",
        err=True,
    )
    if result.history_problem:
        click.echo(
            f"warning: the site is built without history: {result.history_problem}", err=True
        )
    click.echo(f"site built in {result.site_dir}")


def _show_mkdocs_messages() -> None:
    """MkDocs reports broken links through logging: show its warnings on stderr."""
    logger = logging.getLogger("mkdocs")
    for old in [h for h in logger.handlers if getattr(h, "supportkb", False)]:
        logger.removeHandler(old)  # one handler, on the current stderr
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s - %(message)s"))
    handler.setLevel(logging.WARNING)
    handler.supportkb = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
