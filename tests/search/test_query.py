from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from supportkb.cli.main import cli
from supportkb.search.indexing.index import build_index, open_engine
from supportkb.search.query import SearchRequest, run_search

from conftest import AS_OF, KnowledgeBaseFactory, article_front

JAM = """\
# 印表機卡紙

## 症狀
印表機一直卡紙，面板顯示錯誤 E-201。

## 解決方法
先關閉電源，打開前蓋取出紙張，再重新開機。
"""
VPN = """\
# VPN 錯誤 809

## 症狀
在飯店連線 VPN 時出現錯誤 809。

## 解決方法
改用 SSL 通訊協定；網際網路連線正常時再試一次。
"""
OUTLOOK = """\
# Outlook cannot send mail

## Symptom
Messages stay in the Outbox and are never sent.

## Resolution
Restart Outlook and check the network connection.
"""
POWER = """\
# 機房停電

## 目的
機房停電時依序關機。

## 步驟
確認不斷電系統 (UPS) 供電，通知值班人員。
"""


def front(doc_id: str, title: str, **extra: str) -> str:
    return article_front(**{"id": doc_id, "title": title, "owner": "alice", **extra})


@pytest.fixture
def site(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    kb.document("kb/printing/jam.md", front("KB-0001", "印表機卡紙處理", tags="[printer]"), JAM)
    kb.document("kb/vpn/error-809.md", front("KB-0002", "VPN 錯誤 809", tags="[vpn]"), VPN)
    kb.document(
        "kb/email/outlook.md",
        front("KB-0003", "Outlook cannot send mail", owner="bob", tags="[email]"),
        OUTLOOK,
    )
    kb.document(
        "sops/power.md",
        front("SOP-0001", "機房停電 SOP", kind="", version="1.0", reviewers="[bob]"),
        POWER,
    )
    return kb


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *args], catch_exceptions=False)


def search_json(root: Path, *words: str) -> dict[str, Any]:
    result = run(root, "search", "--json", "--as-of", AS_OF.isoformat(), *words)
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def ids(root: Path, *words: str) -> list[str]:
    return [r["id"] for r in search_json(root, *words)["results"]]


@pytest.fixture
def indexed(site: KnowledgeBaseFactory) -> Path:
    assert run(site.root, "index").exit_code == 0
    return site.root


def test_traditional_simplified_and_english_queries_find_their_documents(indexed: Path) -> None:
    assert ids(indexed, "印表機", "一直卡紙")[0] == "KB-0001"
    assert ids(indexed, "打印机", "卡纸")[0] == "KB-0001"  # Simplified on a Traditional KB
    assert ids(indexed, "互联网")[0] == "KB-0002"  # usage too: 網際網路 is 互联网
    assert ids(indexed, "outlook", "sending")[0] == "KB-0003"  # stemmed
    assert ids(indexed, "VPN 錯誤 809")[0] == "KB-0002"


def test_json_output_is_the_documented_object(indexed: Path) -> None:
    data = search_json(indexed, "卡紙")
    assert set(data) == {
        "query",
        "total",
        "took_ms",
        "suggestion",
        "results",
        "unmatched_words",
        "closest",
    }
    assert data["query"] == "卡紙" and data["total"] >= 1
    first = data["results"][0]
    assert set(first) == {
        "id",
        "title",
        "type",
        "status",
        "stale",
        "owner",
        "path",
        "url",
        "score",
        "snippet",
    }
    assert first["path"] == "kb/printing/jam.md"
    assert first["type"] == "article" and first["stale"] is False
    assert "<mark>卡紙</mark>" in first["snippet"]  # the original text, highlighted


def test_snippet_highlights_the_original_script_for_a_simplified_query(indexed: Path) -> None:
    snippet = search_json(indexed, "互联网")["results"][0]["snippet"]
    assert "<mark>網際網路</mark>" in snippet


def test_sub_words_and_phrases(indexed: Path) -> None:
    assert ids(indexed, "電源")[0] == "KB-0001"  # a part of 關閉電源
    assert ids(indexed, '"關閉電源"') == ["KB-0001"]
    assert ids(indexed, '"電源關閉"') == []


def test_field_filters_and_operators(indexed: Path) -> None:
    assert ids(indexed, "type:sop") == ["SOP-0001"]
    assert ids(indexed, "type:article", "停電") == []  # a filter must hold
    assert ids(indexed, "tag:vpn") == ["KB-0002"]
    everyone = {"KB-0001", "KB-0002", "KB-0003", "SOP-0001"}
    assert set(ids(indexed, "owner:network")) == everyone  # the team: alice and bob
    assert ids(indexed, "owner:bob") == ["KB-0003"]
    assert set(ids(indexed, "卡紙 OR outlook")) == {"KB-0001", "KB-0003"}
    assert ids(indexed, "卡紙 AND outlook") == []
    assert ids(indexed, "錯誤 NOT vpn") == ["KB-0001"]
    assert "KB-0003" in ids(indexed, "outl*")


def test_type_status_and_tag_options(indexed: Path) -> None:
    result = run(indexed, "search", "--json", "--type", "sop", "停電")
    assert [r["id"] for r in json.loads(result.stdout)["results"]] == ["SOP-0001"]
    result = run(indexed, "search", "--json", "--tag", "email", "--limit", "1", "outlook")
    assert [r["id"] for r in json.loads(result.stdout)["results"]] == ["KB-0003"]


def test_validated_documents_rank_above_drafts_and_overdue_ones_are_flagged(
    site: KnowledgeBaseFactory,
) -> None:
    site.document(
        "kb/printing/jam-draft.md", front("KB-0010", "印表機卡紙處理", status="draft"), JAM
    )
    site.document(
        "kb/printing/jam-old.md",
        front("KB-0011", "印表機卡紙處理", last_reviewed="2024-01-01"),
        JAM,
    )
    run(site.root, "index")
    results = search_json(site.root, "印表機卡紙")["results"]
    order = [r["id"] for r in results]
    assert order[0] == "KB-0001"
    assert order.index("KB-0011") < order.index("KB-0010")  # overdue (x0.8) above draft (x0.7)
    stale = {r["id"]: r["stale"] for r in results}
    assert stale == {"KB-0001": False, "KB-0010": False, "KB-0011": True}


def test_archived_and_restricted_documents_are_left_out_unless_asked_for(
    site: KnowledgeBaseFactory,
) -> None:
    site.document(
        "kb/printing/jam-archived.md", front("KB-0020", "卡紙 舊版", status="archived"), JAM
    )
    site.document(
        "kb/printing/jam-secret.md", front("KB-0021", "卡紙 內部", visibility="restricted"), JAM
    )
    run(site.root, "index")
    assert not {"KB-0020", "KB-0021"} & set(ids(site.root, "卡紙"))
    assert "KB-0020" in ids(site.root, "--all", "卡紙")
    assert "KB-0021" not in ids(site.root, "--all", "卡紙")  # restricted: another audience
    assert {"KB-0020", "KB-0021"} <= set(
        ids(site.root, "--all", "--audience", "restricted", "卡紙")
    )
    assert ids(site.root, "status:archived") == ["KB-0020"]


def test_did_you_mean_for_a_misspelled_word(indexed: Path) -> None:
    data = search_json(indexed, "outlok")
    assert data["total"] == 0
    assert data["suggestion"] == "outlook"
    assert search_json(indexed, "outlook")["suggestion"] is None


@pytest.mark.parametrize(
    "query",
    [
        "",
        "卡紙" * 5000,
        '"',
        "(",
        ")",
        "[",
        "*",
        "**",
        "?*",
        "卡紙 \x00\x07 錯誤",
        "🖨️ 卡紙 😡",
        "AND",
        "NOT",
        "type:",
        ":",
        "title:(",
        "a" * 300 + "*",
        "{} [] <> ~2 ^3",
    ],
)
def test_hostile_queries_get_an_answer_not_a_traceback(indexed: Path, query: str) -> None:
    result = CliRunner().invoke(cli, ["-C", str(indexed), "search", "--json", query])
    assert "Traceback" not in result.output
    if not query.strip():
        assert result.exit_code == 2 and "give words to search for" in result.output
        return
    assert result.exit_code in (0, 1), result.output
    json.loads(result.stdout)


def test_unknown_types_and_statuses_are_usage_errors(indexed: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(indexed), "search", "--type", "foo", "x"])
    assert result.exit_code == 2 and "emergency-plan" in result.output


def test_wildcard_expansion_is_bounded(site: KnowledgeBaseFactory) -> None:
    body = "\n".join(f"詞 a{n:04d}" for n in range(400))
    site.document("kb/misc/many.md", front("KB-0030", "many words"), body)
    build_index(site.root)
    searcher = open_engine(site.root / ".kb-index").searcher()
    response = run_search(searcher, SearchRequest("a*", AS_OF))
    assert response.total == 1


def test_text_output_and_exit_codes(indexed: Path) -> None:
    found = run(indexed, "search", "卡紙")
    assert found.exit_code == 0
    assert "KB-0001" in found.output and "kb/printing/jam.md" in found.output
    missing = run(indexed, "search", "完全不存在的詞彙組合")
    assert missing.exit_code == 1


def test_search_without_an_index_says_what_to_do(site: KnowledgeBaseFactory) -> None:
    result = CliRunner().invoke(cli, ["-C", str(site.root), "search", "卡紙"])
    assert result.exit_code == 1
    assert "run `kb index` first" in result.output


def test_search_needs_no_write_access(indexed: Path) -> None:
    folder = indexed / ".kb-index"
    modes = {p: p.stat().st_mode for p in folder.rglob("*")}
    try:
        for path in folder.rglob("*"):
            path.chmod(0o555 if path.is_dir() else 0o444)
        assert ids(indexed, "卡紙")[0] == "KB-0001"
    finally:
        for path, mode in modes.items():
            path.chmod(mode)
    assert os.access(folder, os.W_OK)


def test_a_fresh_process_reads_the_index(indexed: Path) -> None:
    """The schema (with our tokenizer) is pickled into the index: a new process must be able
    to load it and search, as `kb search` does."""
    done = subprocess.run(
        [sys.executable, "-m", "supportkb", "-C", str(indexed), "search", "--json", "卡紙"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["results"][0]["id"] == "KB-0001"


def test_an_index_of_another_format_asks_for_a_rebuild(indexed: Path) -> None:
    current = indexed / ".kb-index" / "internal" / "CURRENT"
    name = current.read_text(encoding="utf-8").split()[0]
    current.write_text(f"{name} 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["-C", str(indexed), "search", "卡紙"])
    assert result.exit_code == 1
    assert "built by another version of supportkb: run `kb index`" in result.output
    assert run(indexed, "index").exit_code == 0
    assert ids(indexed, "卡紙")[0] == "KB-0001"


def test_the_result_set_does_not_depend_on_the_page_size(indexed: Path) -> None:
    totals = {
        limit: search_json(indexed, "--limit", str(limit), "印表機", "錯誤") for limit in (1, 10)
    }
    assert totals[1]["total"] == totals[10]["total"]
    assert totals[1]["results"][0]["id"] == totals[10]["results"][0]["id"]


def test_filters_on_one_field_are_a_choice(indexed: Path) -> None:
    assert set(ids(indexed, "type:sop OR type:article")) == {
        "KB-0001",
        "KB-0002",
        "KB-0003",
        "SOP-0001",
    }
    assert ids(indexed, "(type:sop OR type:policy) 停電") == ["SOP-0001"]
    assert "results" in search_json(indexed, "url:jam")  # a stored-only field: words, no error


def test_simplified_characters_with_taiwan_wording(indexed: Path) -> None:
    assert ids(indexed, "印表机")[0] == "KB-0001"  # Simplified characters, Taiwan word


def test_commands_in_code_blocks_are_found(site: KnowledgeBaseFactory) -> None:
    body = (
        "# 清除 DNS\n\n## 步驟\n\n```powershell\nipconfig /flushdns\n```\n\n開啟 `corp_vpn.xml`。\n"
    )
    site.document("kb/network/dns.md", front("KB-0040", "清除 DNS 快取"), body)
    run(site.root, "index")
    assert ids(site.root, "flushdns") == ["KB-0040"]
    assert ids(site.root, "corp_vpn") == ["KB-0040"]


def test_the_snippet_shows_the_rarer_word_too(site: KnowledgeBaseFactory) -> None:
    body = (
        "# 說明\n\n" + "印表機很好用。" * 30 + "\n\n印表機卡紙時請打開前蓋。\n\n" + "印表機。" * 30
    )
    site.document("kb/printing/long.md", front("KB-0050", "使用說明"), body)
    run(site.root, "index")
    results = search_json(site.root, "印表機", "卡紙")["results"]
    snippet = next(r["snippet"] for r in results if r["id"] == "KB-0050")
    assert "<mark>卡紙</mark>" in snippet


def test_snippet_marks_land_on_the_matched_words() -> None:
    from supportkb.search.snippets import snippet

    # 連接埠 grows (连接端口) and 網際網路 shrinks (互联网): the marks stay on their words
    assert snippet("連接埠 VPN 網際網路", ["vpn", "互联网"]) == (
        "連接埠 <mark>VPN</mark> <mark>網際網路</mark>"
    )
    # 打印 (from 列印) is inside 打印机, the conversion of 印表機 as a whole: not marked there
    marked = snippet("請到印表機的列印佇列查看", ["打印"])
    assert marked == "請到印表機的<mark>列印</mark>佇列查看"


def test_every_synonym_is_cut_as_a_query_would_be() -> None:
    """The synonym list is cut as documents are (no OpenCC `s2tw` in a cold search): the
    same words as the query cut, for every word of the list."""
    from supportkb.search.backend.fields import SupportTokenizer
    from supportkb.search.backend.parsing import synonym_words
    from supportkb.search.text.analysis import synonym_groups

    words = [word for group in synonym_groups() for word in group]
    assert len(words) > 50
    for word in words:
        as_query = tuple(token.text for token in SupportTokenizer()(word, mode="query"))
        assert synonym_words(word) == as_query, word


def test_a_synonym_finds_the_document_that_uses_the_other_word(
    site: KnowledgeBaseFactory,
) -> None:
    body = "## 步驟\n無法登入系統時，先確認帳號沒有被鎖定。\n"
    site.document("kb/account/sign-in.md", front("KB-0301", "帳號鎖定"), body)
    assert run(site.root, "index").exit_code == 0
    assert ids(site.root, "login")[:1] == ["KB-0301"]  # 登入, login: one synonym group
