"""bench/run_all.py (`make bench`): a benchmark that cannot run on this machine (browser_search.py
without Chromium exits 77 with its reason) is reported as skipped, and does not fail the run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))

import run_all


def test_a_benchmark_that_cannot_run_here_is_skipped_not_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "needs_chromium.py"
    script.write_text("import sys\nprint('skipped: no chromium')\nsys.exit(77)\n")
    monkeypatch.setattr(run_all.harness, "script_path", lambda name: script)
    monkeypatch.setattr(sys, "argv", ["run_all.py", "needs_chromium"])
    run_all.main()  # no SystemExit: a skip is not a failure
    summary = capsys.readouterr().out.split("benchmarks run:")[1]
    assert "needs_chromium" in summary and run_all.SKIP in summary
    assert run_all.run("needs_chromium", [], tmp_path / "figures.json") == run_all.SKIP
