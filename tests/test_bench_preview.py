"""bench/preview_speed.py's short run (`make bench`), in headless Chromium: it runs to its
report, prints how long a save took to reach the page and how many requests failed, and writes
those figures (as test_browser.py: skipped without Chromium unless SUPPORTKB_REQUIRE_BROWSER).

No time is asserted (the figures are the bench's, not a test's): only that they are measured.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_browser import ROOT, playwright_api  # noqa: F401  (skipped without Chromium)

sys.path.insert(0, str(ROOT / "bench"))

import harness


def test_the_short_run_reports_save_to_page_and_failed_requests(tmp_path: Path) -> None:
    figures_file = tmp_path / "figures.json"
    # the short run's options, with room for a busy machine (the later --timeout wins)
    options = [*harness.SHORT["preview_speed"].split(), "--timeout", "90"]
    env = {**os.environ, "BENCH_FIGURES": str(figures_file)}
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "preview_speed.py"), *options],
        cwd=ROOT / "bench",
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    output = done.stdout
    assert "failed requests:" in output and "load average" in output
    assert "p50 <= 3 s:" in output  # the target's verdict, met or not
    figures = {each["name"]: each for each in json.loads(figures_file.read_text())}
    # the saved change reached the page: live (a live reload) or at least a fresh navigation
    assert "starter kb: save -> fresh page p50 s" in figures
    assert figures["starter kb: requests"]["value"] > 0
    assert "starter kb: failed requests" in figures
    assert "starter: kb build s" in figures
    # mkdocs serve and the generated documents are left out of the short run
    assert not any(name.startswith(("generated", "starter mkdocs")) for name in figures)
