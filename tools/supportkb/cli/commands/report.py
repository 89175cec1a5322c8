"""`kb report`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from supportkb.cli.commands.options import analytics_option, as_of_option, root_option
from supportkb.reporting.feedback import feedback_path
from supportkb.reporting.report import FORMATS, build_report, feedback_figures, search_figures
from supportkb.reporting.search_log import SearchLog
from supportkb.workspace.knowledge_base import load_knowledge_base


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
@analytics_option(
    "`kb serve`'s search log: adds searches with no result and not opened, and, from the "
    "feedback file beside it, the documents readers flagged and the articles they asked for."
)
@click.option(
    "--search-days",
    type=click.IntRange(1, 3660),
    default=30,
    show_default=True,
    help="How far back the search and feedback sections look.",
)
@root_option
def report_command(
    as_of: date | None, output_format: str, analytics: Path, search_days: int, root: Path
) -> None:
    """Reviews overdue and due soon (by owner), inactive owners, drills overdue, SOPs out of date
    with the product version, and health figures per type and per owner; with `kb serve`'s
    search log, the searches that found nothing and those whose results nobody opened, and per
    owner the documents readers flagged as not helpful or wrong since their last review (with
    the comments) and the articles asked for. Always exits 0 when the report could be made;
    `kb check` is the gate."""
    day = as_of or date.today()
    log_file = analytics if analytics.is_absolute() else root / analytics
    searches = search_figures(SearchLog(log_file), day, search_days) if log_file.is_file() else None
    kb = load_knowledge_base(root)
    feedback_file = feedback_path(log_file)
    feedback = (
        feedback_figures(feedback_file, kb, day, search_days) if feedback_file.is_file() else None
    )
    report = build_report(kb, day, searches, feedback)
    click.echo(FORMATS[output_format](report))
