"""Is a document current? Review due dates, drill due dates and product versions."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date

from supportkb.documents.model import Applicability, DocType, Document, Status
from supportkb.workspace.settings import KnowledgeBaseConfig


class Freshness(enum.StrEnum):
    CURRENT = "current"
    DUE_SOON = "due-soon"
    OVERDUE = "overdue"
    EXEMPT = "exempt"  # drafts and retired documents are not held to freshness


HELD = (Status.PUBLISHED, Status.IN_REVIEW)  # drafts and retired documents are not held


def is_overdue(status: str, review_due: date | None, as_of: date) -> bool:
    """The one rule for "stale" (past its review date), for every reader of the index: the
    search results, the API's documents and the ranking. `review_due` comes from
    `FreshnessRule.review_due` when the document was indexed."""
    return status in HELD and review_due is not None and _is_past(review_due, as_of)


def _is_past(due: date, as_of: date) -> bool:
    """Overdue is the day after the due date: a review due today is not late yet."""
    return due < as_of


@dataclass(frozen=True)
class FreshnessRule:
    config: KnowledgeBaseConfig

    def is_held(self, document: Document) -> bool:
        return document.status in HELD

    def review_due(self, document: Document) -> date | None:
        if document.review_by is not None:
            return document.review_by
        if document.last_reviewed is None:
            return None
        interval = document.review_every or self.config.review_every[document.type]
        return interval.after(document.last_reviewed)

    def drill_due(self, document: Document) -> date | None:
        """Next drill: the last drill (or, never drilled, the last review) plus the interval."""
        if document.type is not DocType.EMERGENCY_PLAN:
            return None
        last = document.last_drill
        start = last.date if last else document.last_reviewed
        if start is None:
            return None
        return (document.drill_every or self.config.drill_every).after(start)

    def judge(self, due: date | None, as_of: date) -> Freshness:
        if due is None:
            return Freshness.EXEMPT
        if _is_past(due, as_of):
            return Freshness.OVERDUE
        if (due - as_of).days <= self.config.due_soon_days:  # no overflow near 9999-12-31
            return Freshness.DUE_SOON
        return Freshness.CURRENT

    def review_state(self, document: Document, as_of: date) -> Freshness:
        if not self.is_held(document):
            return Freshness.EXEMPT
        return self.judge(self.review_due(document), as_of)

    def drill_state(self, document: Document, as_of: date) -> Freshness:
        if not self.is_held(document):
            return Freshness.EXEMPT
        return self.judge(self.drill_due(document), as_of)

    def outdated_products(self, document: Document) -> list[tuple[Applicability, str]]:
        """`applies_to` entries whose range no longer covers the product's current version."""
        result = []
        for entry in document.applies_to:
            current = self.config.products.get(entry.product)
            if current is not None and not entry.covers(current):
                result.append((entry, str(current)))
        return result
