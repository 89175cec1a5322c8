"""`kb review`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from supportkb.authoring.review import BUMPS, record_review
from supportkb.cli.commands.options import IsoDate, root_option


@click.command("review")
@click.argument("doc_id", metavar="ID")
@click.option("--by", "reviewer", help="Person id of the reviewer (default: you, by git e-mail).")
@click.option("--date", "on", type=IsoDate(), default=None, help="Review date (default: today).")
@click.option(
    "--bump",
    type=click.Choice(BUMPS),
    help="Also raise the version and add a revision-history row.",
)
@click.option(
    "--note", help="Description for the revision-history row (with --bump); one line of text."
)
@root_option
def review_command(
    doc_id: str,
    reviewer: str | None,
    on: date | None,
    bump: str | None,
    note: str | None,
    root: Path,
) -> None:
    """Record a review of document ID in place.

    Sets last_reviewed and adds the reviewer to reviewers; every other byte of the file is kept
    (comments, key order, quoting, blank lines, line ends, the body). The edited file is read
    back as kb check reads it and written only if it says exactly that; otherwise nothing is
    written. Runs in the same checkout (and kb new) wait for each other.
    """
    if note is not None and bump is None:
        raise click.UsageError("--note describes a new version: use it with --bump")
    record = record_review(root, doc_id, reviewer, on or date.today(), bump, note)
    message = f"{record.path.relative_to(root)}: reviewed by {record.reviewer} on {record.on}"
    if record.version:
        message += f", version {record.version}"
    click.echo(message)
