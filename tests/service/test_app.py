from __future__ import annotations

import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from supportkb.reporting.search_log import SearchLog
from supportkb.search.indexing.index import build_index
from supportkb.service.app import SECURITY_HEADERS, ServeSettings, create_app
from supportkb.site.plugin import STATIC_HEALTH

from conftest import AS_OF, KnowledgeBaseFactory

BODY = "# {title}\n\n## 症狀\n{text}\n\n## 解決方法\n{fix}\n"


def article(
    kb: KnowledgeBaseFactory, path: str, doc_id: str, title: str, text: str, **extra: str
) -> None:
    body = BODY.format(title=title, text=text, fix="請重新開機。")
    kb.article(path, body, **{"id": doc_id, "title": title, "owner": "alice", **extra})


@pytest.fixture
def site(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    article(kb, "kb/printing/jam.md", "KB-0001", "印表機卡紙", "印表機一直卡紙。", tags="[printer]")
    article(kb, "kb/printing/offline.md", "KB-0002", "印表機離線", "印表機顯示離線。")
    article(kb, "kb/vpn/809.md", "KB-0003", "VPN 錯誤 809", "VPN 連線出現錯誤 809。", tags="[vpn]")
    article(kb, "kb/vpn/old.md", "KB-0004", "VPN 舊版設定", "VPN 舊版。", status="archived")
    article(kb, "kb/vpn/secret.md", "KB-0005", "VPN 機密", "VPN 金鑰。", visibility="restricted")
    for n in range(6, 30):
        article(kb, f"kb/printing/p{n}.md", f"KB-{n:04d}", f"印表機問題 {n}", "印表機無法列印。")
    (kb.root / "site").mkdir()
    (kb.root / "site" / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    build_index(kb.root)
    return kb


def client_for(root: Path, **options: object) -> TestClient:
    settings = ServeSettings(
        index_folder=str(root / ".kb-index"),
        site_folder=str(root / "site"),
        analytics=str(root / "analytics.sqlite"),
        as_of=AS_OF.isoformat(),
        **{"audience": "internal", **options},  # type: ignore[arg-type]
    )
    return TestClient(create_app(settings))


@pytest.fixture
def client(site: KnowledgeBaseFactory) -> TestClient:
    return client_for(site.root)


def ids(client: TestClient, **params: object) -> list[str]:
    answer = client.get("/api/search", params=params)
    assert answer.status_code == 200, answer.text
    return [r["id"] for r in answer.json()["results"]]


def test_search_answers_like_kb_search_with_facets(client: TestClient) -> None:
    answer = client.get("/api/search", params={"q": "打印机 卡纸"})  # Simplified
    data = answer.json()
    assert data["results"][0]["id"] == "KB-0001"
    assert "<mark>" in data["results"][0]["snippet"]
    assert {"query", "total", "took_ms", "suggestion", "results", "facets", "page", "limit"} <= set(
        data
    )
    assert data["facets"]["type"] == {"article": data["total"]}
    assert set(data["facets"]["status"]) == {"published"}


def test_filters_and_paging(client: TestClient) -> None:
    assert ids(client, q="VPN", tag="vpn") == ["KB-0003"]
    assert ids(client, q="印表機", category="vpn") == []
    first = client.get("/api/search", params={"q": "印表機", "limit": 5, "page": 1}).json()
    second = client.get("/api/search", params={"q": "印表機", "limit": 5, "page": 2}).json()
    assert first["total"] == second["total"] > 10
    assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}


def test_archived_and_restricted_stay_out(client: TestClient, site: KnowledgeBaseFactory) -> None:
    assert not {"KB-0004", "KB-0005"} & set(ids(client, q="VPN"))
    assert client.get("/api/documents/KB-0005").status_code == 404
    restricted = client_for(site.root, audience="restricted")
    assert "KB-0005" in ids(restricted, q="VPN")


@pytest.mark.parametrize(
    "query", ["", "*", '"', "(((", "卡紙" * 400, "\x00\x07 卡紙", "🖨️", "type:", "a" * 200 + "*"]
)
def test_hostile_queries(client: TestClient, query: str) -> None:
    answer = client.get("/api/search", params={"q": query})
    assert answer.status_code == 200, answer.text


def test_unknown_filter_values_are_refused_with_the_valid_ones(client: TestClient) -> None:
    answer = client.get("/api/search", params={"q": "VPN", "type": "foo"})
    assert answer.status_code == 422 and "emergency-plan" in answer.text


def test_limits_are_enforced(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": "x" * 1001}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "limit": 51}).status_code == 422
    assert client.get("/api/search", params={"q": "x", "page": 0}).status_code == 422
    assert client.get("/api/search").status_code == 422


def test_document_metadata_and_related(client: TestClient) -> None:
    data = client.get("/api/documents/KB-0001").json()
    assert data["title"] == "印表機卡紙" and data["stale"] is False
    assert data["review_due"] is not None
    assert all(item["id"] != "KB-0001" for item in data["related"])
    assert client.get("/api/documents/KB-9999").status_code == 404


def test_health(client: TestClient) -> None:
    assert client.get("/api/health").json()["status"] == "ok"


def test_the_service_answers_health_over_the_static_sites_own_file(
    site: KnowledgeBaseFactory,
) -> None:
    """A built site carries api/health saying "static" (on static hosting the scripts ask
    without a failed request); under kb serve the service's answer is the one read."""
    path, content = STATIC_HEALTH
    (site.root / "site" / path).parent.mkdir(parents=True)
    (site.root / "site" / path).write_bytes(content)
    assert client_for(site.root).get("/api/health").json()["status"] == "ok"


@pytest.mark.parametrize(
    "path", ["/../mkdocs.yml", "/%2e%2e/mkdocs.yml", "/..%2fmkdocs.yml", "/site/../../owners.yml"]
)
def test_no_path_traversal_out_of_the_site(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert "supportkb" not in answer.text


def test_security_headers_and_no_cors_by_default(client: TestClient) -> None:
    answer = client.get("/api/health", headers={"Origin": "https://evil.example"})
    for name in SECURITY_HEADERS:
        assert name in answer.headers
    assert "access-control-allow-origin" not in answer.headers
    assert answer.headers["cache-control"] == "no-store"
    assert client.get("/").headers["x-frame-options"] == "DENY"


def test_cors_when_configured(site: KnowledgeBaseFactory) -> None:
    client = client_for(site.root, cors_origins=("https://kb.example",))
    answer = client.get("/api/health", headers={"Origin": "https://kb.example"})
    assert answer.headers["access-control-allow-origin"] == "https://kb.example"


def test_the_site_is_served(client: TestClient) -> None:
    assert client.get("/").text == "<h1>KB</h1>"


def test_analytics_record_searches_and_opened_results(
    client: TestClient, site: KnowledgeBaseFactory
) -> None:
    client.get("/api/search", params={"q": "完全沒有的詞"})
    client.get("/api/search", params={"q": "印表機  離線"})
    client.get("/api/search", params={"q": "VPN"})
    client.get("/api/search", params={"q": "V", "record": "false"})  # while typing
    client.get("/api/search", params={"q": "VPN", "page": 2})  # paging is the same search
    client.get("/api/search", params={"q": "VPN", "status": "archived"})  # a refinement
    assert client.post("/api/opened", json={"query": "VPN", "id": "KB-0003"}).status_code == 204
    assert client.post("/api/opened", json={"query": "x", "id": "<script>"}).status_code == 422
    log = SearchLog(site.root / "analytics.sqlite")
    assert [q.query for q in log.without_results(AS_OF.replace(year=2000))] == ["完全沒有的詞"]
    assert [q.query for q in log.not_opened(AS_OF.replace(year=2000))] == ["印表機 離線"]


def test_a_rebuilt_index_is_picked_up_without_a_restart(
    client: TestClient, site: KnowledgeBaseFactory
) -> None:
    assert ids(client, q="碳粉匣") == []
    article(site, "kb/printing/toner.md", "KB-0100", "碳粉匣更換", "碳粉匣用完。")
    build_index(site.root)
    assert ids(client, q="碳粉匣") == ["KB-0100"]


def test_queries_during_an_index_swap_never_fail(
    client: TestClient, site: KnowledgeBaseFactory
) -> None:
    failures: list[str] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            answer = client.get("/api/search", params={"q": "印表機"})
            if answer.status_code != 200 or not answer.json()["results"]:
                failures.append(answer.text)

    threads = [threading.Thread(target=ask) for _ in range(3)]
    for thread in threads:
        thread.start()
    for n in range(4):
        article(site, f"kb/printing/new{n}.md", f"KB-02{n:02d}", f"印表機新問題 {n}", "印表機。")
        build_index(site.root)
    stop.set()
    for thread in threads:
        thread.join()
    assert failures == []
