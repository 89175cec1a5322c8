"""A search request speaks the documents' vocabulary (every alias of a type, as the query
syntax does), decides "stale" by the one freshness rule, and fails with the library's errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from supportkb import errors
from supportkb.search import query
from supportkb.search.indexing.index import build_index, open_engine
from supportkb.search.query import SearchRequest, run_search
from supportkb.workspace.freshness import is_overdue

from conftest import AS_OF, KnowledgeBaseFactory, article_front

PLAN = """\
id: EP-0001
title: 機房停電應變計畫
status: published
owner: network
version: "2.0"
last_reviewed: 2026-06-01
"""
PLAN_BODY = "## 應變組織\n機房停電\n## 應變流程\n## 應變措施\n## 應變資源\n## 溝通與通報\n"


@pytest.fixture
def index(kb: KnowledgeBaseFactory) -> Path:
    kb.document("sops/emergency/outage.md", PLAN, PLAN_BODY)
    kb.document(
        "kb/power/outage.md",
        article_front(id="KB-0001", title="機房停電", last_reviewed="2024-01-01"),
        "## 症狀\n機房停電。\n## 解決方法\n等待供電。\n",
    )
    build_index(kb.root, kb.root / ".kb-index")
    return kb.root / ".kb-index"


def search(index: Path, text: str, **options: object) -> list[str]:
    searcher = open_engine(index).searcher()
    try:
        found = run_search(searcher, SearchRequest(text, AS_OF, **options))  # type: ignore[arg-type]
    finally:
        searcher.close()
    return [r.id for r in found.results]


@pytest.mark.parametrize("name", ["emergency-plan", "ep", "plan", "EP", "Plan"])
def test_a_type_filter_accepts_every_name_of_the_type(index: Path, name: str) -> None:
    assert search(index, "停電", types=(name,)) == ["EP-0001"]
    assert search(index, f"type:{name.lower()} 停電") == ["EP-0001"]


def test_the_accepted_names_are_the_vocabulary_s() -> None:
    from supportkb.documents.vocabulary import status_names, type_names

    assert set(query.TYPE_NAMES) == set(type_names()) and "plan" in query.TYPE_NAMES
    assert set(query.STATUS_NAMES) == set(status_names())


def test_an_unknown_type_is_a_search_error(index: Path) -> None:
    with pytest.raises(errors.SearchError, match="unknown type 'manual'"):
        search(index, "停電", types=("manual",))


def test_a_query_that_cannot_be_read_is_a_query_syntax_error(index: Path) -> None:
    with pytest.raises(errors.QuerySyntaxError):
        search(index, "NOT NOT (停電")
    assert query.SearchError is errors.SearchError  # the old address still answers


def test_stale_is_the_freshness_rule(index: Path) -> None:
    searcher = open_engine(index).searcher()
    try:
        found = run_search(searcher, SearchRequest("停電", AS_OF)).results
    finally:
        searcher.close()
    assert {r.id: r.stale for r in found} == {"KB-0001": True, "EP-0001": False}
    for result in found:
        assert result.stale == is_overdue(result.status, result.review_due, AS_OF)
        day_before_due = (result.review_due or AS_OF) - timedelta(days=1)
        assert not is_overdue(result.status, result.review_due, day_before_due)
