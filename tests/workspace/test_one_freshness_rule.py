"""One rule for "stale": what the index's readers ask (`is_overdue`, from the status and the
review date stored in the index) agrees with what `kb check` and `kb report` ask
(`FreshnessRule.review_state`, from the document), for every status and around the due date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from supportkb.documents.model import DocType, Document, Status
from supportkb.workspace.freshness import Freshness, FreshnessRule, is_overdue
from supportkb.workspace.settings import KnowledgeBaseConfig

DUE = date(2026, 11, 24)


@pytest.mark.parametrize("status", list(Status), ids=str)
@pytest.mark.parametrize("days_after_due", [-31, -1, 0, 1, 400])
def test_the_index_and_the_checker_agree_on_overdue(status: Status, days_after_due: int) -> None:
    rule = FreshnessRule(KnowledgeBaseConfig())
    document = Document("kb/x.md", DocType.ARTICLE, "KB-1", "t", "alice", status, review_by=DUE)
    as_of = DUE + timedelta(days=days_after_due)
    stored_due = rule.review_due(document) if rule.is_held(document) else None
    assert is_overdue(str(status), stored_due, as_of) == (
        rule.review_state(document, as_of) is Freshness.OVERDUE
    )
    assert is_overdue(str(status), stored_due, as_of) == (
        days_after_due > 0 and status in (Status.PUBLISHED, Status.IN_REVIEW)
    )
