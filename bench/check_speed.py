"""Benchmark: `kb check` against a bare python-frontmatter parse loop, side by side.

Generates a knowledge base of N documents (default 10,000) of realistic size, then times, in
alternating rounds:

  bare   a loop that only parses the same files with python-frontmatter (the baseline)
  cold   `kb check` with an empty cache (every file read, parsed and checked)
  warm   `kb check` again with nothing changed (the per-user cache answers)

and prints medians and ratios. Targets (issue 2): cold / bare <= 1.0, warm <= 0.25 x cold,
peak memory under 300 MB. Each run is a fresh process, interpreter start-up included.

    python bench/check_speed.py [--docs 10000] [--rounds 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import harness

BARE = """
import sys, frontmatter
from pathlib import Path
root = Path(sys.argv[1])
count = 0
for top in ("kb", "sops", "docs/policies"):
    for path in sorted((root / top).rglob("*.md")):
        frontmatter.load(path)
        count += 1
print(count)
"""


def check_args(kb_root: Path) -> list[str]:
    return ["-C", str(kb_root), "check", "--as-of", harness.AS_OF.isoformat(), "--format", "json"]


def summary_of(output: str) -> object:
    """The `summary` of kb check's JSON report (stdout, before the peak-memory line)."""
    report = output[: output.index("\n}") + 2] if "\n}" in output else output
    return json.loads(report)["summary"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    options = parser.parse_args()

    with harness.work_folder("kb-bench-") as work:
        kb_root = options.keep or work / "kb"
        print(f"generating {options.docs} documents in {kb_root} ...", flush=True)
        harness.simple_corpus(kb_root, options.docs)
        print(harness.markdown_size(kb_root, options.docs))
        run_rounds(work, kb_root, options.rounds)


def run_rounds(work: Path, kb_root: Path, rounds: int) -> None:
    times: dict[str, list[float]] = {"bare": [], "cold": [], "warm": []}
    peak = (0, 0)
    summary: object = ""
    for round_number in range(rounds):
        env = {**os.environ, "SUPPORTKB_CACHE_DIR": str(work / f"cache-{round_number}")}
        seconds, _ = harness.timed([sys.executable, "-c", BARE, str(kb_root)], env)
        times["bare"].append(seconds)
        for label in ("cold", "warm"):
            run = harness.kb_in_process(check_args(kb_root), env)
            times[label].append(run.seconds)
            peak = max(peak, (run.own_kb, run.workers_kb))
            summary = summary_of(run.output)
        print(
            f"  round {round_number + 1}: "
            + ", ".join(f"{k} {v[-1]:.2f}s" for k, v in times.items()),
            flush=True,
        )

    median = {label: harness.median(values) for label, values in times.items()}
    print(f"\nkb check result on the generated set: {summary}")
    harness.ratio_table(median, "bare")
    for label, seconds in median.items():  # bare parses with python-frontmatter only
        harness.figure(f"{label} s", seconds, "s", better="" if label == "bare" else "lower")
    warm_cold = harness.figure("warm / cold", median["warm"] / median["cold"])
    cold_bare = harness.figure("cold / bare", median["cold"] / median["bare"])
    print(f"\nwarm / cold: {warm_cold:.2f}  (target <= 0.25)")
    print(f"cold / bare: {cold_bare:.2f}  (target <= 1.00)")
    print(
        f"peak memory: main process {harness.figure('peak MB, main', peak[0] / 1024, 'MB'):.0f} "
        f"MB, largest worker {harness.figure('peak MB, worker', peak[1] / 1024, 'MB'):.0f} MB "
        f"(target < 300 MB)"
    )


if __name__ == "__main__":
    main()
