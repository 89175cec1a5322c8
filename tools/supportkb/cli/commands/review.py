"""`kb review`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from supportkb.authoring.identity import PersonNeeded, shown
from supportkb.authoring.review import BUMPS, record_review
from supportkb.cli.commands.new import OneOf, interactive
from supportkb.cli.commands.options import IsoDate, root_option


@click.command("review")
@click.argument("doc_id", metavar="ID")
@click.option(
    "--by",
    "reviewer",
    metavar="PERSON",
    help="Person id of the reviewer in owners.yml (default: the person whose e-mail is git's "
    "user.email; when there is none, kb review asks on a terminal, else lists the people).",
)
@click.option("--date", "on", type=IsoDate(), default=None, help="Review date (default: today).")
@click.option(
    "--bump",
    type=click.Choice(BUMPS),
    help="Also raise the version and add a revision-history row (SOPs, emergency plans and "
    "policies; an article has no version). The new version is not approved: the document "
    "becomes in-review and its approved_by, approved_on and effective are removed until "
    "kb approve records the approval.",
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

    Without --by, the reviewer is the person whose e-mail is git's user.email; when owners.yml
    has nobody with it, kb review asks for the reviewer on a terminal and otherwise stops,
    listing the people to name with --by. --bump on an article is refused (exit code 1):
    articles carry no version. After --bump, run kb approve once the new version is approved.
    """
    if note is not None and bump is None:
        raise click.UsageError("--note describes a new version: use it with --bump")
    try:
        record = record_review(root, doc_id, reviewer, on or date.today(), bump, note)
    except PersonNeeded as needed:
        if reviewer is not None or not needed.candidates or not interactive():
            raise
        chosen = _choose_reviewer(needed)
        record = record_review(root, doc_id, chosen, on or date.today(), bump, note)
    message = f"{record.path.relative_to(root)}: reviewed by {record.reviewer} on {record.on}"
    if record.version:
        message += f", version {record.version}"
        if record.status is not None:
            message += f", now {record.status.value}"
        if record.cleared:
            message += f" (removed {', '.join(record.cleared)}: they were the previous version's)"
        message += (
            f"\nnext: once version {record.version} is approved, record it: kb approve "
            f"{record.document_id} --by PERSON [--effective YYYY-MM-DD]"
        )
    click.echo(message)


def _choose_reviewer(needed: PersonNeeded) -> str:
    """Ask who reviewed (on a terminal, on standard error): a person id of owners.yml."""
    from supportkb.documents.fields import did_you_mean

    who = (
        f"git's user.email ({shown(needed.email)})"
        if needed.email
        else "git's user.email (not set)"
    )
    click.echo(f"{who} is nobody's in owners.yml. People:", err=True)
    for candidate in needed.candidates:
        click.echo(f"  {candidate.id}  {candidate.name}", err=True)
    ids = [c.id for c in needed.candidates]
    return str(
        click.prompt(
            "Reviewer (person id)",
            type=OneOf({i: i for i in ids}, lambda text: did_you_mean(text, ids)),
            err=True,
        )
    )
