"""Benchmarks of two checkouts side by side: per-figure medians and the ratio candidate/baseline.

    python bench/compare_checkouts.py BASELINE_DIR CANDIDATE_DIR [SCRIPT ...]
                                      [--rounds 4] [--order abba|abab]
                                      [--profile compare|short|full]
                                      [--set SCRIPT='OPTIONS'] [--logs DIR]

Each checkout runs with its own interpreter (`DIR/.venv/bin/python`, as `make setup` makes it),
so each measures its own supportkb; both run the CANDIDATE's bench scripts, so the method is
identical (bench/harness.py finds the library's functions where either layout has them). The
data the scripts take from a checkout (mkdocs.yml, owners.yml, docs/, the query set of
search_quality) come from the checkout under test. The runs are interleaved, --rounds times:
both sides share the machine's drift and noise. With --order abba (the default) the side that
goes first alternates (A B, B A, A B, ...: an even --rounds gives each side the first place as
often; whichever runs first after another script pays for cold caches), with --order abab the
baseline always goes first.

Prints, for every figure the scripts report, the median over the rounds of each side, the ratio
candidate / baseline, the noise (the larger spread of a side's runs, (max - min) / median: a
ratio within it says little) and a verdict where a side is better: "WORSE" when the candidate
is more than --tolerance (10 %) worse, "better" when more than that better; for a count of
errors, "WORSE" when the candidate has more. Figures that do not measure
supportkb (plain Material, the bare parse, the BM25 baseline, python -c pass) are shown without
a verdict. Each run's output is kept in --logs (a new temporary folder by default).

Profiles: `compare` (default) the sizes of the published figures with fewer rounds inside each
script (the rounds are here); `short` the options of `make bench`, to try the comparison; `full`
each script's own defaults (hours).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import harness

SIDES = ("baseline", "candidate")
COMPARE = {
    "check_speed": "--docs 10000 --rounds 1",
    "site_speed": "--docs 1000 --rounds 1",
    "search_quality": "--no-static",
    "search_speed": "--docs 10000 --rounds 1 --changes 3 --searches 3 --repeats 5",
    "serve_load": "--docs 1000 --connections 4 8 --seconds 30 --soak-seconds 30 --burst-seconds 20",
    "serve_flood": "--docs 1000 --seconds 15",
    "browser_search": "--docs 1000",
}
PROFILES = {
    "compare": COMPARE,
    "short": harness.SHORT,
    "full": dict.fromkeys(harness.SCRIPTS, ""),
}


def interpreter(checkout: Path) -> Path:
    python = checkout / ".venv" / "bin" / "python"
    if not python.is_file():
        sys.exit(f"{python} is missing: run `make setup` in {checkout}")
    return python


def check_layouts(pythons: dict[str, Path], bench: Path) -> None:
    """Stop early when the candidate's scripts cannot find a library function in a checkout."""
    probe = "import harness\nfor name in harness.LIBRARY: harness.library(name)\n"
    for side, python in pythons.items():
        done = subprocess.run(
            [str(python), "-c", probe], cwd=bench, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.exit(
                f"the {side}'s supportkb lacks a name the bench scripts use: "
                f"{done.stderr.strip().splitlines()[-1]}\n(add where it lives to LIBRARY in "
                f"{bench / 'harness.py'})"
            )


def run_once(python: Path, script: Path, options: list[str], log: Path) -> list[harness.Figure]:
    figures_file = log.with_suffix(".json")
    env = {**os.environ, "BENCH_FIGURES": str(figures_file)}
    with log.open("w", encoding="utf-8") as output:
        code = subprocess.run(
            [str(python), str(script), *options],
            cwd=script.parent,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode
    figures = harness.read_figures(figures_file)
    if code != 0 or not figures:
        tail = log.read_text(encoding="utf-8", errors="replace")[-1500:]
        sys.exit(f"{script.name} failed ({code}, {len(figures)} figures), see {log}:\n{tail}")
    return figures


def verdict(figure: harness.Figure, base: float, cand: float, tolerance: float) -> str:
    if not figure.better:
        return ""
    if figure.unit == "n":  # a count of errors: any more is worse
        return "WORSE" if cand > base else "ok"
    if not base:
        return ""
    ratio = cand / base
    worse = ratio - 1 if figure.better == "lower" else 1 - ratio
    return "WORSE" if worse > tolerance else "better" if worse < -tolerance else "ok"


def noise(by_side: dict[str, list[float]]) -> str:
    """The larger spread of the two sides' runs, (max - min) / median: a ratio nearer 1 than
    this says little."""
    spreads = [
        (max(runs) - min(runs)) / harness.median(runs)
        for runs in by_side.values()
        if len(runs) > 1 and harness.median(runs)
    ]
    return f"{max(spreads):.0%}" if spreads else "-"


def report(
    script: str, runs: dict[str, list[list[harness.Figure]]], tolerance: float
) -> list[str]:
    """Print one script's table; the figures that are worse."""
    values: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    kinds: dict[str, harness.Figure] = {}
    for side, side_runs in runs.items():
        for figures in side_runs:
            for figure in figures:
                values[figure.name][side].append(figure.value)
                kinds.setdefault(figure.name, figure)
    print(f"\n{script} ({len(runs['baseline'])} runs each)")
    print(
        f"  {'figure':<44}{'unit':>5}{'baseline':>11}{'candidate':>11}{'ratio':>8}{'noise':>7}"
        "  verdict"
    )
    worse = []
    for name, by_side in values.items():
        if not all(by_side.get(side) for side in SIDES):
            print(f"  {name:<44} only in {', '.join(by_side)}")
            continue
        base, cand = (harness.median(by_side[side]) for side in SIDES)
        shown = f"{cand / base:.3f}" if base else "-"
        said = verdict(kinds[name], base, cand, tolerance)
        print(
            f"  {name:<44}{kinds[name].unit:>5}{base:>11.3f}{cand:>11.3f}{shown:>8}"
            f"{noise(by_side):>7}  {said}"
        )
        if said == "WORSE":
            worse.append(f"{script}: {name} {shown}")
    return worse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("baseline", type=Path)
    parser.add_argument("candidate", type=Path)
    parser.add_argument("scripts", nargs="*", default=list(harness.SCRIPTS))
    parser.add_argument("--rounds", type=int, default=4, help="runs of each script per side")
    parser.add_argument("--order", choices=("abba", "abab"), default="abba")
    parser.add_argument("--profile", choices=PROFILES, default="compare")
    parser.add_argument(
        "--set", action="append", default=[], metavar="SCRIPT='OPTIONS'", help="override"
    )
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("--logs", type=Path, help="keep each run's output here")
    options = parser.parse_args()

    checkouts = {"baseline": options.baseline.resolve(), "candidate": options.candidate.resolve()}
    pythons = {side: interpreter(folder) for side, folder in checkouts.items()}
    bench = checkouts["candidate"] / "bench"
    check_layouts(pythons, bench)
    chosen = dict(PROFILES[options.profile])
    chosen.update(item.split("=", 1) for item in options.set)  # type: ignore[arg-type]
    logs = options.logs or Path(tempfile.mkdtemp(prefix="kb-compare-"))
    logs.mkdir(parents=True, exist_ok=True)
    print(f"baseline  {checkouts['baseline']}\ncandidate {checkouts['candidate']}")
    print(
        f"scripts of {bench}, profile {options.profile}, {options.rounds} rounds "
        f"({options.order}); logs in {logs}"
    )

    worse: list[str] = []
    started = time.monotonic()
    for name in options.scripts:
        script = harness.script_path(name, bench)
        extra = chosen.get(script.stem, "").split()
        runs: dict[str, list[list[harness.Figure]]] = {side: [] for side in SIDES}
        for round_number in range(options.rounds):
            swap = options.order == "abba" and round_number % 2 == 1
            for side in SIDES[::-1] if swap else SIDES:
                log = logs / f"{script.stem}-{round_number + 1}-{side}.log"
                took = time.monotonic()
                runs[side].append(run_once(pythons[side], script, extra, log))
                print(
                    f"  {script.stem} round {round_number + 1} {side}: "
                    f"{time.monotonic() - took:.0f} s",
                    flush=True,
                )
        worse += report(script.stem, runs, options.tolerance)
    print(f"\n{time.monotonic() - started:.0f} s in all")
    tolerance = f"{options.tolerance:.0%}"
    if worse:
        print(f"more than {tolerance} worse than the baseline:\n  " + "\n  ".join(worse))
    else:
        print(f"no figure more than {tolerance} worse than the baseline")


if __name__ == "__main__":
    main()
