"""A query that finds nothing is never a dead end: the words that found nothing, the closest
titles, and neither ever shows a document from outside the site's audience."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from supportkb.search.closest import close_title_words, query_words
from supportkb.search.indexing.index import build_index, open_engine
from supportkb.search.query import SearchRequest, SearchResponse, run_search
from supportkb.service.app import ServeSettings, create_app

from conftest import AS_OF, KnowledgeBaseFactory, article_front

BODY = "# {title}\n\n## 症狀\n{text}\n\n## 解決方法\n請重新開機。\n"
SECRET_TITLE = "藍芽耳機配對金鑰"


def add(
    kb: KnowledgeBaseFactory, path: str, doc_id: str, title: str, text: str, **extra: str
) -> None:
    front = article_front(id=doc_id, title=title, owner="alice", **extra)
    kb.document(path, front, BODY.format(title=title, text=text))


@pytest.fixture
def root(kb: KnowledgeBaseFactory) -> Path:
    add(kb, "kb/printing/jam.md", "KB-0001", "印表機卡紙處理", "印表機一直卡紙。")
    add(kb, "kb/vpn/809.md", "KB-0002", "VPN 錯誤 809", "VPN 連線出現錯誤 809。")
    add(kb, "kb/phone/mobile.md", "KB-0003", "手機收不到郵件", "手機的郵件無法同步。")
    add(
        kb, "kb/phone/secret.md", "KB-0004", SECRET_TITLE, "藍芽耳機配對。", visibility="restricted"
    )
    build_index(kb.root)
    return kb.root


def search(root: Path, text: str, audience: str = "internal") -> SearchResponse:
    searcher = open_engine(root / ".kb-index", audience).searcher()
    try:
        return run_search(searcher, SearchRequest(text, AS_OF))
    finally:
        searcher.close()


def test_the_words_that_found_nothing_are_named(root: Path) -> None:
    found = search(root, "卡紙 AND zqxwvbq")  # every word required: nothing has both
    assert found.total == 0
    assert found.unmatched_words == ("zqxwvbq",)  # 卡紙 alone finds the article
    assert search(root, "zqxwvbq").unmatched_words == ("zqxwvbq",)
    assert search(root, "卡紙").unmatched_words == ()  # something found: nothing to say


def test_the_closest_titles_are_offered_when_nothing_is_found(root: Path) -> None:
    found = search(root, "耳機")  # no internal document has the word; 手機 shares 機
    assert found.total == 0
    assert found.closest[0].id == "KB-0003"
    assert found.as_json()["closest"][0]["title"] == "手機收不到郵件"


def test_a_restricted_title_is_never_offered_to_an_internal_site(root: Path) -> None:
    restricted = search(root, "金鑰匙", audience="restricted")
    assert "KB-0004" in [r.id for r in restricted.closest]  # the test can see it where allowed
    for text in ("金鑰匙", "藍天", "耳朵配置", "藍芽", "藍芽 zqxwvbq"):
        found = search(root, text)
        assert "KB-0004" not in [r.id for r in found.closest], text
        shown = str(found.as_json())
        assert "配對" not in shown and "藍芽耳機" not in shown, text


def test_the_api_passes_them_on(root: Path) -> None:
    (root / "site").mkdir()
    (root / "site" / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    settings = ServeSettings(
        index_folder=str(root / ".kb-index"),
        site_folder=str(root / "site"),
        analytics=str(root / "analytics.sqlite"),
        as_of=AS_OF.isoformat(),
        audience="internal",
    )
    data = TestClient(create_app(settings)).get("/api/search", params={"q": "耳機"}).json()
    assert data["total"] == 0 and data["unmatched_words"] == ["耳機"]
    assert data["closest"][0]["id"] == "KB-0003"


def test_query_words_leave_the_syntax_out() -> None:
    assert query_words('type:sop "卡紙" AND -vpn 印表機 卡紙') == ("卡紙", "印表機")


def test_close_title_words_prefer_words_made_of_the_query() -> None:
    words = ["打印机", "机房", "手机", "outlook", "printer"]
    assert close_title_words("耳机", words) == ["手机", "机房"]  # half theirs, not 打印机
    assert close_title_words("outlok", words) == ["outlook"]
