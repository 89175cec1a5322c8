"""Benchmark: `kb index` and `kb search` on a generated knowledge base, every figure side by side.

Generates N documents (default 10,000) of realistic size, about 3 KB each: Traditional Chinese
IT-support text mixed with English product names, error codes, ticket numbers and addresses,
built from templates and word lists (a vocabulary of thousands of terms, not a few repeated
phrases), in kb/<category>/ folders with valid front-matter. Then, in rounds, each command a
fresh process (interpreter start-up included), the index in a temporary `--index-dir`:

  build        `kb index --rebuild` into an empty folder           target <= 30 s (2 cores)
  floor        only normalising and segmenting every document's body, in one process
               (`text_analyzer().positions(body)`, the words and positions the index
               stores, dictionaries already loaded): build / floor
  unchanged    `kb index` with nothing changed
  one changed  `kb index` after one document's body changed          target <= 0.5 s
               (a sentence appended: its related lists stay as they were)
  retitled     `kb index` after one document's title changed         target <= 0.5 s
               (its related lists and those that show it are rewritten too)
               (these three --changes times a round: this machine's speed drifts)
  cold search  `kb search --as-of 2026-11-24 印表機 離線`              target <= 0.6 s
               (exit code 1, nothing found, is not a failure), beside `python -c pass`

and, after the rounds, in this process with one warm searcher: every query of a mixed set
(Traditional, Simplified, English, mixed, error codes, phrases, field filters, prefix*) run
several times: p50 <= 20 ms, p95 <= 60 ms. Beside it, each query's first run on a new searcher
(its posting lists not yet read) and the baseline: the same searches with Whoosh's own
matching and scoring (`searcher(vectorised=False)`, the same results). Also the index size
on disk and the peak memory of the build (its own process and its largest worker). Prints
medians; exits 0 when a target is missed: this is a measurement, not a test.

supportkb's bytecode is compiled first, as a user's first run leaves it: with
PYTHONDONTWRITEBYTECODE set (as on some machines) every process would otherwise compile
whatever changed since the last compilation, and time that instead.

    python bench/search_speed.py [--docs 10000] [--rounds 3] [--repeats 5] [--searches 3]
                                 [--changes 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
from harness import AS_OF, QUERIES

COLD_QUERY = ("印表機", "離線")


# -- small changes to the generated knowledge base ------------------------------------------


def change_one(root: Path, round_number: int) -> Path:
    """Append a sentence to one document's body (a different document each round)."""
    paths = sorted((root / "kb").rglob("*.md"))
    path = paths[(round_number * 7919) % len(paths)]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"\n補充（第 {round_number + 1} 輪）：更新後請重新啟動 Teams 與 OneDrive。\n")
    return path


def retitle_one(root: Path, round_number: int) -> Path:
    """Change one document's title (another document each round)."""
    paths = sorted((root / "kb").rglob("*.md"))
    path = paths[(round_number * 7919 + 5003) % len(paths)]
    text = path.read_text(encoding="utf-8")
    start = text.index("\ntitle: ") + len("\ntitle: ")
    end = text.index("\n", start)
    path.write_text(f"{text[:end]}（第 {round_number + 1} 版）{text[end:]}", encoding="utf-8")
    return path


# -- measuring ------------------------------------------------------------------------------


def kb_index(
    kb_root: Path, index_dir: Path, env: dict[str, str], *extra: str
) -> tuple[float, str, tuple[int, int]]:
    """One `kb index` as a fresh process: seconds, its output, (own, workers) max RSS in KB."""
    args = ["-C", str(kb_root), "index", "--index-dir", str(index_dir), *extra]
    run = harness.kb_in_process(args, env)
    lines = [line for line in run.output.splitlines() if line.startswith("search index")]
    line = lines[-1] if lines else run.output.strip()[-300:]
    return run.seconds, line, (run.own_kb, run.workers_kb)


def floor(kb_root: Path) -> float:
    """Seconds to normalise and segment every document's body in this process."""
    analyzer = harness.library("text_analyzer")()
    analyzer.positions("印表機" * 20_000)  # loading the dictionaries is not part of the floor
    texts = [
        path.read_text(encoding="utf-8").split("\n---\n", 1)[1]
        for path in sorted((kb_root / "kb").rglob("*.md"))
    ]
    start = time.perf_counter()
    for text in texts:
        analyzer.positions(text)
    return time.perf_counter() - start


@dataclass
class Latency:
    """One query's hits and milliseconds: its first run on a new searcher (posting lists not
    yet read), its warm runs, and its warm runs with Whoosh's own matching (the baseline)."""

    total: int
    first: float
    warm: list[float]
    whoosh: list[float]


def query_latency(index_dir: Path, repeats: int) -> dict[str, Latency]:
    engine = harness.library("open_engine")(index_dir)
    search_request, run_search = harness.library("SearchRequest"), harness.library("run_search")

    def run(searcher: Any, text: str) -> tuple[int, float]:
        start = time.perf_counter()
        total = run_search(searcher, search_request(text, as_of=AS_OF, limit=10)).total
        return total, (time.perf_counter() - start) * 1000

    searcher, whoosh = engine.searcher(), engine.searcher(vectorised=False)
    run(searcher, "開機")  # loads the dictionaries and the per-document columns
    run(whoosh, "開機")
    first = {text: run(searcher, text) for _, text in QUERIES}
    for _, text in QUERIES:  # an untimed pass for the baseline, too
        run(whoosh, text)
    found: dict[str, Latency] = {}
    for _, text in QUERIES:
        warm = [run(searcher, text)[1] for _ in range(repeats)]
        baseline = [run(whoosh, text)[1] for _ in range(repeats)]
        found[text] = Latency(first[text][0], first[text][1], warm, baseline)
    searcher.close()
    whoosh.close()
    return found


def disk_size(folder: Path) -> int:
    """Bytes of the files under `folder`, each hard-linked file counted once."""
    seen: dict[int, int] = {}
    for path in folder.rglob("*"):
        if path.is_file():
            info = path.stat()
            seen[info.st_ino] = info.st_size
    return sum(seen.values())


# -- the rounds -------------------------------------------------------------------------------


@dataclass
class Figures:
    times: dict[str, list[float]] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)  # the last `kb index` line of each
    peak: tuple[int, int] = (0, 0)  # KB: the build's own process, its largest worker
    index_bytes: int = 0

    def add(self, label: str, seconds: float) -> None:
        self.times.setdefault(label, []).append(seconds)

    def median(self, label: str) -> float:
        return harness.median(self.times[label])


def run_round(
    figures: Figures, kb_root: Path, index_dir: Path, number: int, searches: int, changes: int
) -> None:
    env = {**os.environ, "SUPPORTKB_CACHE_DIR": str(index_dir.parent / "cache")}
    earlier = {label: len(values) for label, values in figures.times.items()}
    seconds, line, rss = kb_index(kb_root, index_dir, env, "--rebuild")
    figures.add("build", seconds)
    figures.outputs["build"] = line
    figures.peak = max(figures.peak, rss)
    figures.index_bytes = disk_size(index_dir)
    figures.add("floor", floor(kb_root))
    for step in range(changes):  # short commands: several times, the machine's speed drifts
        seconds, figures.outputs["unchanged"], _ = kb_index(kb_root, index_dir, env)
        figures.add("unchanged", seconds)
        changed = change_one(kb_root, number * changes + step)
        seconds, line, _ = kb_index(kb_root, index_dir, env)
        figures.add("one changed", seconds)
        figures.outputs["one changed"] = f"{line}  [{changed.relative_to(kb_root)}]"
        changed = retitle_one(kb_root, number * changes + step)
        seconds, line, _ = kb_index(kb_root, index_dir, env)
        figures.add("retitled", seconds)
        figures.outputs["retitled"] = f"{line}  [{changed.relative_to(kb_root)}]"
    search = [*harness.kb_command(), "-C", str(kb_root), "search", "--as-of", AS_OF.isoformat()]
    search += ["--index-dir", str(index_dir), *COLD_QUERY]
    for _ in range(searches):
        figures.add("cold search", harness.timed(search, env)[0])
        figures.add("python -c pass", harness.timed([sys.executable, "-c", "pass"], env)[0])
    print(
        f"  round {number + 1}: "
        + ", ".join(
            f"{label} {harness.median(values[earlier.get(label, 0) :]):.2f}s"
            for label, values in figures.times.items()
        ),
        flush=True,
    )


# -- the report -------------------------------------------------------------------------------


def pad(text: str, width: int) -> str:
    """`text` left-aligned in `width` terminal columns (a CJK character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - used)


def row(
    label: str, value: float, unit: str, target: float | None = None, better: str = "lower"
) -> None:
    harness.figure(label.strip(), value, unit, better)
    shown = f"{value:.1f} {unit}" if unit == "ms" else f"{value:.2f} {unit}".rstrip()
    verdict = "" if target is None else ("met" if value <= target else "MISSED")
    aim = "" if target is None else f"<= {target:g} {unit}"
    print(f"{label:<40}{shown:>11}  {aim:<12}{verdict}")


def report(figures: Figures, latency: dict[str, Latency], docs: int) -> None:
    print("\nkb index output (last round):")
    for label, line in figures.outputs.items():
        print(f"  {label:<12} {line}")
    print(
        f"\n{'query':<28}{'kind':<13}{'hits':>6}{'first ms':>10}{'warm ms':>9}{'max ms':>8}"
        f"{'Whoosh ms':>11}"
    )
    for kind, text in QUERIES:
        got = latency[text]
        print(
            f"{pad(text, 28)}{kind:<13}{got.total:>6}{got.first:>10.1f}"
            f"{harness.median(got.warm):>9.1f}{max(got.warm):>8.1f}"
            f"{harness.median(got.whoosh):>11.1f}"
        )
    warm = [ms for got in latency.values() for ms in got.warm]
    first = [got.first for got in latency.values()]
    whoosh = [ms for got in latency.values() for ms in got.whoosh]
    build, floor_seconds = figures.median("build"), figures.median("floor")
    print(f"\n{'figure (median)':<40}{'value':>11}  {'target':<12}")
    row("kb index --rebuild (full build)", build, "s", 30)
    row("  floor: analysis only, one process", floor_seconds, "s")
    row("  build / floor", build / floor_seconds, "")
    row("kb index, nothing changed", figures.median("unchanged"), "s")
    row("kb index, one document changed", figures.median("one changed"), "s", 0.5)
    row("kb index, one title changed", figures.median("retitled"), "s", 0.5)
    row("kb search, cold process", figures.median("cold search"), "s", 0.6)
    row("  python -c pass", figures.median("python -c pass"), "s", better="")
    row(f"query p50, warm searcher ({len(warm)} runs)", harness.percentile(warm, 0.50), "ms", 20)
    row("query p95, warm searcher", harness.percentile(warm, 0.95), "ms", 60)
    row(f"  first run of each query: p50 ({len(first)})", harness.percentile(first, 0.50), "ms")
    row("  first run of each query: p95", harness.percentile(first, 0.95), "ms")
    row("  baseline, Whoosh's own matching: p50", harness.percentile(whoosh, 0.50), "ms")
    row("  baseline, Whoosh's own matching: p95", harness.percentile(whoosh, 0.95), "ms")
    arrays_whoosh = harness.percentile(warm, 0.5) / harness.percentile(whoosh, 0.5)
    row("  p50 ratio, arrays / Whoosh", arrays_whoosh, "")
    size = harness.figure("index size on disk MB", figures.index_bytes / 1e6, "MB") * 1e6
    harness.figure("peak MB of the build, main", figures.peak[0] / 1024, "MB")
    harness.figure("peak MB of the build, worker", figures.peak[1] / 1024, "MB")
    print(f"index size on disk: {size / 1e6:.1f} MB ({size / docs / 1024:.1f} KB per document)")
    print(
        f"peak memory of the build: main process {figures.peak[0] / 1024:.0f} MB, "
        f"largest worker {figures.peak[1] / 1024:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=5, help="runs of each query")
    parser.add_argument("--searches", type=int, default=3, help="cold searches per round")
    parser.add_argument("--changes", type=int, default=5, help="small updates per round")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument(
        "--mixed", action="store_true", help="public, internal and restricted documents"
    )
    options = parser.parse_args()

    with harness.work_folder("kb-search-bench-") as work:
        kb_root = options.keep or work / "kb"
        print(f"generating {options.docs} documents in {kb_root} ...", flush=True)
        harness.realistic_corpus(kb_root, options.docs, mixed=options.mixed)
        print(harness.markdown_size(kb_root, options.docs))

        harness.compile_package()
        figures = Figures()
        index_dir = work / "index-0"
        for number in range(options.rounds):
            if number:
                shutil.rmtree(index_dir, ignore_errors=True)
                index_dir = work / f"index-{number}"
            run_round(figures, kb_root, index_dir, number, options.searches, options.changes)
        report(figures, query_latency(index_dir, options.repeats), options.docs)

if __name__ == "__main__":
    main()
