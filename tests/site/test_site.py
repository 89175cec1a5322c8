"""The published site, built with MkDocs' own API on tiny knowledge bases."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from supportkb.cli.main import cli
from supportkb.errors import FatalError
from supportkb.site.build import build_site

from conftest import KnowledgeBaseFactory

SOP = """\
---
id: SOP-0001
title: "<script>alert(1)</script> 升級程序"
status: published
owner: network
approved_by: bob
version: "1.2"
last_reviewed: 2026-05-01
tags: [升級, "<b>x</b>"]
applies_to:
  - {product: VPN, versions: ">=7,<8"}
---

# 升級程序

## 目的
x
## 適用範圍
x
## 角色與職責
x
## 作業程序
見 [VPN 錯誤](../kb/vpn/error-809.md)。
## 紀錄
x
"""


@pytest.fixture
def site_kb(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    config = (kb.root / "mkdocs.yml").read_text(encoding="utf-8").replace("  - search\n", "")
    config = config.replace(
        "site_name: Test KB\n",
        "site_name: Test KB\nrepo_url: https://example.com/org/kb\nedit_uri: edit/main/docs/\n",
    ).replace("  name: material\n", "  name: material\n  features: [content.action.edit]\n")
    (kb.root / "mkdocs.yml").write_text(config, encoding="utf-8")
    kb.write("docs/index.md", "# 首頁\n")
    kb.article("kb/vpn/error-809.md", last_reviewed="2025-11-01", tags="[vpn]")
    kb.write("sops/escalation.md", SOP)
    kb.write(
        "kb/accounts/sms.md",
        "---\nid: KB-0002\ntitle: SMS OTP\nstatus: deprecated\nowner: alice\n"
        "last_reviewed: 2026-01-01\n---\n# SMS OTP\n",
    )
    kb.write(
        "kb/accounts/mfa.md",
        "---\nid: KB-0003\ntitle: MFA 註冊\nstatus: published\nowner: alice\n"
        "last_reviewed: 2026-10-01\nkind: faq\nsupersedes: KB-0002\n---\n# MFA 註冊\n",
    )
    kb.write(
        "kb/secret/plan.md",
        "---\nid: KB-0004\ntitle: 機密代號 ZEBRA-77\nstatus: published\n"
        "owner: alice\nlast_reviewed: 2026-10-01\nvisibility: restricted\nkind: faq\n---\n"
        "# 機密代號 ZEBRA-77\n\nZEBRA-77 只給資安組。\n",
    )
    return kb


def kb_build(kb: KnowledgeBaseFactory, tmp_path: Path) -> Any:
    arguments = ["-C", str(kb.root), "--as-of", "2026-11-24", "--site-dir", str(tmp_path / "site")]
    return CliRunner().invoke(cli, ["build", *arguments])


def html(site: Path, page: str) -> str:
    return (site / page / "index.html").read_text(encoding="utf-8")


def test_document_page_has_the_metadata_panel(
    site_kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    site = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    page = html(site, "sops/escalation")
    for text in (
        "SOP-0001",
        "標準作業程序",
        "已驗證",
        "Network",
        "1.2",
        "2026-05-01",
        "2026-11-01",
        "VPN",
        'href="mailto:bob@example.com"',
    ):
        assert text in page, text
    assert 'href="https://example.com/org/kb/edit/main/sops/escalation.md"' in page
    assert 'href="../../kb/vpn/error-809/"' in page


def test_front_matter_is_escaped_everywhere(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    site = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    for page in ("sops/escalation", "sops", "register", "tags", "review-calendar"):
        text = html(site, page)
        assert "<script>alert(1)" not in text and "<b>x</b>" not in text, page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(site, "sops/escalation")


def test_banners_carry_dates_for_the_browser(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    before = build_site(site_kb.root, date(2026, 10, 1), tmp_path / "a").site_dir
    page = html(before, "kb/vpn/error-809")
    assert 'data-kb-due="2026-11-01"' in page and 'data-kb-when="overdue"' in page
    overdue = page.split("kb-banner--review-overdue")[1].split(">")[0]
    assert "hidden" in overdue  # not yet overdue on the build date: the browser will decide later
    after = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "b").site_dir
    overdue = html(after, "kb/vpn/error-809").split("kb-banner--review-overdue")[1].split(">")[0]
    assert "hidden" not in overdue


def test_retired_document_points_to_its_successor(
    site_kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    site = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    page = html(site, "kb/accounts/sms")
    assert "kb-banner--retired" in page and 'href="../mfa/"' in page
    assert "kb-banner--product-outdated" not in html(site, "sops/escalation")  # 7.2.1 is covered


def test_product_banner_when_the_range_no_longer_covers(
    site_kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    path = site_kb.root / "sops/escalation.md"
    path.write_text(SOP.replace(">=7,<8", "<7"), encoding="utf-8")
    site = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    assert "kb-banner--product-outdated" in html(site, "sops/escalation")


def test_generated_pages(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    site = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    home = html(site, "")
    assert "文件概況" in home and '逾期未複審：<strong data-kb-figure="overdue">2</strong>' in home
    assert "KB-0001" in html(site, "kb") and 'href="vpn/"' in html(site, "kb")
    assert "KB-0001" in html(site, "kb/vpn")
    assert "SOP-0001" in html(site, "sops")
    calendar = html(site, "review-calendar")
    assert '逾期 <span class="kb-bucket__count">(2)</span>' in calendar and "mailto:" in calendar
    rows = list(
        csv.DictReader(io.StringIO((site / "register.csv").read_text(encoding="utf-8-sig")))
    )
    assert sorted(r["id"] for r in rows) == ["KB-0001", "KB-0002", "KB-0003", "KB-0004", "SOP-0001"]
    # a restricted document is listed in the internal register, its title withheld
    (restricted,) = [r for r in rows if r["id"] == "KB-0004"]
    assert restricted["title"] == restricted["path"] == "" and restricted["status"] == "published"
    assert {r["approved_by"] for r in rows if r["id"] == "SOP-0001"} == {"bob"}


@pytest.mark.parametrize(
    "audience, visible", [("internal", False), ("public", False), ("restricted", True)]
)
def test_restricted_documents_never_leak(
    site_kb: KnowledgeBaseFactory, tmp_path: Path, audience: str, visible: bool
) -> None:
    config = site_kb.root / "mkdocs.yml"
    config.write_text(
        config.read_text(encoding="utf-8").replace("plugins:\n", "plugins:\n  - search\n"),
        encoding="utf-8",
    )
    site = build_site(
        site_kb.root, date(2026, 11, 24), tmp_path / "site", audience=audience
    ).site_dir
    leaks = [p for p in site.rglob("*") if p.is_file() and b"ZEBRA" in p.read_bytes()]
    assert bool(leaks) == visible, leaks
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    assert any("ZEBRA" in doc["text"] + doc["title"] for doc in index["docs"]) == visible


def test_public_build_has_only_public_documents(
    site_kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    site = build_site(
        site_kb.root, date(2026, 11, 24), tmp_path / "site", audience="public"
    ).site_dir
    assert not (site / "kb/vpn/error-809").exists()
    assert "KB-0001" not in (site / "register.csv").read_text(encoding="utf-8-sig")


def test_kb_build_publishes_stale_documents(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    result = kb_build(site_kb, tmp_path)
    assert result.exit_code == 0, result.output
    assert "kb check: 2 errors" in result.output and (tmp_path / "site/index.html").is_file()


def test_broken_link_fails_the_strict_build(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    site_kb.write("docs/extra.md", "# x\n\n[gone](nowhere.md)\n")
    with pytest.raises(FatalError, match="could not be built"):
        build_site(site_kb.root, date(2026, 11, 24), tmp_path / "site")


def test_visibility_fails_closed(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    site_kb.write(
        "kb/vpn/broken.md",
        "---\nid: KB-0009\ntitle: 機密 OKAPI-3\nvisibility: restricted\n"
        "tags: [a, b\n---\n# 機密 OKAPI-3\n",
    )
    site_kb.write(
        "kb/vpn/typo.md",
        "---\nid: KB-0010\ntitle: 機密 OKAPI-3\nstatus: published\n"
        "owner: alice\nlast_reviewed: 2026-10-01\nvisibility: Restricted\n---\n# OKAPI-3\n",
    )
    site_kb.write("kb/vpn/README.md", "# 給維護者看的 OKAPI-3\n")
    site = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "site", strict=False).site_dir
    leaks = [p for p in site.rglob("*") if p.is_file() and b"OKAPI" in p.read_bytes()]
    assert leaks == []


def test_drill_reports_follow_their_plan(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    plan = (
        "---\nid: EP-0001\ntitle: 停電\nstatus: published\nowner: alice\nversion: '1'\n"
        "last_reviewed: 2026-10-01\nvisibility: {visibility}\ndrills:\n  - {{date: 2026-09-01, "
        "scenario: 停電演練, report: drills/r.md}}\n---\n# 停電\n"
    )
    site_kb.write("sops/emergency/drills/r.md", "# 演練報告 HIPPO-9\n")
    site_kb.write("sops/emergency/plan.md", plan.format(visibility="internal"))
    internal = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "a").site_dir
    assert (internal / "sops/emergency/drills/r/index.html").is_file()
    public = build_site(
        site_kb.root, date(2026, 11, 24), tmp_path / "b", audience="public", strict=False
    ).site_dir
    assert not any(b"HIPPO" in p.read_bytes() for p in public.rglob("*") if p.is_file())


def test_edit_links_are_quoted(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    site_kb.article('kb/vpn/q" onmouseover="alert(9).md', id="KB-0020")
    site = build_site(site_kb.root, date(2026, 11, 24), tmp_path / "site", strict=False).site_dir
    pages = [p.read_text(encoding="utf-8") for p in site.rglob("index.html")]
    assert not any('onmouseover="alert(9)' in page for page in pages)


def test_kb_build_shows_why_the_site_failed(site_kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    site_kb.write("docs/extra.md", "# x\n\n[gone](nowhere.md)\n")
    result = kb_build(site_kb, tmp_path)
    assert result.exit_code == 1 and "nowhere.md" in result.output
