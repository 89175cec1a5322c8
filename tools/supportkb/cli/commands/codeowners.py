"""`kb codeowners`."""

from __future__ import annotations

from pathlib import Path

import click

from supportkb.cli.commands.options import root_option
from supportkb.workspace.codeowners import CODEOWNERS_FILE, write_codeowners
from supportkb.workspace.knowledge_base import load_knowledge_base


@click.command("codeowners")
@root_option
def codeowners_command(root: Path) -> None:
    """Write .github/CODEOWNERS from the documents' owners.

    A pull request that touches a document then asks its owner for review. A folder gets one
    line for the owner of most of its documents (`/kb/printing/ @team`), so that a new document
    of that owner needs no new line; a document owned by someone else gets its own line, and
    one whose owner is inactive a line naming nobody. Owners are written as their `github`
    handle from owners.yml (a team without one: its active members), else their e-mail. Lines
    outside the generated block are kept.
    """
    kb = load_knowledge_base(root)
    changed = write_codeowners(root, kb.documents, kb.registry)
    click.echo(f"{CODEOWNERS_FILE}: {'updated' if changed else 'already up to date'}")
