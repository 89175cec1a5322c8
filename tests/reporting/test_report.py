"""`kb report`: the Monday list and the health figures."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from supportkb.cli.main import cli

from conftest import KnowledgeBaseFactory


def report(kb: KnowledgeBaseFactory, *args: str) -> str:
    result = CliRunner().invoke(cli, ["report", "-C", str(kb.root), "--as-of", "2026-11-24", *args])
    assert result.exit_code == 0, result.output
    return result.output


def populated(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md", id="KB-0001", last_reviewed="2025-10-01")  # overdue since 2026-10-01
    kb.article("kb/vpn/b.md", id="KB-0002", last_reviewed="2025-12-10", owner="alice")  # due soon
    kb.article("kb/vpn/c.md", id="KB-0003", owner="carol", last_reviewed="2026-10-01")  # inactive
    kb.article("kb/vpn/d.md", id="KB-0004", status="draft", last_reviewed="2020-01-01")  # exempt
    kb.write(
        "sops/s.md",
        "---\nid: SOP-0001\ntitle: '=HYPERLINK(\"x\")'\nstatus: published\n"
        "owner: network\napproved_by: bob\nversion: '1'\nlast_reviewed: 2026-10-01\n"
        "applies_to: [{product: VPN, versions: '<7'}]\n---\n",
    )
    kb.write(
        "sops/emergency/p.md",
        "---\nid: EP-0001\ntitle: 停電\nstatus: published\n"
        "owner: network\nversion: '1'\nlast_reviewed: 2026-10-01\n---\n",
    )


def test_json_report_lists_each_problem_once_in_its_section(kb: KnowledgeBaseFactory) -> None:
    populated(kb)
    payload = json.loads(report(kb, "--format", "json"))
    sections = sorted((i["section"], i["id"]) for i in payload["items"])
    assert sections == [
        ("due_soon", "KB-0002"),
        ("inactive_owner", "KB-0003"),
        ("overdue", "KB-0001"),
        ("product_outdated", "SOP-0001"),
    ]
    by_type = {h["group"]: h for h in payload["health"]["by_type"]}
    assert by_type["article"]["documents"] == 4
    assert by_type["article"]["validated"] == 0.75
    assert by_type["article"]["overdue"] == round(1 / 3, 3)  # drafts are not held to dates
    assert by_type["article"]["median_age_days"] == 349  # drafts are not counted either


def test_drill_overdue_for_a_plan_never_drilled(kb: KnowledgeBaseFactory) -> None:
    populated(kb)
    payload = json.loads(report(kb, "--format", "json", "--as-of", "2027-10-02"))
    drills = [i for i in payload["items"] if i["section"] == "drill_overdue"]
    assert [(i["id"], i["detail"]) for i in drills] == [("EP-0001", "never drilled")]


def test_markdown_groups_by_owner_with_contact(kb: KnowledgeBaseFactory) -> None:
    populated(kb)
    text = report(kb)
    overdue = text.split("## 逾期未複審 Overdue reviews")[1].split("\n## ")[0]
    assert "### Network (`network`)" in overdue and "**KB-0001**" in overdue
    assert "- 逾期未複審 Overdue reviews: **1**" in text
    assert "\\=HYPERLINK" not in text and "=HYPERLINK" in text  # shown as text, no markup


def test_csv_neutralises_formulas(kb: KnowledgeBaseFactory) -> None:
    populated(kb)
    rows = list(csv.DictReader(io.StringIO(report(kb, "--format", "csv"))))
    sop = next(r for r in rows if r["id"] == "SOP-0001")
    assert sop["title"].startswith("'=")
    assert {r["section"] for r in rows} == {
        "overdue",
        "due_soon",
        "inactive_owner",
        "product_outdated",
    }


def test_empty_knowledge_base_gives_an_empty_report(kb: KnowledgeBaseFactory) -> None:
    payload = json.loads(report(kb, "--format", "json"))
    assert payload["items"] == [] and payload["health"]["by_type"] == []


def test_unreadable_files_are_listed_not_lost(kb: KnowledgeBaseFactory) -> None:
    kb.write("kb/vpn/broken.md", "---\nid: KB-0009\ntitle: [oops\n---\n")
    payload = json.loads(report(kb, "--format", "json"))
    [item] = payload["items"]
    assert (item["section"], item["id"], item["path"]) == (
        "unreadable",
        "KB-0009",
        "kb/vpn/broken.md",
    )
    assert item["detail"].startswith("yaml-syntax")


def test_json_carries_owner_contacts(kb: KnowledgeBaseFactory) -> None:
    populated(kb)
    payload = json.loads(report(kb, "--format", "json"))
    assert payload["owners"]["alice"] == {"name": "Alice Lin", "email": "alice@example.com"}
