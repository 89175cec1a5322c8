"""`POST /api/feedback` and `GET /api/popular`: readers' word recorded, the most opened shown,
and neither tells anything of a document the site's audience may not see."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from test_app import article, client_for

from supportkb.reporting.feedback import FeedbackKind, feedback_path, flagged, missing_requests
from supportkb.reporting.search_log import SearchLog
from supportkb.search.indexing.index import build_index
from supportkb.service.app import ServeSettings, create_app

from conftest import AS_OF, KnowledgeBaseFactory

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def site(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    """An internal site's knowledge base: three articles it shows, one restricted."""
    article(kb, "kb/printing/jam.md", "KB-0001", "印表機卡紙", "印表機一直卡紙。")
    article(kb, "kb/printing/offline.md", "KB-0002", "印表機離線", "印表機顯示離線。")
    article(kb, "kb/vpn/809.md", "KB-0003", "VPN 錯誤 809", "VPN 連線出現錯誤 809。")
    article(kb, "kb/vpn/secret.md", "KB-0005", "VPN 機密", "VPN 金鑰。", visibility="restricted")
    (kb.root / "site").mkdir()
    (kb.root / "site" / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    build_index(kb.root)
    return kb


@pytest.fixture
def client(site: KnowledgeBaseFactory) -> TestClient:
    return client_for(site.root)  # audience: internal


SINCE = AS_OF.replace(month=10)


def store_of(root: Path) -> Path:
    return feedback_path(root / "analytics.sqlite")


def test_feedback_is_recorded_and_answered_204(
    client: TestClient,
    site: KnowledgeBaseFactory,
) -> None:
    assert (
        client.post("/api/feedback", json={"id": "KB-0001", "kind": "helpful"}).status_code == 204
    )
    answer = client.post(
        "/api/feedback",
        json={"id": "KB-0001", "kind": "wrong", "comment": "步驟已過時，請找 amy@corp.example"},
    )
    assert answer.status_code == 204 and answer.content == b""
    missing = {"id": None, "kind": "missing", "query": "碳粉 匣"}
    assert client.post("/api/feedback", json=missing).status_code == 204
    (document,) = flagged(store_of(site.root), SINCE)
    assert (document.id, document.helpful, document.wrong) == ("KB-0001", 1, 1)
    assert document.comments == ("步驟已過時，請找 <email>",)
    assert [m.query for m in missing_requests(store_of(site.root), SINCE)] == ["碳粉 匣"]


def test_an_id_typed_in_lower_case_is_recorded_as_the_document_writes_it(
    client: TestClient,
    site: KnowledgeBaseFactory,
) -> None:
    """`kb report` finds feedback by the document's id: `kb-0002` was accepted, stored as
    typed, and never reported."""
    answer = client.post("/api/feedback", json={"id": "kb-0002", "kind": "wrong", "comment": "舊"})
    assert answer.status_code == 204
    (document,) = flagged(store_of(site.root), SINCE)
    assert (document.id, document.wrong) == ("KB-0002", 1)
    assert client.post("/api/opened", json={"query": "離線", "id": "kb-0002"}).status_code == 204
    opened = SearchLog(site.root / "analytics.sqlite").most_opened(SINCE)
    assert opened == [("KB-0002", 1)]


def test_a_restricted_id_is_answered_as_one_that_does_not_exist(
    client: TestClient,
    site: KnowledgeBaseFactory,
) -> None:
    restricted = client.post("/api/feedback", json={"id": "KB-0005", "kind": "wrong"})
    absent = client.post("/api/feedback", json={"id": "KB-9999", "kind": "wrong"})
    assert restricted.status_code == absent.status_code == 404
    assert restricted.json()["detail"].replace("0005", "9999") == absent.json()["detail"]
    assert flagged(store_of(site.root), SINCE) == []  # nothing recorded of it


def test_too_many_feedback_events_are_refused_with_429(site: KnowledgeBaseFactory) -> None:
    client = client_for(site.root, analytics_per_second=0.05)  # a burst of one
    body = {"id": "KB-0001", "kind": "not-helpful"}
    assert client.post("/api/feedback", json=body).status_code == 204
    refused = client.post("/api/feedback", json=body)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert flagged(store_of(site.root), SINCE)[0].not_helpful == 1


def test_oversized_and_invalid_bodies_are_refused_without_echo(
    client: TestClient,
    site: KnowledgeBaseFactory,
) -> None:
    huge = json.dumps({"id": "KB-0001", "kind": "wrong", "comment": "x" * 20_000})
    too_large = client.post(
        "/api/feedback", content=huge, headers={"content-type": "application/json"}
    )
    assert too_large.status_code == 413
    for body in (
        {"id": "KB-0001", "kind": "wrong", "comment": "字" * 1001},  # over 1000 characters
        {"id": "KB-0001", "kind": "love"},  # no such kind
        {"kind": "wrong"},  # about no document
        {"id": "KB-0001", "kind": "missing"},  # a missing article is no document's
        {"id": "KB-0001", "kind": "helpful", "email": "a@b.c"},  # unknown field
        {"id": "<script>", "kind": "helpful"},
        {"id": "KB-0001", "kind": "wrong", "comment": 5},
    ):
        answer = client.post("/api/feedback", json=body)
        assert answer.status_code == 422, body
        assert "<script>" not in answer.text and "a@b.c" not in answer.text
    surrogate = b'{"id": "KB-0001", "kind": "wrong", "comment": "\\ud800"}'
    answer = client.post(
        "/api/feedback", content=surrogate, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 422
    assert flagged(store_of(site.root), SINCE) == []


def test_without_analytics_feedback_is_not_recorded(site: KnowledgeBaseFactory) -> None:
    settings = ServeSettings(
        index_folder=str(site.root / ".kb-index"), audience="internal", as_of=AS_OF.isoformat()
    )
    client = TestClient(create_app(settings))
    answer = client.post("/api/feedback", json={"id": "KB-0001", "kind": "helpful"})
    assert answer.status_code == 503
    assert not store_of(site.root).exists()
    assert client.get("/api/popular").json() == {"documents": []}


def test_popular_lists_the_most_opened_of_the_audience_only(
    client: TestClient,
    site: KnowledgeBaseFactory,
) -> None:
    log = SearchLog(site.root / "analytics.sqlite")
    for doc_id, times in (("KB-0005", 9), ("KB-0003", 4), ("KB-0001", 2), ("KB-0002", 1)):
        for _ in range(times):
            log.record_opened("vpn", doc_id, NOW)
    for _ in range(20):
        log.record_opened("old", "KB-0002", datetime(2026, 9, 1, tzinfo=UTC))  # over 30 days
    answer = client.get("/api/popular", params={"limit": 2})
    assert answer.status_code == 200
    assert answer.json() == {
        "documents": [
            {
                "id": "KB-0003",
                "title": "VPN 錯誤 809",
                "path": "kb/vpn/809.md",
                "type": "article",
                "opened": 4,
            },
            {
                "id": "KB-0001",
                "title": "印表機卡紙",
                "path": "kb/printing/jam.md",
                "type": "article",
                "opened": 2,
            },
        ]
    }  # KB-0005 is restricted: never listed, though opened most; KB-0002's older opens do not count
    everything = client.get("/api/popular", params={"limit": 20}).json()["documents"]
    assert [d["id"] for d in everything] == ["KB-0003", "KB-0001", "KB-0002"]
    for limit in (0, 21, "x"):
        assert client.get("/api/popular", params={"limit": limit}).status_code == 422


def test_feedback_kinds_are_documented(client: TestClient) -> None:
    """A client learns from the OpenAPI description which kinds need an id."""
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert schemas["PageFeedback"]["required"] == ["id", "kind"]
    page_kinds = set(schemas["PageFeedback"]["properties"]["kind"]["enum"])
    assert page_kinds == {k.value for k in FeedbackKind} - {"missing"}
    assert schemas["MissingArticle"]["properties"]["kind"]["const"] == "missing"
