from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from supportkb.cli.main import cli
from supportkb.reporting.search_log import SearchLog, normalise_query

from conftest import AS_OF, KnowledgeBaseFactory

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
LONG_AGO = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def test_queries_are_normalised_and_nothing_else_is_kept(tmp_path: Path) -> None:
    assert normalise_query("  ＶＰＮ   錯誤\t809 ") == "vpn 錯誤 809"
    log = SearchLog(tmp_path / "a.sqlite")
    log.record_search("VPN 錯誤 809", 3, NOW)
    import sqlite3

    rows = sqlite3.connect(tmp_path / "a.sqlite").execute("SELECT * FROM searches").fetchall()
    assert rows == [("2026-11-20T09", "vpn 錯誤 809", 3)]  # the hour, the text, the count


def test_no_result_and_not_opened_lists(tmp_path: Path) -> None:
    log = SearchLog(tmp_path / "a.sqlite")
    for _ in range(3):
        log.record_search("印表機 卡紙", 0, NOW)
    log.record_search("碳粉", 0, NOW)
    log.record_search("舊的查詢", 0, LONG_AGO)
    log.record_search("VPN", 5, NOW)
    log.record_search("Outlook", 2, NOW)
    log.record_opened("vpn", "KB-0002", NOW)
    since = AS_OF.replace(month=10)
    assert [(q.query, q.searches) for q in log.without_results(since)] == [
        ("印表機 卡紙", 3),
        ("碳粉", 1),
    ]
    assert [(q.query, q.results) for q in log.not_opened(since)] == [("outlook", 2)]


def test_kb_report_adds_the_search_sections(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    log = SearchLog(kb.root / ".kb-analytics" / "searches.sqlite")
    log.record_search("<script>alert(1)</script> | x", 0, NOW)
    log.record_search("=cmd|' /C calc'!A0", 0, NOW)
    log.record_search("vpn", 1, NOW)
    runner = CliRunner()
    args = ["-C", str(kb.root), "report", "--as-of", AS_OF.isoformat()]
    markdown = runner.invoke(cli, args).output
    assert "Searches with no result (last 30 days)" in markdown
    assert "Searched but not opened" in markdown
    assert "<script>" not in markdown and "\\<script\\>" in markdown
    data = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    assert [q["query"] for q in data["searches"]["not_opened"]] == ["vpn"]
    csv_text = runner.invoke(cli, [*args, "--format", "csv"]).output
    assert "search-no-result" in csv_text
    assert "\n=cmd" not in csv_text and ",=cmd" not in csv_text  # neutralised for Excel


def test_kb_report_without_a_search_log_has_no_search_sections(
    kb: KnowledgeBaseFactory,
) -> None:
    kb.article()
    result = CliRunner().invoke(cli, ["-C", str(kb.root), "report", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0 and "Searches with no result" not in result.output
    assert not (kb.root / ".kb-analytics").exists()
