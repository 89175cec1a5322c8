"""`kb report`'s feedback sections: per owner, the documents readers flagged, with their
comments, and the articles asked for."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from click.testing import CliRunner

from supportkb.cli.main import cli
from supportkb.reporting.feedback import FeedbackKind, FeedbackStore, feedback_path

from conftest import AS_OF, KnowledgeBaseFactory

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
BEFORE_REVIEW = datetime(2026, 9, 30, 9, 30, tzinfo=UTC)


def report(kb: KnowledgeBaseFactory, *args: str) -> str:
    command = ["report", "-C", str(kb.root), "--as-of", AS_OF.isoformat(), "--search-days", "90"]
    result = CliRunner().invoke(cli, [*command, *args])
    assert result.exit_code == 0, result.output
    return result.output


def flagged_kb(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md", id="KB-0001", title="VPN 錯誤 809", owner="network")
    kb.article("kb/vpn/b.md", id="KB-0002", title="Outlook 當機", owner="alice")
    kb.article("kb/vpn/c.md", id="KB-0003", title="印表機", owner="alice")  # reviewed 2026-10-01
    store = FeedbackStore(feedback_path(kb.root / ".kb-analytics" / "searches.sqlite"))
    store.record(FeedbackKind.WRONG, "KB-0001", "步驟三的選單名稱已改 <b>x</b>", when=NOW)
    store.record(FeedbackKind.NOT_HELPFUL, "KB-0001", when=NOW)
    store.record(FeedbackKind.HELPFUL, "KB-0001", when=NOW)
    store.record(FeedbackKind.NOT_HELPFUL, "KB-0002", "寄給 bob@corp.example", when=NOW)
    store.record(FeedbackKind.WRONG, "KB-0003", "已修正", when=BEFORE_REVIEW)  # closed
    store.record(FeedbackKind.HELPFUL, "KB-0003", when=NOW)  # no flag: not listed
    store.record(FeedbackKind.WRONG, "KB-0999", "文件已刪除", when=NOW)  # not in the KB
    for _ in range(2):
        store.record(FeedbackKind.MISSING, None, query="碳粉匣 回收", when=NOW)


def test_markdown_lists_flagged_documents_per_owner_with_comments(
    kb: KnowledgeBaseFactory,
) -> None:
    flagged_kb(kb)
    text = report(kb)
    section = text[text.index("Reader feedback (last 90 days)") :]
    alice, network = section.index("(`alice`)"), section.index("(`network`)")
    assert alice < section.index("KB-0002") < network < section.index("KB-0001")
    assert "not helpful 1, wrong 1, helpful 1" in section
    assert "步驟三的選單名稱已改 \\<b\\>x\\</b\\>" in section  # escaped, never HTML
    assert "<email>" not in section and "寄給 \\<email\\>" in section  # masked when recorded
    assert "KB-0003" not in section and "KB-0999" not in section
    asked = text[text.index("Articles asked for") :]
    assert "| 碳粉匣 回收 | 2 |" in asked


def test_json_and_csv_carry_the_feedback(kb: KnowledgeBaseFactory) -> None:
    flagged_kb(kb)
    data = json.loads(report(kb, "--format", "json"))["feedback"]
    assert [(d["id"], d["owner"], d["not_helpful"], d["wrong"]) for d in data["flagged"]] == [
        ("KB-0002", "alice", 1, 0),
        ("KB-0001", "network", 1, 1),
    ]
    assert data["flagged"][1]["comments"] == ["步驟三的選單名稱已改 <b>x</b>"]
    assert data["missing"] == [{"query": "碳粉匣 回收", "requests": 2}]
    rows = [r for r in csv.reader(io.StringIO(report(kb, "--format", "csv"))) if r]
    flagged_rows = [r for r in rows if r[0] == "feedback-flagged"]
    assert [r[1] for r in flagged_rows] == ["KB-0002", "KB-0001"]
    assert all(len(r) == len(rows[0]) for r in rows)
    assert "步驟三的選單名稱已改" in flagged_rows[1][8]


def test_no_feedback_file_no_section(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    assert "Reader feedback" not in report(kb)
    assert "feedback" not in json.loads(report(kb, "--format", "json"))


def test_a_file_beside_the_log_that_is_not_the_feedback_store_is_refused(
    kb: KnowledgeBaseFactory,
) -> None:
    kb.article()
    notes = kb.write(".kb-analytics/searches.feedback.sqlite", "my notes\n")
    command = ["report", "-C", str(kb.root), "--as-of", AS_OF.isoformat()]
    result = CliRunner().invoke(cli, command)
    assert result.exit_code != 0 and "not supportkb's feedback file" in result.output
    assert "Traceback" not in result.output
    assert notes.read_text(encoding="utf-8") == "my notes\n"
