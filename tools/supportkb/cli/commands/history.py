"""`kb history`, `kb show` and `kb diff`: a document's versions, the text in force on a day,
and what changed between two versions."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click

from supportkb.cli.commands.options import IsoDate, root_option
from supportkb.errors import FatalError, InvalidUsage
from supportkb.history.comparison import Side, comparison_page, field_changes, unified
from supportkb.history.export import history_object
from supportkb.history.reading import document_history
from supportkb.history.records import DocumentHistory, Version
from supportkb.history.revision_table import revision_rows


def _day(value: date | None) -> str:
    return value.isoformat() if value is not None else "—"


def _name(version: Version) -> str:
    return version.version or version.commit[:10]


@click.command("history")
@click.argument("doc_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the history as one JSON object.")
@click.option(
    "--date",
    "on",
    type=IsoDate(),
    default=None,
    help="The day whose version in force is marked (default: today).",
)
@root_option
def history_command(doc_id: str, as_json: bool, on: date | None, root: Path) -> None:
    """Every version of document ID, newest first, and the reviews recorded.

    For each version: its status, effective date, approver and approval date, the change its
    revision-history row describes, and the commit, date and author that recorded it; the
    version in force on --date is marked. Read from git, following renames: a shallow clone
    is refused (run `git fetch --unshallow`). --json prints a stable object (its keys are
    described in the reference: Contributing › Reference › History).
    """
    day = on or date.today()
    document, history = document_history(root, doc_id)
    if as_json:
        click.echo(json.dumps(history_object(history, document.title, day), ensure_ascii=False))
        return
    click.echo(f"{document.id} {document.title} ({document.path})")
    in_force = history.in_force_on(day)
    if not history.revisions:
        click.echo("Not committed yet: it has no history.")
        return
    click.echo(
        f"In force on {day}: {_described(in_force)}"
        if in_force is not None
        else f"In force on {day}: no version"
    )
    click.echo("")
    header = ("", "VERSION", "STATUS", "EFFECTIVE", "APPROVED BY", "ON", "COMMIT", "DATE", "AUTHOR")
    rows = [header]
    for version in history.versions:
        rows.append(
            (
                "*" if version is in_force else "",
                _name(version),
                version.status.value,
                _day(version.effective),
                version.approved_by or "—",
                _day(version.approved_on),
                version.commit[:10],
                version.date.date().isoformat(),
                version.author.shown,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    click.echo(lines[0].rstrip())
    for line, version in zip(lines[1:], history.versions, strict=True):
        click.echo(line.rstrip())
        if version.change:
            click.echo(" " * (widths[0] + 2) + f"└ {version.change}")
    _echo_reviews(history)
    unreadable = [r for r in history.revisions if r.problem]
    for revision in unreadable:
        click.echo(
            f"Commit {revision.commit[:10]} ({revision.date.date()}): {revision.path} could not "
            f"be read ({revision.problem}); left out of the versions"
        )


def _described(version: Version) -> str:
    approved = f", approved by {version.approved_by}" if version.approved_by else ""
    approved += f" on {version.approved_on}" if version.approved_on else ""
    return (
        f"{_name(version)} (since {version.in_force_from}{approved}; commit {version.commit[:10]})"
    )


def _echo_reviews(history: DocumentHistory) -> None:
    click.echo("")
    if not history.reviews:
        click.echo("Reviews: none recorded")
        return
    click.echo("Reviews:")
    for review in history.reviews:
        click.echo(
            f"  {review.on}  {review.reviewer}  version {review.version or '—'}  "
            f"(commit {review.commit[:10]}, {review.date.date()}, {review.author.shown})"
        )


@click.command("show")
@click.argument("doc_id", metavar="ID")
@click.option(
    "--in-force-on",
    "day",
    type=IsoDate(),
    default=None,
    help="Print the version in force on this date (default: today).",
)
@click.option("--version", "name", metavar="VERSION", help="Print this version instead (1.2).")
@click.option(
    "--no-header", is_flag=True, help="Print the file exactly as committed, with no header."
)
@root_option
def show_command(
    doc_id: str, day: date | None, name: str | None, no_header: bool, root: Path
) -> None:
    """Print document ID's Markdown as it was in force on a date.

    The version in force is the approved version with the latest effective date on or
    before the date (a version approved earlier but effective later is not in force yet). A
    header names the version, its commit and dates. Exit code 1 when no version was in force.
    """
    if day is not None and name is not None:
        raise click.UsageError("--in-force-on and --version each choose a version: give one")
    document, history = document_history(root, doc_id)
    on = day or date.today()
    if name is not None:
        version = _version_named(history, name)
        revision = version.revisions[-1]
        what = f"version {_name(version)}"
    else:
        found = history.in_force_on(on)
        if found is None:
            raise FatalError(_none_in_force(history, on))
        version, revision = found, found.text_on(on)
        what = f"version {_name(version)}, in force on {on}"
    if not no_header:
        click.echo(
            f"<!-- {document.id} {what}: commit {revision.commit} of {revision.date.date()} "
            f"({revision.path}); effective {_day(version.effective)}, approved by "
            f"{version.approved_by or '—'} on {_day(version.approved_on)} -->"
        )
    click.echo(revision.text, nl=False)


def _none_in_force(history: DocumentHistory, on: date) -> str:
    starts = [v for v in reversed(history.versions) if v.in_force_from is not None]
    if not starts:
        return f"{history.id}: no version was in force on {on}: none has been approved"
    first = starts[0]
    if first.in_force_from is not None and first.in_force_from > on:
        message = (
            f"{history.id}: no version was in force on {on}: the first, {_name(first)}, took "
            f"effect on {first.in_force_from}"
        )
        known = {v.version for v in history.versions}
        older = [r for r in revision_rows(first.text) if r.version not in known]
        if older:
            listed = ", ".join(f"{r.version} ({r.date or '—'})" for r in older)
            oldest = history.revisions[-1]
            message += (
                f"; its revision history lists earlier versions ({listed}) whose text is not in "
                f"git (the history starts at commit {oldest.commit[:10]} of "
                f"{oldest.date.date()})"
            )
        return message
    return f"{history.id}: no version was in force on {on}: it had been withdrawn"


def _version_named(history: DocumentHistory, name: str) -> Version:
    version = history.version_named(name)
    if version is None:
        known = ", ".join(dict.fromkeys(_name(v) for v in history.versions)) or "none"
        raise InvalidUsage(f"{history.id} has no version {name!r}; its versions: {known}")
    return version


@click.command("diff")
@click.argument("doc_id", metavar="ID")
@click.argument("old", metavar="FROM")
@click.argument("new", metavar="TO")
@click.option(
    "--html", "as_html", is_flag=True, help="Print the rendered comparison as an HTML page."
)
@root_option
def diff_command(doc_id: str, old: str, new: str, as_html: bool, root: Path) -> None:
    """What changed in document ID between versions FROM and TO (e.g. 1.1 1.2).

    A version is named by its version string or by a commit (at least 4 characters of its
    sha). Prints a unified diff of the whole file, front-matter and body; --html prints a
    page (no external resource) with the front-matter changes and the comparison.
    """
    document, history = document_history(root, doc_id)
    before, after = _version_named(history, old), _version_named(history, new)
    old_side, new_side = Side.of(document.id, before), Side.of(document.id, after)
    if as_html:
        title = f"{document.id} {_name(before)} → {_name(after)}：{document.title}"
        click.echo(
            comparison_page(title, old_side, new_side, field_changes(before, after)), nl=False
        )
        return
    click.echo(unified(old_side, new_side), nl=False)
