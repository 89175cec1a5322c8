"""The `kb` command line: a thin Click layer over the library.

Each command parses its options, calls one library function and prints the result. Library
errors (`FatalError`) become a message on stderr and an exit code here, in one place:
1 for a user error, 2 for bad usage or an unreadable configuration.

A command's module is imported when the command runs (or its help is shown), not on every
start: `kb search` does not pay for the site builder's imports (Click's "lazily loading
subcommands" pattern).
"""

from __future__ import annotations

import gc
import sys
from importlib import import_module
from pathlib import Path
from typing import Any

import click
from click.exceptions import NoSuchCommand

from supportkb import __version__
from supportkb.errors import ConfigError, FatalError, InvalidUsage


class ConfigException(click.ClickException):
    """An unreadable `mkdocs.yml` or `owners.yml`: exit code 2, like bad usage."""

    exit_code = 2


def as_click_exception(exc: FatalError) -> click.ClickException:
    if isinstance(exc, ConfigError):
        return ConfigException(str(exc))
    if isinstance(exc, InvalidUsage):
        return click.UsageError(str(exc))
    return click.ClickException(str(exc))


# name -> (module under supportkb.cli.commands, the command's function); `kb --help` lists them
# in this order (the order of the work: check and write, then build, index, search, serve)
COMMANDS = {
    "check": ("check", "check_command"),
    "new": ("new", "new_command"),
    "review": ("review", "review_command"),
    "report": ("report", "report_command"),
    "codeowners": ("codeowners", "codeowners_command"),
    "schema": ("schema", "schema_command"),
    "build": ("build", "build_command"),
    "index": ("index", "index_command"),
    "search": ("search", "search_command"),
    "serve": ("serve", "serve_command"),
}


def _import_for_good(name: str) -> Any:
    """Import a command's module with the garbage collector paused, the first time also
    freezing what is loaded so far: modules live until the process ends, so scanning them
    again and again (while importing NumPy and Whoosh, and at exit) only costs time, about
    0.1 s of a cold `kb search`."""
    global _frozen
    if name in sys.modules:
        return sys.modules[name]
    enabled = gc.isenabled()
    gc.disable()
    try:
        return import_module(name)
    finally:
        if not _frozen:
            gc.freeze()
            _frozen = True
        if enabled:
            gc.enable()


_frozen = False


class KbGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        module, name = COMMANDS[cmd_name]
        command = getattr(_import_for_good(f"supportkb.cli.commands.{module}"), name)
        assert isinstance(command, click.Command) and command.name == cmd_name
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except NoSuchCommand as exc:  # Click suggests from loaded commands: none are, yet
            raise NoSuchCommand(exc.command_name, possibilities=COMMANDS, ctx=ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except FatalError as exc:
            raise as_click_exception(exc) from None


@click.group(cls=KbGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kb")
@click.option(
    "-C",
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The knowledge base checkout to work on (default: the current directory).",
)
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """supportkb: check, index and publish a support centre's knowledge base."""
    ctx.obj = root


def main() -> None:
    cli(prog_name="kb")
