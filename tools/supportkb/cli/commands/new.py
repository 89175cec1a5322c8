"""`kb new`."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

import click

from supportkb.authoring.new import (
    LANGUAGES,
    CategoryNeeded,
    CodeownersChange,
    CreatedDocument,
    NewDocument,
    create_document,
)
from supportkb.cli.commands.options import IsoDate, root_option
from supportkb.documents.model import ARTICLE_KINDS, DocType
from supportkb.workspace.codeowners import CODEOWNERS_FILE


def interactive() -> bool:
    """Whether someone is there to answer a question (standard input and error are a
    terminal): elsewhere (a script, CI) a missing choice is an error that lists the choices."""
    return sys.stdin.isatty() and sys.stderr.isatty()


class OneOf(click.ParamType):  # type: ignore[type-arg]
    """An answer to a prompt: one of `choices` (what may be typed → the value it stands for);
    anything else is asked again, with `hint` (a did-you-mean) when it has one."""

    name = "choice"

    def __init__(self, choices: Mapping[str, str], hint: Callable[[str], str]) -> None:
        self.choices = choices
        self.hint = hint

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        text = str(value).strip()
        if text in self.choices:
            return self.choices[text]
        hint = self.hint(text)
        self.fail(
            f"{text!r} is not one of those listed" + (f"; {hint}" if hint else ""), param, ctx
        )


def _choose_category(needed: CategoryNeeded) -> str:
    """Ask for one of the existing categories (on a terminal, on standard error)."""
    from supportkb.documents.fields import did_you_mean

    click.echo("Categories of articles (folders under kb/):", err=True)
    choices: dict[str, str] = {}
    for number, category in enumerate(needed.categories, 1):
        named = "" if category.name == category.folder else f"  {category.name}"
        click.echo(f"  {number:>2}. {category.folder}{named}", err=True)
        choices[str(number)] = choices[category.folder] = category.folder
    click.echo("A new category: press Ctrl+C and run again with --new-category FOLDER.", err=True)
    folders = [c.folder for c in needed.categories]
    return str(
        click.prompt(
            "Category (number or folder)",
            type=OneOf(choices, lambda text: did_you_mean(text, folders)),
            err=True,
        )
    )


@click.command("new")
@click.argument("doc_type", metavar="TYPE", type=click.Choice([t.value for t in DocType]))
@click.option("--title", required=True, help="The document's title (one line of text).")
@click.option(
    "--owner",
    help="Person or team id from owners.yml (default: the person whose e-mail is git's "
    "user.email; when there is none, the error lists the teams and people).",
)
@click.option(
    "--category",
    help="Articles: an existing category, the folder under kb/ (vpn, printing); "
    "without it, kb new lists them (and asks, on a terminal). Others: the category field.",
)
@click.option(
    "--new-category",
    metavar="FOLDER",
    help="Articles: create this category, a new folder under kb/ (lower-case letters, digits "
    "and hyphens; a/b for a sub-folder).",
)
@click.option(
    "--kind", type=click.Choice(ARTICLE_KINDS), help="Articles: faq, howto or troubleshooting."
)
@click.option(
    "--slug",
    metavar="WORDS",
    help="The file name after the id: lower-case ASCII letters, digits and hyphens "
    "(default: the title's Latin words; none: the id alone).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="zh-TW",
    show_default=True,
    help="Template language.",
)
@click.option(
    "--date",
    "today",
    type=IsoDate(),
    default=None,
    help="Date of the first revision-history row, in the templates that have one (default: today).",
)
@root_option
def new_command(
    doc_type: str,
    title: str,
    owner: str | None,
    category: str | None,
    new_category: str | None,
    kind: str | None,
    slug: str | None,
    lang: str,
    today: date | None,
    root: Path,
) -> None:
    """Start a new draft document of TYPE (article, sop, emergency-plan, policy).

    Takes the next free id and writes <id>-<slug>.md (kb-0031-vpn-dns.md) in the right folder,
    from the template for its type (and kind), with the required sections and a valid
    front-matter: status draft, and no last_reviewed (nobody has reviewed it yet). Then it
    prints the path (the first line, for scripts) and the next steps: the sections to fill,
    how to check and preview it, how to publish it and what the pull request runs.

    What it cannot guess, it asks for by listing the choices and exiting with code 2: an
    article's category (on a terminal it asks which one instead) and the owner, when git's
    user.email is nobody's in owners.yml.

    When .github/CODEOWNERS exists and the new document needs a line in its generated block,
    the block is rewritten: commit it with the document. Never overwrites a file. Runs in
    the same checkout (and kb review) wait for each other, so each takes its own id. Titles
    and categories are one line of text (no control characters).
    """
    request = NewDocument(DocType(doc_type), title, owner, category, kind, lang, new_category, slug)
    try:
        created = create_document(root, request, today or date.today())
    except CategoryNeeded as needed:
        if category is not None or not needed.categories or not interactive():
            raise
        chosen = NewDocument(
            DocType(doc_type), title, owner, _choose_category(needed), kind, lang, None, slug
        )
        created = create_document(root, chosen, today or date.today())
    click.echo("\n".join(next_steps(root, created)))


def next_steps(root: Path, created: CreatedDocument) -> list[str]:
    """What `kb new` prints: the path first, then what the author does next."""
    path = created.path.relative_to(root).as_posix()
    kb = kb_command()
    lines = [path, "", "Next steps:"]
    if created.sections:
        lines.append(f"  1. Fill in the sections: {', '.join(created.sections)}")
    else:
        lines.append("  1. Write the content (no section is required for this kind)")
    lines += [
        f"  2. Check it:   {kb} check {path}",
        f"  3. Preview it: {kb} serve --watch, then open {_preview_url(root, path)}",
        _publish_step(kb, created.document_id),
        "  5. Open a pull request: it runs kb check on the changed files, "
        "mkdocs build --strict and make test",
    ]
    if created.codeowners is CodeownersChange.UPDATED:
        lines.append(f"Updated {CODEOWNERS_FILE}: commit it with the document.")
    elif created.codeowners is CodeownersChange.ALREADY_DRIFTED:
        lines.append(
            f"{CODEOWNERS_FILE} was out of date before this document (not changed): "
            "run kb codeowners and commit the result."
        )
    return lines


def _publish_step(kb: str, document_id: str) -> str:
    """An article is published once reviewed; an SOP, a plan or a policy once approved."""
    if document_id.startswith(DocType.ARTICLE.id_prefix + "-"):
        return (
            "  4. Publish it once reviewed: set 'status: published' and record the review with "
            f"{kb} review {document_id} (it writes last_reviewed and reviewers)"
        )
    return (
        f"  4. Publish it once reviewed and approved: record the review with {kb} review "
        f"{document_id}, then the approver records the approval with {kb} approve "
        f"{document_id} --by PERSON (it writes status published, approved_by, approved_on "
        "and effective)"
    )


def kb_command() -> str:
    """How to call `kb` again from here: `kb` when the shell finds this very program, else
    its path (`.venv/bin/kb` after `make setup` without an activated environment)."""
    program = Path(sys.argv[0])
    if program.name != "kb" or not program.is_file():
        return "kb"  # run as python -m supportkb, or by a test
    found = shutil.which("kb")
    if found is not None and Path(found).resolve() == program.resolve():
        return "kb"
    try:
        return os.path.relpath(program)
    except ValueError:  # another drive (Windows)
        return str(program)


def _preview_url(root: Path, path: str) -> str:
    """The page's address under `kb serve --watch` with its default host and port."""
    from supportkb.cli.commands.serve import serve_command
    from supportkb.search.indexing.index import page_url
    from supportkb.workspace.settings import mkdocs_settings

    defaults = {param.name: param.default for param in serve_command.params}
    settings = mkdocs_settings(root)
    base = f"http://{defaults['host']}:{defaults['port']}/"
    return page_url(base, path, bool(settings["use_directory_urls"]), str(settings["docs_dir"]))
