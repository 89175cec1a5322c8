"""The search quality floor on the starter content the queries were judged against. Quality
is deterministic (same documents, same queries, same engine), so unlike timings it is a fair
thing to test. The full report, with the baseline, is `python bench/search_quality.py`."""

from __future__ import annotations

import pytest

from supportkb.search.indexing.index import build_index, open_engine
from supportkb.search.quality import converted, evaluate, load_query_set
from supportkb.search.query import SearchRequest, run_search
from supportkb.workspace.knowledge_base import load_knowledge_base

from conftest import AS_OF, REPO_ROOT, judged_ids, shipped_content

ROOT = REPO_ROOT
QUERIES = ROOT / "tests" / "data" / "search_queries.yml"


@pytest.fixture(scope="module")
def ranker(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    judged = shipped_content(tmp_path_factory.mktemp("kb"))
    assert {d.id for d in load_knowledge_base(judged).documents} == judged_ids()
    folder = tmp_path_factory.mktemp("index")
    build_index(judged, folder)
    searcher = open_engine(folder, "restricted").searcher()  # every document

    def rank(text: str) -> list[str]:
        request = SearchRequest(text, AS_OF, include_archived=True)
        return [r.id for r in run_search(searcher, request).results]

    return rank


def test_the_query_set_is_large_and_names_real_documents() -> None:
    judgements = load_query_set(QUERIES)
    assert len(judgements) >= 80
    ids = {line.split(":", 1)[1].strip() for line in _front_matter_id_lines()}
    assert {doc for j in judgements for doc in j.relevant} <= ids


def test_quality_stays_above_the_floor(ranker) -> None:  # type: ignore[no-untyped-def]
    judgements = load_query_set(QUERIES)
    original = evaluate(ranker, judgements)
    switched = evaluate(ranker, converted(judgements))
    assert original.mrr_at_10 >= 0.90, original.misses
    assert original.recall_at_5 >= 0.92
    assert switched.mrr_at_10 >= original.mrr_at_10 - 0.025, switched.misses


def _front_matter_id_lines() -> list[str]:
    lines = []
    for top in ("kb", "sops", "docs/policies"):
        for path in (ROOT / top).rglob("*.md"):
            text = path.read_text(encoding="utf-8")
            if text.startswith("---"):
                front = text.split("---", 2)[1]
                lines += [line for line in front.splitlines() if line.startswith("id:")]
    return lines
