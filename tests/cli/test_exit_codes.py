"""The command line's one translation point (`supportkb.cli.main.KbGroup.invoke`): library
errors become their message and exit code, Ctrl-C 130, a bug 3 with its traceback in a log
file in the user's cache folder (never in the checkout)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from supportkb.cli.main import LOG_NAME, KbGroup, cli
from supportkb.errors import (
    ConfigError,
    FatalError,
    FindingsReported,
    InvalidUsage,
    QuerySyntaxError,
    SearchError,
)

from conftest import KnowledgeBaseFactory


def group_raising(error: BaseException) -> click.Group:
    """A `kb` group with one command, added here only, that raises `error`."""

    @click.group(cls=KbGroup)
    def kb() -> None:
        pass

    @kb.command("fail")
    def fail() -> None:
        raise error

    return kb


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (FatalError("the index is missing"), 1),
        (SearchError("cannot read the query"), 1),
        (QuerySyntaxError("cannot read the query"), 1),
        (ConfigError("mkdocs.yml: bad option"), 2),
        (InvalidUsage("kb/x.md does not exist"), 2),
    ],
)
def test_a_library_error_is_its_message_and_its_exit_code(error: FatalError, code: int) -> None:
    result = CliRunner().invoke(group_raising(error), ["fail"])
    assert result.exit_code == code == error.exit_code
    assert result.output == f"Error: {error}\n"


def test_findings_reported_exit_1_without_a_message() -> None:
    result = CliRunner().invoke(group_raising(FindingsReported()), ["fail"])
    assert (result.exit_code, result.output) == (1, "")


def test_ctrl_c_exits_130_without_a_traceback() -> None:
    result = CliRunner().invoke(group_raising(KeyboardInterrupt()), ["fail"])
    assert result.exit_code == 130
    assert "Traceback" not in result.output and "Aborted" not in result.output


def test_a_bug_exits_3_and_its_traceback_goes_to_a_log_file(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    runner = CliRunner(env={"SUPPORTKB_CACHE_DIR": str(cache)})
    result = runner.invoke(group_raising(RuntimeError("a bug in a command")), ["fail"])
    assert result.exit_code == 3
    log = cache / LOG_NAME
    assert str(log) in result.output and "RuntimeError: a bug in a command" in result.output
    assert "Traceback" not in result.output
    text = log.read_text(encoding="utf-8")
    assert "Traceback (most recent call last)" in text and "raise error" in text
    assert "RuntimeError: a bug in a command" in text
    again = runner.invoke(group_raising(ValueError("another")), ["fail"])
    assert again.exit_code == 3
    assert "ValueError: another" in log.read_text(encoding="utf-8")  # replaced whole
    assert "RuntimeError" not in log.read_text(encoding="utf-8")
    assert [p.name for p in cache.iterdir()] == [LOG_NAME]  # no temporary file left


def test_without_a_writable_cache_folder_the_traceback_goes_to_stderr(tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    runner = CliRunner(env={"SUPPORTKB_CACHE_DIR": str(blocked / "cache")})
    result = runner.invoke(group_raising(RuntimeError("a bug")), ["fail"])
    assert result.exit_code == 3
    assert "Traceback (most recent call last)" in result.output


def test_commands_end_through_the_library_errors_not_system_exit(
    kb: KnowledgeBaseFactory,
) -> None:
    """`kb check` with findings ends with `FindingsReported`: exit code 1, which Click returns
    under `standalone_mode=False` (a `SystemExit` would escape it)."""
    kb.article(owner="nobody")
    args = ["-C", str(kb.root), "check", "--as-of", "2026-11-24"]
    assert cli.main(args, standalone_mode=False) == 1


def test_kb_help_does_not_import_whoosh() -> None:
    script = (
        "import sys\n"
        "from supportkb.cli.main import cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='kb')\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith(('whoosh', 'numpy'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "search" in done.stdout and "serve" in done.stdout


def test_a_reader_that_went_away_ends_kb_quietly(tmp_path: Path) -> None:
    """`kb schema | head -1`: the pipe closes before kb writes; no bug report, no traceback."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path)}
    done = subprocess.Popen(
        [sys.executable, "-m", "supportkb", "schema"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert done.stdout is not None and done.stderr is not None
    done.stdout.close()  # the reader leaves before kb has started
    errors = done.stderr.read().decode()
    assert done.wait(timeout=60) == 141, errors
    assert errors == ""
    assert not (tmp_path / "supportkb" / LOG_NAME).exists()
