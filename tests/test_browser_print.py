"""A printed SOP or policy, as Chromium prints it to PDF: every sheet carries the document's id,
title and version (and effective date when it has one) at the top, and "第 x 頁，共 y 頁", the
day printed and "列印本為非管制文件" at the bottom; no navigation; a heading never ends a
sheet. The PDFs go to ARTIFACTS (print-*.pdf)."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

import pytest

from test_browser import ARTIFACTS, browser, site_url  # noqa: F401  (fixtures)

pypdf = pytest.importorskip("pypdf")

PRINTED_ON = datetime(2026, 11, 24, 9, 0)
NOTICE = "列印本為非管制文件"


def printed_pages(browser: Any, url: str, name: str) -> tuple[list[str], list[str]]:  # noqa: F811
    """The text of each printed sheet (NFKC: the PDF's CJK glyphs map partly to compatibility
    code points), and the page's heading texts."""
    context = browser.new_context(locale="zh-TW")
    page = context.new_page()
    page.clock.set_fixed_time(PRINTED_ON)
    page.goto(url)
    page.emulate_media(media="print")
    headings = page.eval_on_selector_all(
        ".md-content :is(h2, h3)", "hs => hs.map(h => h.textContent.replace('¶', '').trim())"
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"print-{name}.pdf"
    page.pdf(path=str(pdf), format="A4")
    context.close()
    texts = [sheet.extract_text() or "" for sheet in pypdf.PdfReader(pdf).pages]
    return [normal(text) for text in texts], [normal(heading) for heading in headings]


def normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def test_printed_sop_carries_its_running_header_and_footer_on_every_sheet(
    browser: Any,  # noqa: F811
    site_url: str,  # noqa: F811
) -> None:
    sheets, _ = printed_pages(browser, site_url + "sops/escalation-sla/", "sop")
    assert len(sheets) >= 2  # the SOP fills several sheets: the header repeats
    for number, text in enumerate(sheets, start=1):
        for expected in (
            "SOP-0002",
            "事件升級與 SLA 計時作業程序",
            "版本 2.4",
            f"第 {number} 頁，共 {len(sheets)} 頁",
            "列印日期 2026-11-24",
            NOTICE,
        ):
            assert normal(expected) in text, (number, expected, text[:400])


def test_printed_policy_names_its_effective_date(
    browser: Any,  # noqa: F811
    site_url: str,  # noqa: F811
) -> None:
    sheets, _ = printed_pages(browser, site_url + "policies/knowledge-base-management/", "policy")
    assert all("POL-0003" in text and normal("生效日 2026-10-01") in text for text in sheets)


@pytest.mark.parametrize(
    "name, path",
    [("sop", "sops/escalation-sla/"), ("policy", "policies/knowledge-base-management/")],
)
def test_no_printed_sheet_ends_on_a_heading(
    browser: Any,  # noqa: F811
    site_url: str,  # noqa: F811
    name: str,
    path: str,
) -> None:
    sheets, headings = printed_pages(browser, site_url + path, name)
    for number, text in enumerate(sheets[:-1], start=1):
        body = [line.strip() for line in text.splitlines() if line.strip()]
        assert body and body[-1] not in headings, f"sheet {number} ends on {body[-1:]}"


def test_print_styles_keep_headings_with_what_follows_and_rows_whole(
    browser: Any,  # noqa: F811
    site_url: str,  # noqa: F811
) -> None:
    context = browser.new_context(locale="zh-TW")
    page = context.new_page()
    page.goto(site_url + "sops/escalation-sla/")
    page.emulate_media(media="print")
    style = "(e, p) => getComputedStyle(e)[p]"
    assert page.eval_on_selector(".md-content h2", style, "breakAfter") == "avoid"
    assert page.eval_on_selector(".md-content tbody tr", style, "breakInside") == "avoid"
    assert not page.locator(".md-header").is_visible()
    assert not page.locator(".md-tabs").is_visible()
    context.close()
