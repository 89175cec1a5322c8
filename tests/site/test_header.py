"""A document page's header, answer first: one trust line under the title, a compact banner
only when something is wrong, and the full metadata folded in "文件資訊"."""

from __future__ import annotations

import dataclasses
import re
from datetime import date

import pytest

from supportkb.documents.model import Applicability, DocType, Document, Drill, Status
from supportkb.site.header import document_header
from supportkb.site.pages import SiteModel
from supportkb.workspace.owners import OwnerRegistry, Person, Team
from supportkb.workspace.settings import KnowledgeBaseConfig

from conftest import AS_OF

REGISTRY = OwnerRegistry(
    people={
        "bob": Person("bob", "王大同", "bob@example.com"),
        "carol": Person("carol", "林小美", "carol@example.com"),
        "eve": Person("eve", "<b>Eve</b>", "not an address"),
    },
    teams={"network": Team("network", "網路組", ("bob", "carol"))},
)
SOP = Document(
    path="sops/escalation.md",
    type=DocType.SOP,
    id="SOP-0001",
    title="升級程序",
    owner="network",
    status=Status.PUBLISHED,
    last_reviewed=date(2026, 6, 1),  # SOPs are reviewed every 6 months: due 2026-12-01
    version="1.2",
    effective=date(2026, 6, 15),
    approved_by="bob",
    tags=("升級", "p1"),
    applies_to=(Applicability("VPN", ">=7"),),
)
ARTICLE = Document(
    path="kb/vpn/error-809.md",
    type=DocType.ARTICLE,
    id="KB-0001",
    title="VPN 錯誤 809",
    owner="carol",
    status=Status.PUBLISHED,
    last_reviewed=date(2026, 3, 1),  # articles: 12 months, due 2027-03-01
    kind="troubleshooting",
)
RETIRED = dataclasses.replace(
    ARTICLE, path="kb/accounts/sms.md", id="KB-0002", title="SMS OTP", status=Status.DEPRECATED
)
SUCCESSOR = dataclasses.replace(
    ARTICLE, path="kb/accounts/mfa.md", id="KB-0003", title="MFA 註冊", supersedes="KB-0002"
)
PLAN = Document(
    path="sops/emergency/outage.md",
    type=DocType.EMERGENCY_PLAN,
    id="EP-0001",
    title="重大系統中斷",
    owner="bob",
    status=Status.PUBLISHED,
    last_reviewed=date(2026, 9, 1),
    version="2.1",
    drills=(Drill(date(2025, 6, 16), "ERP 中斷", "drills/erp.md"),),  # next drill 2026-06-16
)


def header(document: Document, as_of: date = AS_OF, *others: Document) -> str:
    documents = (document, *others)
    site = SiteModel(documents, REGISTRY, KnowledgeBaseConfig(), as_of, str, url_of=site_url)
    return document_header(site, document, document.path)


def site_url(site_path: str) -> str:
    return site_path.removesuffix(".md") + "/"


def element(html: str, css_class: str) -> str:
    """The first element with the class `css_class` (not nested in an element of its kind)."""
    match = re.search(rf'<(\w+) class="(?:[^"]* )?{css_class}[ "][^>]*>.*?</\1>', html, re.DOTALL)
    assert match is not None, f"no .{css_class} in {html}"
    return match.group(0)


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_trust_line_tells_status_owner_review_and_version_of_an_sop() -> None:
    trust = element(header(SOP), "kb-trust")
    badge = element(trust, "kb-badge")
    assert 'class="kb-badge kb-badge--ok"' in badge and ">已驗證</span>" in badge
    assert 'data-kb-status-due="2026-12-01"' in badge  # the browser re-judges it on its day
    assert '<a href="mailto:bob@example.com,carol@example.com" title="network">網路組</a>' in trust
    assert '<time datetime="2026-12-01" data-kb-due="review">2026-12-01</time>' in trust
    assert text(trust) == (
        "已驗證 負責人 網路組 最近複審 2026-06-01 → 下次複審 2026-12-01 版本 1.2 生效 2026-06-15"
    )


def test_an_article_has_no_version_on_its_trust_line() -> None:
    trust = text(element(header(dataclasses.replace(ARTICLE, version="3")), "kb-trust"))
    assert trust == "已驗證 負責人 林小美 最近複審 2026-03-01 → 下次複審 2027-03-01"


def test_a_validated_document_past_its_review_is_overdue_on_its_badge() -> None:
    badge = element(header(SOP, date(2026, 12, 2)), "kb-badge")
    assert 'class="kb-badge kb-badge--overdue"' in badge and ">逾期未複審<" in badge
    assert 'data-kb-status-due="2026-12-01"' in badge
    due_day = element(header(SOP, date(2026, 12, 1)), "kb-badge")  # late the day after
    assert ">已驗證<" in due_day


@pytest.mark.parametrize(
    "status, label, modifier",
    [
        (Status.DRAFT, "未驗證", "draft"),
        (Status.IN_REVIEW, "未驗證", "draft"),
        (Status.DEPRECATED, "已停用", "retired"),
        (Status.ARCHIVED, "已封存", "retired"),
    ],
)
def test_the_badge_of_a_document_not_validated_or_retired(
    status: Status, label: str, modifier: str
) -> None:
    badge = element(header(dataclasses.replace(SOP, status=status)), "kb-badge")
    assert f'class="kb-badge kb-badge--{modifier}"' in badge and f">{label}<" in badge
    assert "data-kb-status-due" not in badge  # only a validated badge turns overdue


def test_banners_are_one_compact_line_each_and_only_when_something_is_wrong() -> None:
    fine = header(SOP, date(2026, 7, 1))
    shown = re.findall(r'<p class="kb-banner [^"]*"(?![^>]*\bhidden\b)', fine)
    assert shown == []
    draft = header(dataclasses.replace(SOP, status=Status.IN_REVIEW), date(2026, 12, 2))
    banners = re.findall(r"<p class=\"kb-banner .*?</p>", draft)
    assert [re.search(r"kb-banner--([a-z-]+)\"", b).group(1) for b in banners] == [  # type: ignore[union-attr]
        "review-overdue",
        "review-due-soon",
        "not-validated",
    ]
    assert "admonition" not in draft  # not a big box
    overdue = element(draft, "kb-banner--review-overdue")
    assert "kb-banner--danger" in overdue and "hidden" not in overdue
    assert 'data-kb-when="overdue" data-kb-due="2026-12-01"' in overdue  # freshness.js reads
    assert text(overdue) == "逾期未複審 應於 2026-12-01 前複審，內容可能已過時，使用前請先確認。"
    soon = element(draft, "kb-banner--review-due-soon")
    assert "kb-banner--warning" in soon
    assert 'data-kb-when="due-soon" data-kb-due="2026-12-01" hidden' in soon  # judged later
    assert text(element(draft, "kb-banner--not-validated")) == (
        "尚未驗證 狀態為「審查中」，內容尚未經負責人驗證。"
    )


def test_a_plan_past_its_drill_has_a_drill_banner() -> None:
    banner = element(header(PLAN), "kb-banner--drill-overdue")
    assert 'data-kb-when="overdue" data-kb-due="2026-06-16"' in banner
    assert text(banner) == "演練逾期 本計畫應於 2026-06-16 前完成演練。"


def test_a_retired_document_links_to_its_successor() -> None:
    banner = element(header(RETIRED, AS_OF, SUCCESSOR), "kb-banner--retired")
    assert '<a href="../mfa/">KB-0003 MFA 註冊</a>' in banner
    assert text(banner).startswith("已停用 本文件已停止維護。請改用 KB-0003")


def test_the_full_metadata_is_folded_with_labels_in_chinese_only() -> None:
    page = header(PLAN, AS_OF, SOP)
    details = element(page, "kb-meta")
    assert details.startswith('<details class="kb-meta" data-search-exclude><summary>文件資訊')
    assert " open" not in details.split(">")[0]  # collapsed until opened
    labels = re.findall(r'<th scope="row">(.*?)</th>', details)
    assert labels == [
        "編號", "類型", "狀態", "負責人", "版本", "最近複審", "下次複審",
        "最近演練", "下次演練", "演練紀錄",
    ]  # fmt: skip
    assert not re.search(r"[A-Za-z]", "".join(labels))
    assert "<td>應變計畫</td>" in details and "<td>已驗證</td>" in details
    assert (  # due dates the browser re-judges on the day it is read
        '<th scope="row">下次演練</th><td><time datetime="2026-06-16" data-kb-due="drill">'
    ) in details
    assert '<time datetime="2027-09-01" data-kb-due="review">2027-09-01</time>' in details
    everything = element(header(SOP, AS_OF, PLAN, RETIRED), "kb-meta")
    assert re.findall(r'<th scope="row">(.*?)</th>', everything)[5:] == [
        "生效日", "核准人", "最近複審", "下次複審", "標籤", "適用產品",
    ]  # fmt: skip
    assert "bob@example.com" in everything  # the approver's contact


def test_related_and_superseded_documents_are_links_in_the_metadata() -> None:
    successor = dataclasses.replace(SUCCESSOR, related=("KB-0001", "KB-0404"))
    details = element(header(successor, AS_OF, RETIRED, ARTICLE), "kb-meta")
    assert '<th scope="row">相關文件</th><td><a href="../../vpn/error-809/">' in details
    assert "KB-0404" not in details  # not published: no link to nowhere
    assert '<th scope="row">取代</th><td><a href="../sms/">KB-0002 SMS OTP</a>' in details


def test_the_header_is_one_raw_html_block_with_the_search_keys() -> None:
    page = header(PLAN, date(2027, 1, 1), SOP)
    assert page.startswith(
        '<div class="kb-doc" data-kb-id="EP-0001" data-kb-due-soon-days="30" data-kb-version="2.1">'
    )  # the version (and effective date) for print.js's running header
    assert page.rstrip("\n").endswith("</div>")
    assert "\n\n" not in page.strip("\n")  # a blank line would end Markdown's raw block
    assert '<p class="kb-search-keys" hidden>EP-0001 EP0001 0001</p>' in page


def test_every_front_matter_value_is_escaped_in_the_trust_line_and_the_metadata() -> None:
    evil = dataclasses.replace(
        SOP,
        owner="eve",
        version="<i>1</i>",
        kind='"><script>x</script>',
        tags=("<b>t</b>",),
        applies_to=(Applicability("<img src=x>", ">=1"),),
    )
    page = header(evil)
    trust = element(page, "kb-trust")
    assert "負責人 &lt;b&gt;Eve&lt;/b&gt;</span>" in trust  # no valid address: no link
    assert "版本 &lt;i&gt;1&lt;/i&gt;" in trust
    assert "<script>" not in page and "<img" not in page and "<b>" not in page
    assert "<i>" not in page
    unknown = element(header(dataclasses.replace(SOP, owner="<u>who</u>")), "kb-trust")
    assert "負責人 &lt;u&gt;who&lt;/u&gt;</span>" in unknown
