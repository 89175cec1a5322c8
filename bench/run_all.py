"""Run benchmarks one after the other and check that each runs to the end: its process exits 0
and it reached its report (it wrote its figures). `make bench` runs them all, short.

    python bench/run_all.py [--short] [SCRIPT ...]

SCRIPT is a name under bench/ (check_speed, site_speed, search_quality, search_speed,
serve_load, serve_flood, browser_search, preview_speed, history_speed; default all). With
--short each runs with the options of harness.SHORT (a couple of minutes in all; preview_speed's
short run, one save on the starter content under `kb serve --watch`, well under a minute);
without, with its own defaults (an hour or more). A script that cannot run here exits 77 with a
message (browser_search and preview_speed without Chromium): it is reported as skipped, not as a
failure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import harness

SKIPPED = harness.SKIPPED  # a script that cannot run here (no Chromium) says why
SKIP = "skipped (see its message)"


def run(name: str, extra: list[str], figures_file: Path) -> str:
    """Run one script (its output shown as it comes); what went wrong, or "" when nothing."""
    args = [sys.executable, str(harness.script_path(name)), *extra]
    print(f"\n=== {' '.join(args[1:])}", flush=True)
    env = {**os.environ, "BENCH_FIGURES": str(figures_file)}
    code = subprocess.run(args, env=env, check=False).returncode
    if code == SKIPPED:
        return SKIP
    if code != 0:
        return f"exit code {code}"
    if not harness.read_figures(figures_file):
        return "exited 0 without reaching its report (no figures)"
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scripts", nargs="*", default=list(harness.SCRIPTS))
    parser.add_argument("--short", action="store_true", help="the short options of each")
    options = parser.parse_args()

    outcome: dict[str, tuple[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="kb-bench-run-") as work:
        for name in options.scripts:
            started = time.monotonic()
            extra = harness.SHORT.get(name, "").split() if options.short else []
            problem = run(name, extra, Path(work) / f"{name}.json")
            outcome[name] = (problem, time.monotonic() - started)
    print("\nbenchmarks run:")
    for name, (problem, seconds) in outcome.items():
        print(f"  {name:<16}{seconds:>6.0f} s  {problem or 'ran to the end'}")
    if any(problem not in ("", SKIP) for problem, _ in outcome.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
