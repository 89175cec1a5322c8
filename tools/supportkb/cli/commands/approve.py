"""`kb approve`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from supportkb.authoring.approve import record_approval
from supportkb.cli.commands.options import IsoDate, root_option


@click.command("approve")
@click.argument("doc_id", metavar="ID")
@click.option(
    "--by",
    "approver",
    metavar="PERSON",
    required=True,
    help="Person id of the approver in owners.yml (an active person; a team approves nothing).",
)
@click.option(
    "--effective",
    type=IsoDate(),
    default=None,
    help="Day the version takes effect (default: the approval's day); not before the approval.",
)
@click.option(
    "--date", "on", type=IsoDate(), default=None, help="Day of the approval (default: today)."
)
@root_option
def approve_command(
    doc_id: str, approver: str, effective: date | None, on: date | None, root: Path
) -> None:
    """Record the approval of the current version of document ID in place.

    Sets approved_by, approved_on, status: published and effective, and puts the approver in
    the version's revision-history row when it says 待核准 pending; every other byte of the
    file is kept, and the edited file is read back as kb check reads it and written only if it
    says exactly that. SOPs, emergency plans and policies only (an article has no version:
    exit code 1). The approver must be an active person of owners.yml. An --effective before
    the approval is refused (exit code 2): the version would have been in force before anyone
    approved it.

    When the approver is the author of the change (the last commit of the file, or git's user
    when it has uncommitted changes), a warning says so on standard error (segregation of
    duties); the approval is recorded all the same (exit code 0).
    """
    record = record_approval(root, doc_id, approver, on or date.today(), effective)
    for warning in record.warnings:
        click.echo(f"Warning: {warning}", err=True)
    message = (
        f"{record.path.relative_to(root)}: version {record.version} approved by "
        f"{record.approver} on {record.on}, effective {record.effective}"
    )
    if record.row_filled:
        message += "; revision-history row filled in"
    click.echo(message)
