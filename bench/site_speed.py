"""Benchmark: `mkdocs build` with the supportkb plugin against plain Material, side by side.

Generates a knowledge base of N documents (default 1,000) with `harness.simple_corpus`
(check_speed's), then times, in alternating rounds, each build as a fresh process
(`python -m mkdocs build`, non-strict, interpreter start-up included):

  plain    the same Markdown (docs/index.md, docs/contributing.md, docs/policies/ and every
           kb/ document copied under docs/kb/) built with plain Material: the repository's
           mkdocs.yml without the supportkb plugin, its nav cut to the entries that exist
           without the plugin (the baseline). MkDocs builds every page, listed or not;
           `--plain-nav full` drops the nav instead, and then every page lists every page
  plugin   the generated knowledge base built with the repository's mkdocs.yml: the plugin
           brings kb/ in, adds the generated pages, panels and banners, and gives the search a
           Traditional Chinese jieba dictionary

Before the timed rounds, each build runs once untimed with empty caches (the supportkb cache
and jieba's, both kept inside the temporary folder); its time is printed as "first build".
Prints medians, the ratio plugin / plain (target, issue: <= 1.15), the size of each site and
the peak memory of each build (largest process of the build, workers included). Exits 0 when
the target is missed: this is a measurement, not a test.

    python bench/site_speed.py [--docs 1000] [--rounds 3] [--plain-nav full] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import harness

TARGET = 1.15
LABELS = ("plain", "plugin")


class _Tagged(str):
    """A `!!python/name:...` value, kept as text so that it is written back unchanged."""

    tag = ""


class _Loader(yaml.SafeLoader):
    pass


class _Dumper(yaml.SafeDumper):
    pass


class _TaggedMapping(dict):  # type: ignore[type-arg]
    """A `!!python/object/apply:...` mapping (toc's slugify), written back with its tag."""

    tag = ""


def _load_tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        mapping = _TaggedMapping(loader.construct_mapping(node, deep=True))
        mapping.tag = "tag:yaml.org,2002:python/" + suffix
        return mapping
    value = _Tagged(loader.construct_scalar(node))  # type: ignore[arg-type]
    value.tag = "tag:yaml.org,2002:python/" + suffix
    return value


def _dump_tagged(dumper: yaml.SafeDumper, value: _Tagged) -> yaml.Node:
    return dumper.represent_scalar(value.tag, str(value))


def _dump_tagged_mapping(dumper: yaml.SafeDumper, value: _TaggedMapping) -> yaml.Node:
    return dumper.represent_mapping(value.tag, dict(value))


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _load_tagged)
_Dumper.add_representer(_Tagged, _dump_tagged)
_Dumper.add_representer(_TaggedMapping, _dump_tagged_mapping)


def plain_config(repo_config: Path, docs: Path, full_nav: bool) -> str:
    """The repository's mkdocs.yml as plain Material: same theme, Markdown extensions and
    search settings, no supportkb plugin. MkDocs builds every page whether the nav lists it
    or not; the nav keeps the repository's entries that exist without the plugin (compact,
    like the plugin's site), or with `full_nav` is left out, so that every page lists every
    page (MkDocs' default nav, whose size grows with the number of documents)."""
    config: dict[str, Any] = yaml.load(repo_config.read_text(encoding="utf-8"), Loader=_Loader)
    nav = config.pop("nav", None) or []
    if not full_nav:

        def exists(entry: Any) -> bool:
            target = next(iter(entry.values())) if isinstance(entry, dict) else entry
            return isinstance(target, str) and (docs / target).is_file()

        config["nav"] = [entry for entry in nav if exists(entry)]
    config["docs_dir"] = "docs"
    config["validation"] = {"nav": {"omitted_files": "ignore"}}

    def ours(entry: Any) -> bool:
        name = next(iter(entry)) if isinstance(entry, dict) else entry
        return name == "supportkb"

    config["plugins"] = [p for p in config.get("plugins", []) if not ours(p)]
    return yaml.dump(config, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def prepare(work: Path, count: int, full_nav: bool) -> tuple[Path, Path]:
    """The plain-MkDocs folder and the generated knowledge base (for the plugin build)."""
    plugin_root = work / "plugin"
    plugin_root.mkdir(parents=True, exist_ok=True)
    harness.simple_corpus(plugin_root, count)
    shutil.copytree(harness.checkout() / "docs", plugin_root / "docs", dirs_exist_ok=True)

    plain_root = work / "plain"
    shutil.copytree(plugin_root / "docs", plain_root / "docs", dirs_exist_ok=True)
    shutil.copytree(plugin_root / "kb", plain_root / "docs" / "kb", dirs_exist_ok=True)
    (plain_root / "mkdocs.yml").write_text(
        plain_config(plugin_root / "mkdocs.yml", plain_root / "docs", full_nav), encoding="utf-8"
    )
    return plain_root, plugin_root


@dataclass
class Run:
    seconds: float
    max_rss_kb: int
    warnings: int


def build(root: Path, site: Path, env: dict[str, str], log: Path) -> Run:
    """One `mkdocs build` as a fresh process; its own wait4 gives the peak memory."""
    args = [sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml")]
    args += ["-d", str(site)]
    with log.open("w", encoding="utf-8") as output:
        start = time.perf_counter()
        process = subprocess.Popen(args, cwd=root, env=env, stdout=output, stderr=output)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(encoding="utf-8", errors="replace")
    if process.returncode != 0:
        sys.exit(f"{root.name} build failed ({process.returncode}):\n{text[-3000:]}")
    warnings = sum(1 for line in text.splitlines() if line.startswith("WARNING"))
    return Run(elapsed, usage.ru_maxrss, warnings)


def site_size(site: Path) -> tuple[int, int, int]:
    """(bytes, files, bytes of the search index) of a built site."""
    files = [p for p in site.rglob("*") if p.is_file()]
    index = site / "search" / "search_index.json"
    return (
        sum(p.stat().st_size for p in files),
        len(files),
        index.stat().st_size if index.is_file() else 0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=1_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="generate and build into this folder; keep it")
    parser.add_argument(
        "--plain-nav",
        choices=("compact", "full"),
        default="compact",
        help="the plain build's nav: the repository's entries that exist without the plugin "
        "(default), or none, so that MkDocs lists every page on every page",
    )
    options = parser.parse_args()

    with harness.work_folder("kb-site-bench-", options.keep) as work:
        run_benchmark(work, options.docs, options.rounds, options.plain_nav == "full")


def run_benchmark(work: Path, count: int, rounds: int, full_nav: bool) -> None:
    nav = "none (MkDocs lists every page)" if full_nav else "compact"
    print(f"generating {count} documents in {work} (plain build's nav: {nav}) ...", flush=True)
    roots = dict(zip(LABELS, prepare(work, count, full_nav), strict=True))
    print(harness.markdown_size(roots["plugin"] / "kb", count))

    temp = work / "tmp"  # jieba keeps its prefix-dictionary cache in the temporary folder
    temp.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "NO_MKDOCS_2_WARNING": "1",
        "SUPPORTKB_CACHE_DIR": str(work / "cache"),
        "TMPDIR": str(temp),
    }
    sites = {label: work / f"site-{label}" for label in LABELS}
    logs = {label: work / f"build-{label}.log" for label in LABELS}

    first = {label: build(roots[label], sites[label], env, logs[label]) for label in LABELS}
    print(
        "  first build (empty caches, untimed round): "
        + ", ".join(f"{label} {run.seconds:.2f}s" for label, run in first.items()),
        flush=True,
    )
    runs: dict[str, list[Run]] = {label: [] for label in LABELS}
    for round_number in range(rounds):
        order = LABELS if round_number % 2 == 0 else LABELS[::-1]
        for label in order:
            runs[label].append(build(roots[label], sites[label], env, logs[label]))
        print(
            f"  round {round_number + 1}: "
            + ", ".join(f"{label} {runs[label][-1].seconds:.2f}s" for label in LABELS),
            flush=True,
        )

    median = {label: harness.median([r.seconds for r in runs[label]]) for label in LABELS}
    ratio = median["plugin"] / median["plain"]
    for label in LABELS:  # plain Material is the baseline, not supportkb's
        better = "" if label == "plain" else "lower"
        harness.figure(f"{label} s", median[label], "s", better)
        harness.figure(f"{label} first build s", first[label].seconds, "s", better)
    harness.figure("plugin / plain", ratio)
    print(
        f"\n{'build':<8}{'median s':>10}{'ratio':>8}{'site MB':>10}{'files':>8}"
        f"{'search MB':>11}{'peak MB':>9}{'warnings':>10}"
    )
    for label in LABELS:
        total, files, index = site_size(sites[label])
        peak = max(r.max_rss_kb for r in runs[label]) / 1024
        warnings = runs[label][-1].warnings
        better = "" if label == "plain" else "lower"
        harness.figure(f"{label} site MB", total / 1e6, "MB", better)
        harness.figure(f"{label} peak MB", peak, "MB", better)
        print(
            f"{label:<8}{median[label]:>10.2f}{median[label] / median['plain']:>8.2f}"
            f"{total / 1e6:>10.1f}{files:>8}{index / 1e6:>11.1f}{peak:>9.0f}{warnings:>10}"
        )
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"\nplugin / plain: {ratio:.2f}  (target <= {TARGET:.2f}): {verdict}")
    print("peak memory: largest process of the build (worker processes included, not summed)")


if __name__ == "__main__":
    main()
