"""`kb search`."""

from __future__ import annotations

import html
import json
import re
from datetime import date
from pathlib import Path

import click

from supportkb.cli.commands.options import as_of_option, index_dir_option, root_option
from supportkb.documents.vocabulary import parse_status, parse_type, status_names, type_names
from supportkb.errors import FindingsReported
from supportkb.search.indexing.index import AUDIENCES, DEFAULT_AUDIENCE, index_folder, open_engine
from supportkb.search.query import MAX_LIMIT, SearchRequest, SearchResponse, run_search

_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


@click.command("search")
@click.argument("words", nargs=-1)
@click.option(
    "--type",
    "types",
    multiple=True,
    type=click.Choice(type_names(), case_sensitive=False),
    callback=lambda ctx, param, names: tuple(parse_type(name).value for name in names),
    help="Only this type (or an alias: kb, ep, plan, pol); repeatable.",
)
@click.option("--tag", "tags", multiple=True, help="Only documents with this tag; repeatable.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(status_names(), case_sensitive=False),
    callback=lambda ctx, param, names: tuple(parse_status(name).value for name in names),
    help="Only this status; repeatable.",
)
@click.option(
    "--limit",
    type=click.IntRange(1, MAX_LIMIT),
    default=10,
    show_default=True,
    help="How many results to show.",
)
@click.option(
    "--all",
    "include_all",
    is_flag=True,
    help="Also archived documents (left out by default).",
)
@click.option(
    "--audience",
    type=click.Choice(AUDIENCES),
    default=DEFAULT_AUDIENCE,
    show_default=True,
    help="Search as this audience: only the documents it may see, ranked and corrected "
    "with their words only.",
)
@click.option("--restricted", is_flag=True, help="The same as --audience restricted.")
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the documented JSON object (query, total, took_ms, suggestion, "
    "results) instead of text.",
)
@as_of_option
@index_dir_option
@root_option
def search_command(
    words: tuple[str, ...],
    types: tuple[str, ...],
    tags: tuple[str, ...],
    statuses: tuple[str, ...],
    limit: int,
    include_all: bool,
    audience: str,
    restricted: bool,
    as_json: bool,
    as_of: date | None,
    index_dir: Path | None,
    root: Path,
) -> None:
    """Search the index built by `kb index`. WORDS use the query syntax: words, "a phrase",
    fields (type:sop tag:vpn owner:network status:published product:ERP category:vpn id:KB-0002),
    AND, OR, NOT, prefix*. Traditional and Simplified Chinese find each other. Restricted
    documents are found only with --audience restricted (or --restricted); no filter in the
    query reaches documents outside the audience. Exit code 0 with results, 1 with none."""
    if not " ".join(words).strip():
        raise click.UsageError("give words to search for, e.g. kb search 印表機 離線")
    request = SearchRequest(
        " ".join(words),
        as_of or date.today(),
        types=types,
        tags=tags,
        statuses=statuses,
        limit=limit,
        include_archived=include_all,
    )
    chosen = "restricted" if restricted else audience
    searcher = open_engine(index_folder(root, index_dir), chosen).searcher()
    try:
        response = run_search(searcher, request)
    finally:
        searcher.close()
    if as_json:
        click.echo(json.dumps(response.as_json(), ensure_ascii=False, indent=2))
    else:
        _print(response)
    if not response.total:
        raise FindingsReported()  # exit code 1: nothing found (said above)


def _print(response: SearchResponse) -> None:
    for note in response.notes:
        click.echo(f"note: {note}", err=True)
    if response.suggestion:
        click.echo(f"did you mean: {response.suggestion}")
    if not response.total:
        click.echo(f"no documents match {response.query!r}")
        return
    shown = len(response.results)
    noun = "document" if response.total == 1 else "documents"
    click.echo(f"{response.total} {noun} ({response.took_ms:.0f} ms), showing {shown}:")
    for result in response.results:
        flags = [result.status]
        if result.stale:
            flags.append("OVERDUE for review")
        click.echo("")
        click.echo(
            click.style(f"{result.id}  {result.title}", bold=True)
            + f"  [{result.type}, {', '.join(flags)}]"
        )
        click.echo(f"  {result.path}  owner: {result.owner}")
        click.echo(f"  {_terminal_snippet(result.snippet)}")


def _terminal_snippet(snippet: str) -> str:
    marked = _MARK.sub(lambda m: click.style(m.group(1), fg="yellow", bold=True), snippet)
    return html.unescape(marked)
