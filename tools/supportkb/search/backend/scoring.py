"""Whoosh's own scoring: `RankedBM25F`, Whoosh's BM25F with the ranking factors
(`ranking.rules`), what Whoosh's matchers score with when they match a form the arrays do not
know, and in `EngineSearcher(vectorised=False)`, the reference the arrays are tested against
(for what Whoosh can match: words, phrases, AND, OR, NOT, filters).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from whoosh import scoring

from supportkb.search.backend.fields import UNDATED
from supportkb.search.ranking.rules import RankingRules
from supportkb.search.ranking.rules import bm25 as ranking_bm25


class RankedBM25F(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's own BM25F with the factors: what the engine uses for phrases it cannot read
    as arrays, and the reference `vector_search` is tested against."""

    use_final = True

    def __init__(self, rules: RankingRules, as_of: date) -> None:
        bm25 = ranking_bm25()
        field_b = {f"{name}_B": b for name, b in bm25.field_b}
        super().__init__(B=bm25.b, K1=bm25.k1, **field_b)
        self.rules = rules
        self.as_of = as_of
        self._columns: tuple[Any, Any, Any] | None = None

    def final(self, searcher: Any, docnum: int, score: float) -> float:
        reader = searcher.reader()
        if self._columns is None or self._columns[0] is not reader:
            self._columns = (
                reader,
                reader.column_reader("status"),
                reader.column_reader("review_due"),
            )
        _, status, due = self._columns
        day = due[docnum]
        review_due = date.fromordinal(day) if day != UNDATED else None
        return float(score) * self.rules.factor(status[docnum], review_due, self.as_of)
