"""How documents rank: BM25F's parameters and the per-document factor applied to its score.

Whoosh-free: the backend applies these (over arrays, or through Whoosh's own scorer for the
comparison path). A validated document ranks above one not validated and drafts; overdue for
review (the one rule, `freshness.is_overdue`) and deprecated rank lower.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from supportkb.documents.vocabulary import Status
from supportkb.search.ranking.vector_search import BM25F
from supportkb.workspace.freshness import is_overdue


@dataclass(frozen=True)
class RankingRules:
    """Per-document factors applied to the BM25F score."""

    status: Mapping[str, float] = field(
        default_factory=lambda: {
            Status.PUBLISHED.value: 1.0,
            Status.IN_REVIEW.value: 0.8,
            Status.DRAFT.value: 0.7,
            Status.DEPRECATED.value: 0.5,
            Status.ARCHIVED.value: 0.4,
        }
    )
    overdue: float = 0.8  # review overdue: still found, but below current documents

    def factor(self, status: str, review_due: date | None, as_of: date) -> float:
        """The factor of a document with this status and review date on `as_of`."""
        factor = self.status.get(status, 1.0)
        if is_overdue(status, review_due, as_of):
            factor *= self.overdue
        return factor


@dataclass(frozen=True)
class Relevance:
    """How a list of words is matched and ranked (`vector_search.Graded`, `proximity`).

    Chosen on the development corpus (`bench/search_quality.py --corpus`, a real
    documentation set with queries written before any engine ran), never on the held-out
    sets; the starter set is a floor, not a target. How each is used: tools/docs/search.md;
    the figures: tools/docs/performance.md.
    """

    coordination: float = 0.3  # the score times (share of the query's weight matched) ** this
    weak: float = 0.2  # the weight of a weak word (`data/search-weak-words.zh.txt`), others 1
    title: float = 3.0  # times (1 + this * the share of the query's weight in the title)
    near_title: float = 0.5  # times (1 + this * closeness in the title + near_body * ...)
    near_body: float = 0.5
    window: int = 4  # positions within which two words count as close
    reranked: int = 100  # the best documents whose closeness is looked at
    few: int = 10  # below this many documents with the minimum, one word fewer will do
    should_match: float = 0.34  # the share of the query's words a document needs (`minimum`)

    def minimum(self, words: int) -> int:
        """How many of a query's (strong) words a document needs: the share `should_match`
        of them, rounded down, and at least one."""
        return max(1, int(words * self.should_match))


@cache
def bm25() -> BM25F:
    """BM25F's parameters, chosen on the development corpus (`Relevance`): k1 2.0 (Whoosh's
    default is 1.2: a word repeated in a page counts a little longer), full length
    normalisation for the body (b 1.0: a long page is not favoured for holding more words),
    less for titles and tags."""
    return BM25F(k1=2.0, b=1.0, field_b=(("title", 0.4), ("tags", 0.2)))
