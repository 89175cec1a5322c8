"""Whoosh's own matching and scoring, through its collectors: the reference the array
matcher (`arrays`) is tested against, and what `EngineSearcher(vectorised=False)` runs.

`RankedBM25F` is Whoosh's BM25F with the ranking factors (`ranking.rules`); `WhooshRun` is one
pass of a query through the collectors: filters and masks first, then a time limit, then the
top documents (and facet counts).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import date
from typing import Any

from whoosh import collectors, query, scoring

from supportkb.search.backend.fields import UNDATED
from supportkb.search.backend.parsing import any_of, none_of
from supportkb.search.backend.records import FACETS, EngineQuery
from supportkb.search.ranking.rules import RankingRules
from supportkb.search.ranking.rules import bm25 as ranking_bm25

LARGE_RESULT = 3000  # estimated matches above which only the top documents are scored


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


class WhooshRun:
    """One pass of a query through Whoosh's collectors: filters and masks first, then a time
    limit, then the top documents (and facet counts)."""

    def __init__(self, searcher: Any, asked: EngineQuery) -> None:
        self.searcher, self.limit, self.facets, self.time_limit = (
            searcher,
            asked.offset + asked.limit,
            asked.facets,
            asked.time_limit,
        )
        self.filter, self.mask = any_of(asked.filters), none_of(asked.exclude)
        self.timed_out = False

    def __call__(self, expanded: Any) -> tuple[Any, int]:
        """(results, exact number of matching documents)."""
        everything = isinstance(expanded, query.Every)  # `*` alone: a list, nothing to rank
        large = everything or expanded.estimate_size(self.searcher.reader()) > LARGE_RESULT
        # Small sets: score them all (the count comes free). Large sets: keep only the top
        # (Whoosh skips blocks that cannot reach it), then count without scoring.
        collector = self.searcher.collector(
            limit=self.limit if large else None,
            groupedby=list(FACETS) if self.facets else None,
            scored=not everything,
        )
        timed = collectors.TimeLimitCollector(
            collector, timelimit=self.time_limit, use_alarm=_alarm_allowed()
        )
        # the filter wraps the time limit (not the other way round) so that it sees every document
        outer = collectors.FilterCollector(timed, self.filter, self.mask)
        try:
            self.searcher.search_with_collector(expanded, outer)
        except collectors.TimeLimit:
            self.timed_out = True
        results = outer.results()
        return results, self._count(expanded) if large and not self.timed_out else len(results)

    def _count(self, expanded: Any) -> int:
        unscored = collectors.FilterCollector(
            collectors.UnsortedCollector(), self.filter, self.mask
        )
        self.searcher.search_with_collector(expanded, unscored)
        return int(unscored.count())


def _alarm_allowed() -> bool:
    return threading.current_thread() is threading.main_thread()


def facet_counts(raw: Mapping[str, Mapping[Any, Any]]) -> dict[str, dict[str, int]]:
    return {
        name: {
            str(key): len(value) if isinstance(value, list) else int(value)
            for key, value in groups.items()
            if key
        }
        for name, groups in raw.items()
    }
