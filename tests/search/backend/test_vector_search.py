"""Searching over posting arrays (`vector_search`) answers exactly as Whoosh's own matching
and BM25F scoring do: same totals, same order, same scores, same facets. Checked on the
starter content after an incremental build (several segments, deleted documents), with every
query of the quality set, in both scripts, and the query syntax. A plain list of words is
graded over the arrays in both searchers (`Across` has no Whoosh equivalent: its tests are in
tests/search/ranking/); what this compares there is the filters, the title clauses, the
re-ranking and everything after matching."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from supportkb.search.backend.engine import Engine
from supportkb.search.backend.records import EngineResults
from supportkb.search.backend.searching import EngineSearcher
from supportkb.search.indexing.index import build_index, open_engine
from supportkb.search.quality import converted, load_query_set
from supportkb.search.ranking import vector_search as vs

from conftest import AS_OF, REPO_ROOT

ROOT = REPO_ROOT

SYNTAX = [
    "*",
    "type:sop 停電",
    "type:sop OR type:ep",
    "tag:vpn 連線",
    "VPN NOT 錯誤",
    "VPN AND 錯誤",
    "(印表機 OR 打印机) 卡紙",
    '"列印佇列"',
    '"重新 啟動"~3',
    "Out*",
    "憑證*",
    "owner:network",
    "status:draft",
    "密碼 -過期",
    "power outage",
    "corp_vpn.xml",
    "vpn *",
    "type:sop *",
    "status:*",
    "[a TO c]",
    "title:[a TO z]",
    "重新 ANDMAYBE type:sop ANDNOT 憑證",  # matched by Whoosh a segment at a time (Given)
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """The starter content after a full and an incremental build."""
    site = tmp_path_factory.mktemp("kb")
    for name in ("kb", "sops", "docs"):
        shutil.copytree(ROOT / name, site / name)
    for name in ("mkdocs.yml", "owners.yml"):
        shutil.copy(ROOT / name, site / name)
    folder = site / ".kb-index"
    build_index(site, folder)
    # an incremental build: changed and removed documents leave deleted ones in the segments
    articles = sorted((site / "kb").rglob("*.md"))
    for path in articles[:3]:
        path.write_text(path.read_text(encoding="utf-8") + "\n補充：VPN 連線逾時請重新開機。\n")
    articles[3].unlink()
    build_index(site, folder)
    return open_engine(folder)


@pytest.fixture(scope="module")
def searchers(engine: Engine) -> tuple[EngineSearcher, EngineSearcher]:
    return engine.searcher(), engine.searcher(vectorised=False)


def queries() -> list[str]:
    judgements = load_query_set(ROOT / "tests" / "data" / "search_queries.yml")
    return [j.text for j in judgements] + [j.text for j in converted(judgements)] + SYNTAX


NO_LIMIT = 600.0  # seconds: the comparison is of answers, never of time


def test_array_search_answers_as_whoosh_does(searchers) -> None:  # type: ignore[no-untyped-def]
    arrays, whoosh = searchers
    compared = 0
    for text in queries():
        for page in ((10, 0), (5, 5)):
            options = dict(  # the time limit is not under test: a loaded machine must not trip it
                as_of=AS_OF, limit=page[0], offset=page[1], facets=True, time_limit=NO_LIMIT
            )
            _same(text, arrays.search(text, **options), whoosh.search(text, **options))
            compared += 1
    assert compared > 300


def test_filters_and_exclusions_answer_as_whoosh_does(searchers) -> None:  # type: ignore[no-untyped-def]
    arrays, whoosh = searchers
    options = dict(
        as_of=AS_OF,
        filters={"type": ["article", "sop"], "tag": ["vpn"]},
        exclude={"status": ["archived"], "visibility": ["restricted"]},
        facets=True,
        time_limit=NO_LIMIT,
    )
    for text in ("連線", "VPN 錯誤 809", "*"):
        _same(text, arrays.search(text, **options), whoosh.search(text, **options))


def _same(text: str, got: EngineResults, expected: EngineResults) -> None:
    assert got.total == expected.total, text
    assert [h.id for h in got.hits] == [h.id for h in expected.hits], text
    assert [h.score for h in got.hits] == pytest.approx([h.score for h in expected.hits]), text
    assert [h.body for h in got.hits] == [h.body for h in expected.hits], text
    assert [h.marked for h in got.hits] == [h.marked for h in expected.hits], text
    assert got.facets == expected.facets, text
    assert got.suggestion == expected.suggestion, text


# -- the evaluator on a corpus written by hand ------------------------------------------------


class TinyCorpus:
    """Three documents; document 2 is deleted."""

    size = 3
    live = np.array([True, True, False])

    def __init__(self) -> None:
        self.words = {  # (field, word) -> {document: positions}
            ("body", "vpn"): {0: [0, 5], 1: [3], 2: [0]},
            ("body", "error"): {0: [1], 1: [9]},
        }

    def postings(self, fieldname: str, text: str) -> vs.Postings | None:
        found = self.words.get((fieldname, text))
        if not found:
            return None
        ids = np.array(sorted(found), dtype=np.int64)
        weights = np.array([float(len(found[int(d)])) for d in ids])
        return vs.Postings(ids, weights, lambda n: found[int(ids[n])])

    def lengths(self, fieldname: str) -> vs.Floats | None:
        return np.array([10.0, 10.0, 10.0])

    def average_length(self, fieldname: str) -> float:
        return 10.0

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return len(self.words.get((fieldname, text), {}))


def test_a_phrase_needs_its_words_in_order_within_the_slop() -> None:
    evaluate = vs.Evaluator(TinyCorpus(), vs.BM25F())
    assert evaluate(vs.Phrase("body", ("vpn", "error"))).found.tolist() == [True, False, False]
    assert evaluate(vs.Phrase("body", ("error", "vpn"))).found.tolist() == [False, False, False]
    near = evaluate(vs.Phrase("body", ("vpn", "error"), slop=6)).found
    assert near.tolist() == [True, True, False]


def test_not_leaves_out_deleted_documents_and_scores_one() -> None:
    evaluate = vs.Evaluator(TinyCorpus(), vs.BM25F())
    matches = evaluate(vs.Inverse(vs.Word("body", "error")))
    assert matches.found.tolist() == [False, False, False]
    everything = evaluate(vs.Everything())
    assert everything.found.tolist() == [True, True, False]


def test_or_adds_scores_and_and_keeps_only_documents_with_both() -> None:
    evaluate = vs.Evaluator(TinyCorpus(), vs.BM25F())
    vpn, error = vs.Word("body", "vpn"), vs.Word("body", "error")
    either, both = evaluate(vs.AnyOf((vpn, error))), evaluate(vs.AllOf((vpn, error)))
    alone = evaluate(vpn).scores + evaluate(error).scores
    assert either.scores == pytest.approx(alone)
    assert both.found.tolist() == [True, True, False]
    assert evaluate(vs.AnyOf((vpn,), boost=2.0)).scores == pytest.approx(evaluate(vpn).scores * 2)


def test_ranked_keeps_the_best_with_ties_by_document_number() -> None:
    scores = np.array([1.0, 3.0, 2.0, 3.0, 0.5])
    found = np.array([True, True, True, True, False])
    assert vs.ranked(scores, found, 2).tolist() == [1, 3]
    assert vs.ranked(scores, found, 3).tolist() == [1, 3, 2]
    assert vs.ranked(scores, found, 10).tolist() == [1, 3, 2, 0]


def test_past_the_deadline_the_rest_is_left_out_and_said() -> None:
    evaluate = vs.Evaluator(TinyCorpus(), vs.BM25F(), deadline=0.0)  # long past
    vpn, error = vs.Word("body", "vpn"), vs.Word("body", "error")
    matches = evaluate(vs.AnyOf((vpn, error)))
    assert evaluate.timed_out
    assert matches.scores == pytest.approx(vs.Evaluator(TinyCorpus(), vs.BM25F())(vpn).scores)


def test_a_search_past_its_time_limit_answers_with_what_it_found(searchers) -> None:  # type: ignore[no-untyped-def]
    arrays, _ = searchers
    found = arrays.search("VPN 錯誤 809 印表機 密碼", as_of=AS_OF, time_limit=0.0)
    assert found.timed_out and found.total > 0
    assert not arrays.search("VPN 錯誤 809", as_of=AS_OF).timed_out
