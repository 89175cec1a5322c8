"""Every finding's code is written as a literal where the finding is made (`error(...)`,
`warning(...)`), so that the codes can be collected from the source and each checked against
the documented list."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from supportkb.system.safe_read import NotRegularFile, OutsideCheckout, TooLarge, UnsafeFile
from supportkb.workspace.file_analysis import _unsafe_file

PACKAGE = Path(__file__).resolve().parents[2] / "tools" / "supportkb"


def _finding_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("error", "warning")
            ):
                calls.append((f"{path.relative_to(PACKAGE)}:{node.lineno}", node))
    return calls


def test_every_finding_passes_its_code_as_a_literal() -> None:
    calls = _finding_calls()
    assert len(calls) > 30  # the collector sees the call sites
    not_literal = [
        where
        for where, call in calls
        if not (
            len(call.args) > 2
            and isinstance(call.args[2], ast.Constant)
            and isinstance(call.args[2].value, str)
        )
    ]
    assert not_literal == []


def test_the_codes_include_those_once_undocumented() -> None:
    codes = {ast.literal_eval(call.args[2]) for _, call in _finding_calls()}
    assert {"date-in-future", "front-matter-duplicate-key", "file-outside-checkout"} <= codes


@pytest.mark.parametrize(
    "problem",
    [
        NotRegularFile("x.md", "not a file", "hint"),
        OutsideCheckout("x.md", "outside", "hint"),
        TooLarge("x.md", 10_000_000, 1_000_000),
        UnsafeFile("x.md", "unsafe", "hint"),
    ],
    ids=lambda problem: type(problem).__name__,
)
def test_a_file_not_read_keeps_the_code_of_its_kind(problem: UnsafeFile) -> None:
    finding = _unsafe_file("kb/x.md", problem)
    assert (finding.code, finding.message, finding.hint) == (
        problem.code,
        problem.message,
        problem.hint,
    )
