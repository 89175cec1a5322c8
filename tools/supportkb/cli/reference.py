"""The commands' reference page (`docs/contributing/reference/commands.md`), written from the
Click commands themselves, so that it says what this version of `kb` does.

`make reference` rewrites the page; `tests/test_docs.py` fails when the page and the commands
differ, or when a command or an option has no help. (The other reference pages are generated
with the site by `supportkb.site.reference`; this one is written ahead because the site stands
below the command line and must not import it.)
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import click

from supportkb.cli.main import cli
from supportkb.site.reference import REFERENCE_FOLDER, markdown_table
from supportkb.system.atomic import write_atomic

PAGE = f"docs/{REFERENCE_FOLDER}/commands.md"


def kb_commands() -> list[tuple[str, click.Command]]:
    """Every `kb` subcommand, in `kb --help` order."""
    group = cli
    context = click.Context(group, info_name="kb")
    found = []
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if command is not None:
            found.append((name, command))
    return found


def documented_params(command: click.Command) -> list[click.Parameter]:
    """The parameters a reader may type (Click's own `--help` is left out)."""
    return [param for param in command.params if param.name != "help"]


def param_names(param: click.Parameter) -> str:
    if isinstance(param, click.Argument):
        return param.human_readable_name.upper()
    return ", ".join(f"`{name}`" for name in [*param.opts, *param.secondary_opts])


def param_help(param: click.Parameter) -> str:
    if isinstance(param, click.Option):
        return param.help or ""
    return ""


def _param_row(param: click.Parameter) -> tuple[str, str]:
    help_text = param_help(param)
    if isinstance(param, click.Option) and isinstance(param.type, click.Choice):
        help_text += " (" + ", ".join(str(choice) for choice in param.type.choices) + ")"
    return (param_names(param), help_text or "(argument: see above)")


def _command_section(name: str, command: click.Command) -> str:
    context = click.Context(command, info_name=f"kb {name}")
    usage = " ".join(command.collect_usage_pieces(context))
    parts = [
        f"## `kb {name}`",
        f"`kb {name} {usage}`",
        inspect.cleandoc(command.help or ""),
        markdown_table(("option", "meaning"), [_param_row(p) for p in documented_params(command)]),
    ]
    return "\n\n".join(part for part in parts if part)


def commands_page() -> str:
    group = cli
    overview = [
        (f"[`kb {name}`](#kb-{name})", command.get_short_help_str(90))
        for name, command in kb_commands()
    ]
    global_options = [_param_row(p) for p in documented_params(group)]
    return "\n\n".join(
        [
            "# 指令 Commands",
            "`kb` (or `python -m supportkb`) is installed by `make setup` as `.venv/bin/kb`. "
            "Every command takes `-C PATH` to work on another checkout. Exit codes: 0 done, "
            "1 findings or a failed command, 2 bad usage or an unreadable configuration, 3 an "
            "unexpected error (a bug: its traceback goes to a log file whose path is printed).",
            markdown_table(("command", "what it does"), overview),
            "Options of `kb` itself:",
            markdown_table(("option", "meaning"), global_options),
            *(_command_section(name, command) for name, command in kb_commands()),
        ]
    )


def main() -> None:
    """`python -m supportkb.cli.reference [ROOT]`: rewrite the page in the checkout ROOT."""
    root = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    write_atomic(root / PAGE, (commands_page() + "\n").encode("utf-8"))


if __name__ == "__main__":
    main()
