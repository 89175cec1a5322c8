"""The `kb` command line: a thin Click layer over the library.

Each command parses its options, calls one library function and prints the result. What ends
a command is translated here, in one place (`KbGroup.invoke`), as pre-commit's
`error_handler` does:

- a library error (`supportkb.errors.FatalError`) becomes its message on stderr and its
  `exit_code` (1 a user error or findings, 2 bad usage or unreadable settings);
- Ctrl-C ends quietly with 130, as a shell reports a command killed by SIGINT;
- a reader that went away (`kb search VPN | head -1`) ends it quietly with 141 (SIGPIPE's);
- anything else is a bug: a short message and exit code 3, its traceback written to a log
  file in the user's cache folder (never in the checkout) whose path is printed.

A command's module is imported when the command runs (or its help is shown), not on every
start: `kb --help` does not import Whoosh, `kb search` does not pay for the site builder's
imports (Click's "lazily loading subcommands" pattern).
"""

from __future__ import annotations

import os
import platform
import sys
import traceback
from datetime import UTC, datetime
from importlib import import_module
from pathlib import Path
from typing import Any

import click
from click.exceptions import NoSuchCommand

from supportkb import __version__
from supportkb.errors import FatalError

BUG_EXIT_CODE = 3
INTERRUPTED_EXIT_CODE = 130  # 128 + SIGINT, what a shell reports after Ctrl-C
READER_GONE_EXIT_CODE = 141  # 128 + SIGPIPE, what a shell reports when the pipe's reader left
LOG_NAME = "kb.log"

# name -> (module under supportkb.cli.commands, the command's function); `kb --help` lists them
# in this order (the order of the work: check and write, then build, index, search, serve)
COMMANDS = {
    "check": ("check", "check_command"),
    "new": ("new", "new_command"),
    "review": ("review", "review_command"),
    "approve": ("approve", "approve_command"),
    "history": ("history", "history_command"),
    "show": ("history", "show_command"),
    "diff": ("history", "diff_command"),
    "audit-pack": ("audit_pack", "audit_pack_command"),
    "report": ("report", "report_command"),
    "codeowners": ("codeowners", "codeowners_command"),
    "schema": ("schema", "schema_command"),
    "build": ("build", "build_command"),
    "index": ("index", "index_command"),
    "search": ("search", "search_command"),
    "serve": ("serve", "serve_command"),
}


class KbGroup(click.Group):
    """The `kb` group: commands loaded on first use, every outcome translated in `invoke`.
    Commands added with `add_command` come first (a test can add one to its own group)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in super().list_commands(ctx) if name not in COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        added = super().get_command(ctx, cmd_name)
        if added is not None or cmd_name not in COMMANDS:
            return added
        module, name = COMMANDS[cmd_name]
        command = getattr(import_module(f"supportkb.cli.commands.{module}"), name)
        assert isinstance(command, click.Command) and command.name == cmd_name
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except NoSuchCommand as exc:  # Click suggests from loaded commands: none are, yet
            known = self.list_commands(ctx)
            raise NoSuchCommand(exc.command_name, possibilities=known, ctx=ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        """The one translation point (see the module's docstring)."""
        try:
            return super().invoke(ctx)
        except FatalError as exc:  # "Error: ..." as Click writes its own; none for findings
            if str(exc):
                click.echo(f"Error: {exc}", err=True)
            raise click.exceptions.Exit(exc.exit_code) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # Click's own: usage errors (exit 2) and explicit exits
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            raise click.exceptions.Exit(INTERRUPTED_EXIT_CODE) from None
        except BrokenPipeError:
            # nobody reads what is left: send it nowhere, or Python's last flush fails again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(READER_GONE_EXIT_CODE) from None
        except Exception:
            click.echo(bug_report(), err=True)
            raise click.exceptions.Exit(BUG_EXIT_CODE) from None


def bug_report() -> str:
    """Write the exception being handled to the log file; the short message for the user."""
    error = sys.exception()
    summary = f"{type(error).__name__}: {error}"[:300]
    try:
        path = write_bug_log(traceback.format_exc())
    except OSError as exc:  # no cache folder: the traceback goes to stderr instead
        return (
            f"kb: an unexpected error ({summary}); the log could not be written "
            f"({exc.strerror}), so here is its traceback:\n{traceback.format_exc()}"
        )
    return (
        f"kb: an unexpected error, a bug in supportkb ({summary}).\n"
        f"The details are in {path}: please attach that file when you report it."
    )


def write_bug_log(trace: str) -> Path:
    """The log in the user's cache folder, replaced whole (a temporary file and a rename), so
    two failing commands never interleave their lines: it holds the last bug's report."""
    from supportkb.system.atomic import write_atomic
    from supportkb.workspace.cache import cache_directory

    path = cache_directory() / LOG_NAME
    report = "\n".join(
        [
            "### supportkb bug report",
            f"when:     {datetime.now(UTC).isoformat(timespec='seconds')}",
            f"version:  supportkb {__version__}, Python {platform.python_version()}, "
            f"{platform.platform()}",
            f"command:  {' '.join(sys.argv)}",
            f"folder:   {os.getcwd()}",
            "",
            trace,
        ]
    )
    write_atomic(path, report.encode("utf-8", "backslashreplace"), durable=False)
    return path


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
