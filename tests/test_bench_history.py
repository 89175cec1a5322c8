"""bench/history_speed.py on a tiny repository: it generates its git repository with
`git fast-import` (documents with dated versions, approvals before their effective dates),
runs `kb history`, the site builds and `kb audit-pack` on it, and reports each figure.

No time is asserted (the figures are the bench's, not a test's): only that they are measured
and that the generated history is one an auditor would read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from conftest import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))

import history_speed


def test_the_generated_repository_has_the_documents_and_dated_commits(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    commits, last_day = history_speed.generate(root, count=20, commits=60)
    log = subprocess.run(
        ["git", "log", "--format=%cs"], cwd=root, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(log) == commits == 60
    assert log[0] == str(last_day) and log[-1] == str(history_speed.START)
    assert (root / "sops" / "sop-00001.md").is_file()  # the busy document, checked out
    assert len(list((root / "kb").rglob("*.md"))) >= 14


def test_the_short_run_reports_history_site_and_pack(tmp_path: Path) -> None:
    figures_file = tmp_path / "figures.json"
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench" / "history_speed.py"), "--docs", "20",
         "--commits", "80", "--rounds", "1", "--repeats", "1", "--keep", str(tmp_path / "w")],
        cwd=REPO_ROOT / "bench",
        env={**os.environ, "BENCH_FIGURES": str(figures_file)},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "kb history:" in done.stdout and "(target <= 1.0 s)" in done.stdout
    assert "site with / without history:" in done.stdout
    figures = {each["name"]: each["value"] for each in json.loads(figures_file.read_text())}
    assert {"kb history s", "kb audit-pack s", "audit pack MB"} <= set(figures)
    with zipfile.ZipFile(tmp_path / "w" / "pack.zip") as pack:
        assert "documents/SOP-00001/history.json" in pack.namelist()
        history = json.loads(pack.read("documents/SOP-00001/history.json"))
    assert len(history["versions"]) > 1 and history["in_force"] is not None
