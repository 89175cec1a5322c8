"""A document page as an agent sees it, answer first (headless Chromium, as test_browser.py):
one trust line under the title, readable in both palettes; the first section inside the first
screen on a desktop and on a phone, banners included; the metadata folded until opened."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from datetime import date, datetime
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from supportkb.site.build import build_site

from conftest import shipped_content
from test_browser import ARTIFACTS, ROOT, _QuietHandler, browser, site_url  # noqa: F401
from test_browser_live_search import COLOURS, contrast

DOCUMENTS = {  # one of each type, from the starter content (built on 2026-11-24)
    "article": "kb/vpn/vpn-error-809/",
    "sop": "sops/escalation-sla/",
    "plan": "sops/emergency/major-system-outage/",  # EP-0001
    "policy": "policies/technical-support-management/",
}
LATE = date(2027, 10, 1)  # built and read on this day, when some documents are overdue
WITH_BANNERS = {  # what is wrong shows, one line each
    "plan-overdue": "sops/emergency/major-system-outage/",  # review and drill overdue
    "in-review-overdue": "kb/wifi/wifi-slow/",  # not validated, review overdue
    "retired": "kb/accounts/sms-otp-login/",  # deprecated, with its successor
}
EXPECTED_BANNERS = {
    "plan-overdue": ["kb-banner--review-overdue", "kb-banner--drill-overdue"],
    "in-review-overdue": ["kb-banner--review-overdue", "kb-banner--not-validated"],
    "retired": ["kb-banner--retired"],
}
EXPECTED_BADGES = {
    "plan-overdue": ("逾期未複審", "kb-badge--overdue"),
    "in-review-overdue": ("未驗證", "kb-badge--draft"),
    "retired": ("已停用", "kb-badge--retired"),
}
BANNER_KINDS = {kind for kinds in EXPECTED_BANNERS.values() for kind in kinds}
SIZES = [(1366, 768), (390, 844)]
SCHEMES = {"light": "default", "dark": "slate"}
FIRST_SECTION = ".md-content h2"


@pytest.fixture(scope="module")
def late_site_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The starter site built on `LATE`: its badges and banners say overdue from the build."""
    os.environ.setdefault("SUPPORTKB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    content = shipped_content(tmp_path_factory.mktemp("kb"))
    site = build_site(content, LATE, tmp_path_factory.mktemp("late") / "site").site_dir
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(
    params=[(s, w, h) for s in SCHEMES for w, h in SIZES], ids=lambda p: "-".join(map(str, p))
)
def screen(
    browser: Any,  # noqa: F811  (the fixture)
    request: pytest.FixtureRequest,
) -> Iterator[tuple[Any, str, int]]:
    """A page in one palette at one size, and the palette's name and the screen's height."""
    scheme, width, height = request.param
    context = browser.new_context(
        locale="zh-TW", viewport={"width": width, "height": height}, color_scheme=scheme
    )
    yield context.new_page(), SCHEMES[scheme], height
    context.close()


def open_page(page: Any, url: str, scheme: str) -> None:
    page.goto(url)
    assert page.get_attribute("body", "data-md-color-scheme") == scheme


def save(page: Any, name: str, scheme: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=str(ARTIFACTS / f"document-page-{name}-{scheme}-{width}.png"))


def assert_first_section_in_view(page: Any, height: int) -> None:
    """The first h2 and the first line under it are on the first screen."""
    heading = page.locator(FIRST_SECTION).first.bounding_box()
    assert heading is not None and heading["y"] >= 0, heading
    first_line = page.evaluate(
        "(s) => document.querySelector(s).nextElementSibling.getBoundingClientRect().top",
        FIRST_SECTION,
    )
    assert first_line + 20 <= height, (heading, first_line, height)


@pytest.mark.parametrize("kind", DOCUMENTS)
def test_the_trust_line_is_readable_and_the_first_section_is_in_view(
    screen: tuple[Any, str, int],
    site_url: str,  # noqa: F811  (the fixture)
    kind: str,
) -> None:
    page, scheme, height = screen
    open_page(page, site_url + DOCUMENTS[kind], scheme)
    trust = page.locator(".kb-trust")
    assert trust.is_visible()
    box = trust.bounding_box()
    title = page.locator(".md-content h1").bounding_box()
    assert box is not None and title is not None and title["y"] < box["y"] < height
    assert trust.locator(".kb-badge").inner_text() == "已驗證"
    assert "負責人" in trust.inner_text() and "下次複審" in trust.inner_text()
    assert trust.locator("a[href^='mailto:']").count() == 1  # the owner, one click away
    for part in (
        ".kb-trust",
        ".kb-trust .kb-badge",
        ".kb-trust time",
        ".kb-trust a",
        ".kb-meta summary",
    ):
        colours = page.evaluate(COLOURS, part)
        assert contrast(*colours) >= 4.5, (part, colours)
    underline = page.eval_on_selector(
        ".kb-trust a", "(a) => getComputedStyle(a).textDecorationLine"
    )
    assert underline == "underline"  # a link is told from the text by more than its colour
    assert not page.locator(".kb-banner").first.is_visible()  # nothing is wrong: no banner
    assert_first_section_in_view(page, height)
    save(page, kind, scheme)


@pytest.mark.parametrize("kind", WITH_BANNERS)
def test_with_banners_the_first_section_is_still_in_view(
    screen: tuple[Any, str, int], late_site_url: str, kind: str
) -> None:
    page, scheme, height = screen
    page.clock.set_fixed_time(datetime(LATE.year, LATE.month, LATE.day, 9, 0))  # read that day
    open_page(page, late_site_url + WITH_BANNERS[kind], scheme)
    label, modifier = EXPECTED_BADGES[kind]
    badge = page.locator(".kb-trust .kb-badge")
    assert badge.inner_text() == label and modifier in (badge.get_attribute("class") or "")
    assert contrast(*page.evaluate(COLOURS, ".kb-trust .kb-badge")) >= 4.5
    shown = page.locator(".kb-banner:visible")
    kinds = [
        next(c for c in (shown.nth(i).get_attribute("class") or "").split() if c in BANNER_KINDS)
        for i in range(shown.count())
    ]
    assert kinds == EXPECTED_BANNERS[kind]
    for banner in kinds:
        line = page.locator(f".{banner}").bounding_box()
        assert line is not None and line["height"] < 60, line  # compact: a line, two on a phone
        link = (" a",) if banner == "kb-banner--retired" else ()  # the successor
        for part in ("", " .kb-banner__title", *link):
            colours = page.evaluate(COLOURS, f".{banner}{part}")
            assert contrast(*colours) >= 4.5, (banner + part, colours)
    assert_first_section_in_view(page, height)
    save(page, kind, scheme)


def test_the_metadata_is_folded_until_opened(browser: Any, site_url: str) -> None:  # noqa: F811
    context = browser.new_context(locale="zh-TW", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(site_url + DOCUMENTS["sop"])
    details = page.locator("details.kb-meta")
    assert details.get_attribute("open") is None
    assert page.locator("details.kb-meta summary").inner_text().strip() == "文件資訊"
    assert not details.locator("table").is_visible()
    page.emulate_media(media="print")
    assert details.locator("table").is_visible()  # paper cannot be opened: printed whole
    page.emulate_media(media="screen")
    page.locator("details.kb-meta summary").click()
    table = details.locator("table")
    assert table.is_visible()
    text = table.inner_text()
    for expected in ("編號\tSOP-0002", "版本\t2.4", "核准人", "下次複審\t2027-04-15", "相關文件"):
        assert expected in text, expected
    assert "Last reviewed" not in text and "Owner" not in text  # one language
    save(page, "sop-details-open", "default")
    context.close()
