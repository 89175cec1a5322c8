"""`kb audit-pack`: make an audit pack as of a date, or verify one."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import click

from supportkb.cli.commands.options import IsoDate, root_option
from supportkb.errors import FindingsReported


@click.command("audit-pack")
@click.option(
    "--as-of",
    "as_of",
    type=IsoDate(),
    default=None,
    help="The date the pack describes: the register, the versions in force, the records as "
    "they stood on that day.",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    metavar="PACK.zip",
    help="The zip file to write (replaced only if it is an earlier audit pack).",
)
@click.option(
    "--include-restricted",
    is_flag=True,
    help="Put restricted documents' text and history in the pack too (default: the register "
    "names them by id, type, owner and status only).",
)
@click.option("--force", is_flag=True, help="Replace --output even when it is not an audit pack.")
@click.option(
    "--verify",
    type=click.Path(path_type=Path),
    default=None,
    metavar="PACK.zip",
    help="Check a pack against its manifest instead: exit 0 when intact, 1 naming each file "
    "that differs, is missing or is extra.",
)
@root_option
def audit_pack_command(
    as_of: date | None,
    output: Path | None,
    include_restricted: bool,
    force: bool,
    verify: Path | None,
    root: Path,
) -> None:
    """Make an audit pack (a zip) of the controlled documents as of a date, or verify one.

    The pack holds the register as of --as-of (CSV and HTML), for every SOP, emergency plan
    and policy its history (the JSON of `kb history --json`) and the text of the version in
    force on that date (Markdown and self-contained HTML), the approvals, reviews and drill
    records with the drill reports as they stood, the commit it was made from and
    manifest.json with the SHA-256 of every file. It is written at once (never half a zip),
    and the same commit, date and options give the same bytes. History is read from git: a
    shallow clone is refused (run `git fetch --unshallow`), and so are documents with changes
    not committed.

    --verify PACK.zip recomputes the manifest: exit 0 when intact, 1 naming each file that
    differs, is missing or is extra, or when the file is not a pack or an unsafe zip.
    """
    if verify is not None:
        if as_of is not None or output is not None or include_restricted or force:
            raise click.UsageError("--verify checks a pack: give it alone (no --as-of, --output)")
        _verify(verify)
        return
    if as_of is None or output is None:
        raise click.UsageError("give --as-of DATE and --output PACK.zip (or --verify PACK.zip)")
    from supportkb.audit.pack import make_pack, write_pack

    pack = make_pack(root, as_of, include_restricted)
    data = write_pack(pack, output, force)
    withheld = f", {len(pack.withheld)} restricted named only" if pack.withheld else ""
    click.echo(
        f"{output}: audit pack as of {as_of} from commit {pack.commit[:12]}: "
        f"{len(pack.documents)} documents{withheld}, {len(pack.files)} files, {len(data):,} bytes"
    )
    click.echo(f"SHA-256 {hashlib.sha256(data).hexdigest()}  {output.name}")


def _verify(path: Path) -> None:
    from supportkb.audit.verification import verify_pack

    result = verify_pack(path)
    commit = str(result.manifest.get("commit"))[:12]
    facts = f"as of {result.manifest.get('as_of')}, commit {commit}"
    if result.intact:
        click.echo(f"{path}: intact: {result.checked} files match the manifest ({facts})")
        return
    for label, names in (
        ("differs", result.changed),
        ("missing", result.missing),
        ("extra", result.extra),
    ):
        for name in names:
            click.echo(f"{path}: {name}: {label}")
    problems = len(result.changed) + len(result.missing) + len(result.extra)
    click.echo(f"{path}: NOT intact: {problems} of its files do not match the manifest ({facts})")
    raise FindingsReported()
