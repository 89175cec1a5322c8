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


@cache
def bm25() -> BM25F:
    """BM25F's parameters: Whoosh's defaults, with shorter-field B for titles and tags."""
    return BM25F(k1=1.2, b=0.75, field_b=(("title", 0.4), ("tags", 0.2)))
