"""`kb index`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from supportkb.cli.commands.options import index_dir_option, root_option
from supportkb.search.indexing.index import build_index


@click.command("index")
@click.option("--rebuild", is_flag=True, help="Start over instead of updating what changed.")
@index_dir_option
@root_option
def index_command(rebuild: bool, index_dir: Path | None, root: Path) -> None:
    """Build or update the search index (incremental: only documents whose content changed,
    appeared or disappeared are touched). The index lives in a git-ignored folder, `.kb-index/`
    unless `index_dir` is set in mkdocs.yml; a build that is stopped leaves the previous index
    in use. There is one index per audience (public, internal, restricted), each holding only
    the documents that audience may see."""
    with _Progress() as progress:
        report = build_index(root, index_dir, rebuild=rebuild, progress=progress)
    for path, why in report.skipped:
        click.echo(f"{path}: not indexed: {why} (run `kb check {path}`)", err=True)
    audiences = ", ".join(f"{name} {count}" for name, count in report.audiences)
    if not report.changed:
        click.echo(f"search index up to date: {report.documents} documents ({audiences})")
        return
    what = "rebuilt" if report.rebuilt else "updated"
    click.echo(
        f"search index {what}: {report.documents} documents "
        f"({len(report.added)} added, {len(report.updated)} changed, "
        f"{len(report.removed)} removed, {len(report.skipped)} not indexed) "
        f"in {report.seconds:.2f} s; by audience: {audiences}"
    )


class _Progress:
    """A progress bar on stderr, shown only when a build takes more than a moment."""

    def __init__(self, after: int = 200) -> None:
        self._after = after
        self._bar: Any = None

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)

    def __call__(self, done: int, total: int) -> None:
        if total < self._after:
            return
        if self._bar is not None and done == 1:  # the next audience's index: a new bar
            self._bar.__exit__(None, None, None)
            self._bar = None
        if self._bar is None:
            self._bar = click.progressbar(length=total, label="indexing", file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(1)
