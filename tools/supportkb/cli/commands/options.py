"""Options and parameter types shared by the `kb` commands."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from supportkb.system.safe_read import UnsafeFile, read_regular, read_stream

F = TypeVar("F", bound=Callable[..., Any])


class IsoDate(click.ParamType):  # type: ignore[type-arg]
    """A date written YYYY-MM-DD; anything else is a usage error (exit code 2)."""

    name = "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD", param, ctx)


MAX_PATH_LIST_BYTES = 16 * 1024 * 1024  # 100,000 paths of 160 bytes


class PathList(click.ParamType):  # type: ignore[type-arg]
    """A file listing paths, one a line ('-': standard input), read as UTF-8 up to 16 MB.
    Only a regular file (or standard input) is read: a FIFO or a device such as /dev/zero
    would block or never end, so it is a usage error (exit code 2), as is a list too long."""

    name = "FILE"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, ...]:
        if isinstance(value, tuple):
            return value
        try:
            if value == "-":
                raw = read_stream(sys.stdin.buffer, MAX_PATH_LIST_BYTES)
            else:
                raw = read_regular(str(value), MAX_PATH_LIST_BYTES)
            text = raw.decode("utf-8-sig")
        except UnsafeFile as exc:
            self.fail(f"{value}: {exc.message}", param, ctx)
        except OSError as exc:
            self.fail(f"{value}: cannot be read ({exc.strerror})", param, ctx)
        except UnicodeDecodeError:
            self.fail(f"{value}: is not UTF-8 text", param, ctx)
        return tuple(line.strip() for line in text.splitlines() if line.strip())


def _resolve_root(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path:
    root = value or ctx.obj
    if root is None:  # like git: the nearest folder upwards that holds a mkdocs.yml
        here = Path.cwd()
        root = next((p for p in (here, *here.parents) if (p / "mkdocs.yml").is_file()), here)
    if not Path(root).is_dir():
        raise click.BadParameter(f"{root} is not a directory", ctx, param)
    return Path(root)


def root_option(command: F) -> F:
    """`-C/--root DIR` on every command (as `kb -C DIR ...` works too)."""
    return click.option(
        "-C",
        "--root",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        callback=_resolve_root,
        help="The knowledge base checkout to work on (default: the current directory).",
    )(command)


def as_of_option(command: F) -> F:
    """`--as-of DATE`: judge freshness as of a date (tests and reruns pass one)."""
    return click.option(
        "--as-of",
        type=IsoDate(),
        default=None,
        help="Judge freshness as of this date (default: today).",
    )(command)


def index_dir_option(command: F) -> F:
    """`--index-dir DIR`: where the search index lives (default: mkdocs.yml's index_dir)."""
    return click.option(
        "--index-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="The search index folder (default: .kb-index, or index_dir in mkdocs.yml).",
    )(command)


def analytics_option(help_text: str) -> Callable[[F], F]:
    """`--analytics FILE`: `kb serve`'s search log (written by serve, read by report)."""

    def decorate(command: F) -> F:
        from supportkb.reporting.search_log import DEFAULT_FILE

        return click.option(
            "--analytics",
            type=click.Path(dir_okay=False, path_type=Path),
            default=Path(DEFAULT_FILE),
            show_default=True,
            help=help_text,
        )(command)

    return decorate
