"""Graded matching (`vector_search.Graded`), BM25F across fields (`Across`) and closeness
(`proximity`) on a corpus written by hand."""

from __future__ import annotations

import numpy as np
import pytest

from supportkb.search.ranking import vector_search as vs
from supportkb.search.ranking.proximity import proximity


class Corpus:
    """Four live documents; positions by (field, word)."""

    size = 4
    live = np.array([True, True, True, True])

    def __init__(self) -> None:
        self.words = {
            ("body", "printer"): {0: [0], 1: [5], 2: [3]},
            ("body", "offline"): {0: [1], 1: [0], 3: [2]},
            ("body", "jam"): {0: [7], 2: [9]},
            ("title", "printer"): {1: [0]},
        }

    def postings(self, fieldname: str, text: str) -> vs.Postings | None:
        found = self.words.get((fieldname, text))
        if not found:
            return None
        ids = np.array(sorted(found), dtype=np.int64)
        weights = np.array([float(len(found[int(d)])) for d in ids])
        return vs.Postings(ids, weights, lambda n: found[int(ids[n])])

    def lengths(self, fieldname: str) -> vs.Floats | None:
        return np.full(self.size, 10.0)

    def average_length(self, fieldname: str) -> float:
        return 10.0

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return len(self.words.get((fieldname, text), {}))


def _graded(
    *words: str, minimum: int = 1, few: int = 0, weights: tuple[float, ...] = ()
) -> vs.Graded:
    clauses = tuple(vs.Word("body", word) for word in words)
    return vs.Graded(
        clauses,
        weights or (1.0,) * len(words),
        lambda n: min(n, minimum),
        coordination=1.0,
        few=few,
    )


def test_a_document_needs_the_minimum_not_every_word() -> None:
    evaluate = vs.Evaluator(Corpus(), vs.BM25F())
    two = evaluate(_graded("printer", "offline", "jam", minimum=2))
    assert two.found.tolist() == [True, True, True, False]
    assert two.scores[0] > two.scores[1]  # all three words above two of them


def test_a_word_found_nowhere_asks_nothing() -> None:
    evaluate = vs.Evaluator(Corpus(), vs.BM25F())
    typo = evaluate(_graded("printer", "ofline", minimum=2))
    assert typo.found.tolist() == [True, True, True, False]


def test_the_minimum_is_lowered_when_too_few_documents_reach_it() -> None:
    evaluate = vs.Evaluator(Corpus(), vs.BM25F())
    found = evaluate(_graded("printer", "offline", "jam", minimum=3, few=2))
    assert found.found.tolist() == [True, True, True, False]  # only document 0 had all three


def test_a_weak_word_weighs_less_and_never_counts_alone() -> None:
    evaluate = vs.Evaluator(Corpus(), vs.BM25F())
    found = evaluate(_graded("printer", "jam", weights=(1.0, 0.2)))
    assert found.found.tolist() == [True, True, True, False]
    only_weak = evaluate(_graded("jam", weights=(0.2,)))
    assert only_weak.found.tolist() == [True, False, True, False]


def test_across_saturates_a_word_once_over_its_fields() -> None:
    evaluate = vs.Evaluator(Corpus(), vs.BM25F(k1=1.2, b=0.0))
    fields = (("title", 2.0), ("body", 1.0))
    across = evaluate(vs.Across("printer", fields))
    summed = evaluate(vs.AnyOf((vs.Word("title", "printer", 2.0), vs.Word("body", "printer"))))
    assert across.found.tolist() == summed.found.tolist()
    assert across.scores[1] > across.scores[0]  # the title counts
    assert across.scores[1] < summed.scores[1]  # but the word saturates once


def test_closeness_prefers_the_querys_order() -> None:
    corpus = Corpus()
    docs = np.array([0, 1], dtype=np.int64)
    near = proximity(corpus, "body", ("printer", "offline"), docs, window=8)
    assert near[0] == pytest.approx(1.0)  # printer at 0, offline at 1
    assert 0 < near[1] < near[0]  # offline before printer: the other order counts less
    assert proximity(corpus, "body", ("printer", "jam"), docs, window=4).tolist() == [0.0, 0.0]


def test_closeness_stops_when_the_search_is_out_of_time() -> None:
    docs = np.array([0, 1], dtype=np.int64)
    late = proximity(Corpus(), "body", ("printer", "offline"), docs, 8, late=lambda: True)
    assert late.tolist() == [0.0, 0.0]
