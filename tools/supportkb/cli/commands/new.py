"""`kb new`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from supportkb.authoring.new import LANGUAGES, NewDocument, create_document
from supportkb.cli.commands.options import IsoDate, root_option
from supportkb.documents.model import ARTICLE_KINDS, DocType


@click.command("new")
@click.argument("doc_type", metavar="TYPE", type=click.Choice([t.value for t in DocType]))
@click.option("--title", required=True, help="The document's title (one line of text).")
@click.option("--owner", help="Person or team id from owners.yml (default: you, by git e-mail).")
@click.option(
    "--category", help="Articles: folder under kb/ (vpn, applications/erp); others: category."
)
@click.option(
    "--kind", type=click.Choice(ARTICLE_KINDS), help="Articles: faq, howto or troubleshooting."
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="zh-TW",
    show_default=True,
    help="Template language.",
)
@click.option(
    "--date", "today", type=IsoDate(), default=None, help="Date to write (default: today)."
)
@root_option
def new_command(
    doc_type: str,
    title: str,
    owner: str | None,
    category: str | None,
    kind: str | None,
    lang: str,
    today: date | None,
    root: Path,
) -> None:
    """Start a new draft document of TYPE (article, sop, emergency-plan, policy).

    Takes the next free id, writes the file in the right folder from the template for its type
    (and kind), with the required sections and a valid front-matter, and prints its path.
    Never overwrites a file. Runs in the same checkout (and kb review) wait for each other, so
    each takes its own id. Titles and categories are one line of text (no control characters).
    """
    request = NewDocument(DocType(doc_type), title, owner, category, kind, lang)
    path = create_document(root, request, today or date.today())
    click.echo(path.relative_to(root) if path.is_relative_to(root) else path)
