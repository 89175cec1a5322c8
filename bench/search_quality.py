"""Search quality: `kb search` against a plain BM25 baseline, side by side, on the query set.

    python bench/search_quality.py [--queries tests/data/search_queries.yml] [--misses]

The baseline is what a team would get without this issue's work: rank-bm25's BM25Okapi over
the same documents (title, headings and body), cut with jieba, no script normalisation, no
synonyms. Both run the original queries and the same queries converted to the other script.
Targets (issue 3): MRR@10 >= 0.90 and >= baseline + 0.10; converted within 0.02 of original.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import harness

quality = harness.library("search_quality")
Quality = quality.Quality


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    checkout = harness.checkout()  # the code under test, its knowledge base and query set
    parser.add_argument(
        "--queries", type=Path, default=checkout / "tests/data/search_queries.yml"
    )
    parser.add_argument("--root", type=Path, default=checkout)
    parser.add_argument("--misses", action="store_true", help="list the queries kb search misses")
    options = parser.parse_args()

    judgements = quality.load_query_set(options.queries)
    other = quality.converted(judgements)
    with harness.work_folder("kb-quality-") as work:
        engines = {
            "kb search": kb_ranker(options.root, work / "index"),
            "baseline (jieba + BM25)": baseline_ranker(options.root),
        }
        rows: dict[str, tuple[Quality, Quality]] = {
            name: (quality.evaluate(rank, judgements), quality.evaluate(rank, other))
            for name, rank in engines.items()
        }
    print(f"{len(judgements)} queries ({len(other)} converted to the other script)\n")
    print(f"{'engine':<26}{'MRR@10':>8}{'R@5':>8}{'MRR@10 conv.':>14}{'R@5 conv.':>11}")
    for name, (original, switched) in rows.items():
        better = "higher" if name == "kb search" else ""  # the BM25 baseline is not supportkb
        harness.figure(f"{name} MRR@10", original.mrr_at_10, better=better)
        harness.figure(f"{name} R@5", original.recall_at_5, better=better)
        harness.figure(f"{name} MRR@10 conv.", switched.mrr_at_10, better=better)
        harness.figure(f"{name} R@5 conv.", switched.recall_at_5, better=better)
        print(
            f"{name:<26}{original.mrr_at_10:>8.3f}{original.recall_at_5:>8.3f}"
            f"{switched.mrr_at_10:>14.3f}{switched.recall_at_5:>11.3f}"
        )
    ours, base = rows["kb search"][0], rows["baseline (jieba + BM25)"][0]
    gap = abs(rows["kb search"][1].mrr_at_10 - ours.mrr_at_10)
    print(f"\nkb search MRR@10 {ours.mrr_at_10:.3f} (target >= 0.90)")
    print(f"over baseline: {ours.mrr_at_10 - base.mrr_at_10:+.3f} (target >= +0.10)")
    print(f"converted queries: {gap:.3f} from the originals (target <= 0.02)")
    if options.misses:
        for found, label in ((ours, "original"), (rows["kb search"][1], "converted")):
            print(f"\nmissed ({label}):")
            for text, top in found.misses:
                print(f"  {text!r:40} top: {', '.join(top)}")


if __name__ == "__main__":
    main()
