"""`kb schema`."""

from __future__ import annotations

from pathlib import Path

import click

from supportkb.authoring.schema import SCHEMA_FILE, schema_text
from supportkb.cli.commands.options import root_option
from supportkb.system.atomic import write_atomic


@click.command("schema")
@click.option("--write", is_flag=True, help=f"Write it to {SCHEMA_FILE} instead of printing it.")
@root_option
def schema_command(write: bool, root: Path) -> None:
    """Print the JSON Schema of the front-matter (generated from the checker's own field table).

    Editors use it to flag a wrong field while typing; `--write` refreshes the shipped copy.
    """
    if write:
        write_atomic(root / SCHEMA_FILE, schema_text().encode("utf-8"))
        click.echo(SCHEMA_FILE)
    else:
        click.echo(schema_text(), nl=False)
