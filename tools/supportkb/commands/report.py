"""`kb report`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from supportkb.commands.options import as_of_option, root_option
from supportkb.knowledge_base import load_knowledge_base
from supportkb.report import FORMATS, build_report


@click.command("report")
@as_of_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(sorted(FORMATS)),
    default="markdown",
    show_default=True,
    help="markdown for people and job summaries, json or csv for tools.",
)
@root_option
def report_command(as_of: date | None, output_format: str, root: Path) -> None:
    """Reviews overdue and due soon (by owner), inactive owners, drills overdue, SOPs out of date
    with the product version, and health figures per type and per owner. Always exits 0 when
    the report could be made; `kb check` is the gate."""
    report = build_report(load_knowledge_base(root), as_of or date.today())
    click.echo(FORMATS[output_format](report))
