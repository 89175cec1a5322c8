"""Search quality: `kb search` against a plain BM25 baseline and Material's static search, side
by side, on the starter query set and (with --corpus) on the development corpus of issue 16.

    python bench/search_quality.py [--misses] [--no-static]
    python bench/search_quality.py --corpus GITDIR [--commit C] [--queries FILE] [--misses]

The starter set is tests/data/search_queries.yml over the checkout's own knowledge base
(`--starter-queries`, `--root`). The development set is a real documentation repository
(OceanBase's zh-CN pages, bench/queries/oceanbase-zh.yml) made into a knowledge base by
bench/dev_corpus.py in a work folder: its queries name their answers by FAQ question, mapped
to the built documents' ids. Without --corpus only the starter set is measured (`--queries`
then names the starter set's file, as before).

Engines: `kb search`; the baseline, what a team would get without this work: rank-bm25's
BM25Okapi over the same documents (title and body), cut with jieba, no script normalisation,
no synonyms; and Material's built-in search as served on static hosting
(bench/static_search.py: headless Chromium), skipped with its reason when it cannot run here.
Each runs the queries as written and converted to the other script (`quality.converted`).

Targets (issue 16): development set MRR@10 >= 0.90 and >= baseline + 0.15, as written and
converted, the two within 0.02; starter set MRR@10 >= 0.90 (and issue 3's: >= baseline + 0.10,
converted within 0.02).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import harness

quality = harness.library("search_quality")
Quality = quality.Quality

KB, BASELINE, MATERIAL = "kb search", "baseline (jieba + BM25)", "Material static search"
DEV_QUERIES = harness.BENCH / "queries/oceanbase-zh.yml"


def kb_ranker(root: Path, folder: Path):  # type: ignore[no-untyped-def]
    harness.library("build_index")(root, folder, rebuild=True)
    searcher = harness.library("open_engine")(folder, "restricted").searcher()  # every document
    search_request, run_search = harness.library("SearchRequest"), harness.library("run_search")

    def rank(text: str) -> list[str]:
        request = search_request(text, harness.AS_OF, limit=10, include_archived=True)
        return [r.id for r in run_search(searcher, request).results]

    return rank


def baseline_ranker(root: Path):  # type: ignore[no-untyped-def]
    import jieba
    from rank_bm25 import BM25Okapi

    read_source, plain_text = harness.library("read_source"), harness.library("plain_text")
    load_knowledge_base = harness.library("load_knowledge_base")

    jieba.setLogLevel(60)
    ids, corpus = [], []
    for document in load_knowledge_base(root, use_cache=False).documents:
        source, _ = read_source(document.path, (root / document.path).read_bytes())
        text = f"{document.title}\n{plain_text(source.body) if source else ''}"
        ids.append(document.id)
        corpus.append(_cut(jieba, text))
    engine = BM25Okapi(corpus)

    def rank(text: str) -> list[str]:
        scores = engine.get_scores(_cut(jieba, text))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])
        return [ids[i] for i in order[:10] if scores[i] > 0]

    return rank


def _cut(jieba, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [w.lower() for w in jieba.cut(text) if re.search(r"\w", w)]


def material_ranker(root: Path, work: Path) -> tuple[Callable[[str], Sequence[str]] | None, str]:
    """Material's static search (bench/static_search.py), or None and why it cannot run."""
    try:
        import static_search
    except ImportError as exc:
        return None, f"bench/static_search.py cannot be imported ({exc})"
    make = getattr(static_search, "material_ranker", None)
    if make is None:
        return None, "bench/static_search.py has no material_ranker"
    try:
        ranker: Callable[[str], Sequence[str]] = make(root, work)
    except RuntimeError as exc:
        return None, str(exc)
    return ranker, ""


# -- the query sets -----------------------------------------------------------------------------


@dataclass
class QuerySet:
    """One set: its name, the knowledge base it runs on, its queries and the targets."""

    name: str
    label: str
    root: Path
    judgements: list[Any]
    targets: dict[str, float]  # "floor", "over_baseline", "gap"
    documents: int = 0
    both_scripts: bool = True  # the floor holds for the converted queries too


def dev_judgements(path: Path, answers: dict[str, str]) -> list[Any]:
    """The development queries, their answers' keys mapped to the built documents' ids."""
    data = read_yaml(path)
    judgements, unknown = [], []
    for item in data.get("queries") or []:
        keys = item.get("answer") or []
        ids = tuple(answers[key] for key in keys if key in answers)
        unknown += [key for key in keys if key not in answers]
        judgements.append(quality.Judgement(str(item["q"]), str(item.get("kind", "")), ids))
    if unknown:
        sys.exit(
            f"{path}: {len(unknown)} answer keys name no FAQ question of the corpus built "
            f"(another commit?), e.g. {unknown[0]!r}"
        )
    if not judgements:
        sys.exit(f"{path}: no queries")
    return judgements


def read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        sys.exit(f"cannot read the query file {path}: {exc}")
    if not isinstance(data, dict) or not isinstance(data.get("queries"), list):
        sys.exit(f"{path}: not a query file (a mapping with a `queries` list)")
    return data


def dev_set(options: argparse.Namespace, work: Path) -> QuerySet:
    from dev_corpus import build_corpus

    queries = options.queries or DEV_QUERIES
    commit = options.commit or str(read_yaml(queries).get("commit") or "HEAD")
    start = time.perf_counter()
    corpus = build_corpus(options.corpus, work / "oceanbase-zh", commit)
    seconds = time.perf_counter() - start
    count = corpus.questions + corpus.distractors
    print(
        f"development corpus ({options.corpus} at {commit[:12]}): {corpus.questions} FAQ "
        f"questions and {corpus.distractors} distractors, built in {seconds:.1f} s",
        flush=True,
    )
    judgements = dev_judgements(queries, dict(corpus.answers))
    targets = {"floor": 0.90, "over_baseline": 0.15, "gap": 0.02}
    return QuerySet("oceanbase-zh", "dev set", corpus.root, judgements, targets, count)


def starter_set(options: argparse.Namespace) -> QuerySet:
    path = options.starter_queries or (
        options.queries if options.corpus is None and options.queries else None
    )
    path = path or harness.checkout() / "tests/data/search_queries.yml"
    judgements = quality.load_query_set(path)
    targets = {"floor": 0.90, "over_baseline": 0.10, "gap": 0.02}
    return QuerySet("starter", "starter set", options.root, judgements, targets, 0, False)


# -- measuring and printing ---------------------------------------------------------------------


Row = tuple[Any, Any] | str  # (original, converted) qualities, or why the engine was skipped


def measure(query_set: QuerySet, work: Path, static: bool) -> dict[str, Row]:
    other = quality.converted(query_set.judgements)
    rows: dict[str, Row] = {}
    start = time.perf_counter()
    rankers: dict[str, Callable[[str], Sequence[str]] | str] = {
        KB: kb_ranker(query_set.root, work / f"index-{query_set.name}"),
    }
    index_seconds = time.perf_counter() - start
    rankers[BASELINE] = baseline_ranker(query_set.root)
    if static:
        ranker, reason = material_ranker(query_set.root, work / f"static-{query_set.name}")
        rankers[MATERIAL] = ranker if ranker is not None else reason
    else:
        rankers[MATERIAL] = "not run (--no-static)"
    for name, rank in rankers.items():
        if isinstance(rank, str):
            rows[name] = rank
            continue
        rows[name] = (quality.evaluate(rank, query_set.judgements), quality.evaluate(rank, other))
        close = getattr(rank, "close", None)  # Material's ranker holds a browser and a server
        if callable(close):
            close()
    print(f"  ({query_set.name}: kb index built in {index_seconds:.1f} s)", flush=True)
    return rows


def report(query_set: QuerySet, rows: dict[str, Row], misses: bool) -> None:
    converted = len(quality.converted(query_set.judgements))
    size = f", {query_set.documents} documents" if query_set.documents else ""
    print(
        f"\n{query_set.label} {query_set.name}: {len(query_set.judgements)} queries "
        f"({converted} converted to the other script){size}"
    )
    print(f"{'engine':<26}{'MRR@10':>8}{'R@5':>8}{'MRR@10 conv.':>14}{'R@5 conv.':>11}")
    for name, row in rows.items():
        if isinstance(row, str):
            print(f"{name:<26}  skipped: {row}")
            continue
        original, switched = row
        better = "higher" if name == KB else ""  # the other engines are not under test
        prefix = f"{query_set.name} {name}"
        harness.figure(f"{prefix} MRR@10", original.mrr_at_10, better=better)
        harness.figure(f"{prefix} R@5", original.recall_at_5, better=better)
        harness.figure(f"{prefix} MRR@10 conv.", switched.mrr_at_10, better=better)
        harness.figure(f"{prefix} R@5 conv.", switched.recall_at_5, better=better)
        print(
            f"{name:<26}{original.mrr_at_10:>8.3f}{original.recall_at_5:>8.3f}"
            f"{switched.mrr_at_10:>14.3f}{switched.recall_at_5:>11.3f}"
        )
    targets(query_set, rows)
    if misses and not isinstance(rows[KB], str):
        for found, label in zip(rows[KB], ("as written", "converted"), strict=True):
            print(f"\n{query_set.name}: kb search misses ({label}, answer not in the top 10):")
            for text, top in found.misses:
                print(f"  {text!r:40} top: {', '.join(top)}")
            if not found.misses:
                print("  (none)")


def targets(query_set: QuerySet, rows: dict[str, Row]) -> None:
    ours, base = rows[KB], rows[BASELINE]
    assert not isinstance(ours, str) and not isinstance(base, str)
    goal = query_set.targets
    name = query_set.name

    def check(ok: bool) -> str:
        return "met" if ok else "NOT met"

    pairs = [((ours[0], base[0]), "as written"), ((ours[1], base[1]), "converted")]
    for (mine, theirs), label in pairs[: 2 if query_set.both_scripts else 1]:
        over = mine.mrr_at_10 - theirs.mrr_at_10
        print(
            f"{name} kb search MRR@10 {label}: {mine.mrr_at_10:.3f} (target >= "
            f"{goal['floor']:.2f}: {check(mine.mrr_at_10 >= goal['floor'])}); over baseline "
            f"{over:+.3f} (target >= +{goal['over_baseline']:.2f}: "
            f"{check(over >= goal['over_baseline'])})"
        )
    gap = abs(ours[1].mrr_at_10 - ours[0].mrr_at_10)
    print(
        f"{name} converted queries: {gap:.3f} from the originals "
        f"(target <= {goal['gap']:.2f}: {check(gap <= goal['gap'])})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--corpus", type=Path, help="git directory of the development corpus (oceanbase-doc)"
    )
    parser.add_argument(
        "--commit", help="the corpus's commit (default: the one the query file records)"
    )
    parser.add_argument(
        "--queries",
        type=Path,
        help="with --corpus: the development query file (default bench/queries/oceanbase-zh.yml);"
        " without: the starter query file",
    )
    parser.add_argument("--starter-queries", type=Path, help="the starter set's query file")
    parser.add_argument(
        "--root", type=Path, default=harness.checkout(), help="the starter set's knowledge base"
    )
    parser.add_argument("--misses", action="store_true", help="list the queries kb search misses")
    parser.add_argument("--no-static", action="store_true", help="skip Material's static search")
    parser.add_argument("--keep", type=Path, help="keep the work folder (corpus, indexes) here")
    options = parser.parse_args()

    with harness.work_folder("kb-quality-", options.keep) as work:
        sets = [dev_set(options, work)] if options.corpus else []
        sets.append(starter_set(options))
        measured = [(s, measure(s, work, not options.no_static)) for s in sets]
    for query_set, rows in measured:
        report(query_set, rows, options.misses)


if __name__ == "__main__":
    main()
