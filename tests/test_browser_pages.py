"""The catalogs, register, review calendar and home page in headless Chromium, as an agent
sees them: every column on a 1366 px screen, cards on a phone, due dates and figures judged on
the day the page is read (a mocked clock), the most opened documents from `kb serve`'s API (a
routed response). Built from the starter content as of conftest's date; nothing here counts
its documents. Screenshots in both palettes at both sizes go to ARTIFACTS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from test_browser import ARTIFACTS, browser, site_url  # noqa: F401  (fixtures)

DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TABLE_PAGES = {
    "kb": "kb/",
    "sops": "sops/",
    "emergency": "sops/emergency/",
    "policies": "policies/",
    "register": "register/",
    "calendar": "review-calendar/",
}
SCREENS = {"home": "", **TABLE_PAGES}
POPULAR = {
    "documents": [
        {
            "id": "KB-0014",
            "title": "重設網域帳號密碼 <b>",
            "path": "kb/accounts/reset-password.md",
            "type": "article",
            "opened": 12,
        },
        {
            "id": "SOP-0002",
            "title": "事件升級與 SLA 計時作業程序",
            "path": "sops/escalation-sla.md",
            "type": "sop",
            "opened": 7,
        },
    ]
}


@pytest.fixture
def open_page(browser: Any) -> Iterator[Any]:  # noqa: F811
    """`open_page(viewport, scheme="light")`: a new page; closed after the test."""
    contexts: list[Any] = []

    def new_page(viewport: dict[str, int], scheme: str = "light") -> Any:
        context = browser.new_context(locale="zh-TW", viewport=viewport, color_scheme=scheme)
        contexts.append(context)
        return context.new_page()

    yield new_page
    for context in contexts:
        context.close()


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0)


HEADERS = """() => [...document.querySelectorAll('.kb-table-wrap')]
  .filter(wrap => wrap.offsetParent !== null)
  .map(wrap => ({
    wrap: wrap.getBoundingClientRect().right,
    scrolls: wrap.scrollWidth > wrap.clientWidth,
    headers: [...wrap.querySelectorAll('th')].map(th => [th.textContent,
      th.getBoundingClientRect().right]),
  }))"""


@pytest.mark.parametrize("name", ["kb", "sops", "emergency", "policies", "register"])
def test_every_column_shows_on_a_1366_screen(open_page: Any, site_url: str, name: str) -> None:  # noqa: F811
    page = open_page(DESKTOP)
    page.goto(site_url + TABLE_PAGES[name])
    tables = page.evaluate(HEADERS)
    assert tables
    for table in tables:
        assert not table["scrolls"], table  # no column hidden behind a scroll either
        for header, right in table["headers"]:
            assert right <= table["wrap"] <= DESKTOP["width"], (name, header, right)
    assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]


CARDS = """() => [...document.querySelectorAll('.kb-table tbody td')].slice(0, 12).map(td => ({
  label: td.getAttribute('data-label'),
  before: getComputedStyle(td, '::before').content,
  display: getComputedStyle(td.closest('tr')).display,
}))"""


@pytest.mark.parametrize("name", ["sops", "emergency", "register"])
def test_rows_become_labelled_cards_on_a_phone(open_page: Any, site_url: str, name: str) -> None:  # noqa: F811
    page = open_page(PHONE)
    page.goto(site_url + TABLE_PAGES[name])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cells = page.evaluate(CARDS)
    assert cells
    for cell in cells:
        assert cell["display"] == "block" and cell["before"] == f'"{cell["label"]}"', cell
    header = page.locator(".kb-table thead").first.bounding_box()
    assert header is not None and header["height"] <= 1  # the names are on the cards instead
    last = page.locator(".kb-table tbody tr").first.locator("td").last.bounding_box()
    assert last is not None and last["x"] + last["width"] <= PHONE["width"]


def _due_dates(page: Any) -> list[str]:
    return sorted(
        set(page.eval_on_selector_all("time[data-kb-due]", "ts => ts.map(t => t.dateTime)"))
    )


def test_a_due_date_is_marked_overdue_on_the_day_after_it(open_page: Any, site_url: str) -> None:  # noqa: F811
    page = open_page(DESKTOP)
    page.goto(site_url + "register/")
    assert page.locator(".kb-due--overdue").count() == 0  # none is past on the build day
    first = _due_dates(page)[0]
    page.clock.set_fixed_time(_at(date.fromisoformat(first) + timedelta(days=1)))
    page.reload()
    late = page.locator(f'time[datetime="{first}"]').first
    assert "kb-due--overdue" in (late.get_attribute("class") or "")
    assert "逾期" in late.inner_text() and late.locator(".kb-due__flag").is_visible()
    assert page.locator("tr.kb-row--overdue").count() >= 1
    later = [d for d in _due_dates(page) if d > first]
    if later:  # a date not yet past stays as it is
        assert "kb-due--overdue" not in (
            page.locator(f'time[datetime="{later[-1]}"]').first.get_attribute("class") or ""
        )


def test_the_catalogs_mark_overdue_drills_and_reviews(open_page: Any, site_url: str) -> None:  # noqa: F811
    page = open_page(DESKTOP)
    page.clock.set_fixed_time(datetime(2100, 1, 1, 9, 0))
    for path in ("sops/emergency/", "kb/", "policies/"):
        page.goto(site_url + path)
        times = page.locator("time[data-kb-due]")
        assert times.count() > 0
        assert page.locator("time.kb-due--overdue").count() == times.count(), path


def _home_dues(page: Any) -> dict[str, dict[str, int]]:
    dues = page.get_attribute(".kb-home-figures", "data-kb-dues")
    assert dues is not None
    parsed: dict[str, dict[str, int]] = json.loads(dues)
    return parsed


def _shown_overdue(page: Any) -> int:
    return int(page.inner_text('.kb-home-figures__overdue [data-kb-figure="overdue"]'))


def test_the_home_page_counts_overdue_documents_on_the_day_read(
    open_page: Any,
    site_url: str,  # noqa: F811
) -> None:
    page = open_page(DESKTOP)
    page.goto(site_url)
    dues = _home_dues(page)
    every = sorted({day for by_date in dues.values() for day in by_date})
    middle = every[len(every) // 2]
    page.clock.set_fixed_time(_at(date.fromisoformat(middle)))
    page.reload()
    expected = {
        doc_type: sum(n for day, n in by_date.items() if day < middle)
        for doc_type, by_date in dues.items()
    }
    assert _shown_overdue(page) == sum(expected.values()) > 0
    for doc_type, count in expected.items():
        row = page.locator(f'tr[data-kb-type="{doc_type}"] [data-kb-figure="overdue"]')
        assert int(row.inner_text()) == count, doc_type
    assert middle in page.inner_text(".kb-home-figures__when")  # says which day it counted
    page.clock.set_fixed_time(datetime(2100, 1, 1, 9, 0))
    page.reload()
    assert _shown_overdue(page) == sum(sum(by_date.values()) for by_date in dues.values())


def test_the_review_calendar_sorts_rows_into_the_periods_of_the_day_read(
    open_page: Any,
    site_url: str,  # noqa: F811
) -> None:
    page = open_page(DESKTOP)
    page.goto(site_url + "review-calendar/")
    rows = page.locator(".kb-bucket tbody tr").count()
    page.clock.set_fixed_time(datetime(2100, 1, 1, 9, 0))
    page.reload()
    overdue = page.locator('.kb-bucket[data-kb-bucket="overdue"]')
    assert overdue.locator("tbody tr").count() == rows > 0
    assert overdue.locator("tbody tr").first.is_visible()
    assert f"({rows})" in overdue.locator("h2").inner_text()
    soon = page.locator('.kb-bucket[data-kb-bucket="within-30"]')
    assert (
        "(0)" in soon.locator("h2").inner_text() and soon.locator(".kb-bucket__empty").is_visible()
    )
    assert "2100-01-01" in page.inner_text(".kb-calendar__as-of")


def test_the_trust_line_badge_turns_overdue_after_its_date(open_page: Any, site_url: str) -> None:  # noqa: F811
    page = open_page(DESKTOP)
    page.goto(site_url + "kb/vpn/vpn-error-809/")
    shown = page.locator(".kb-trust [data-kb-status-due]")
    due = date.fromisoformat(shown.get_attribute("data-kb-status-due") or "")
    page.clock.set_fixed_time(datetime(due.year, due.month, due.day, 9, 0))
    page.reload()
    assert shown.inner_text() == "已驗證"
    day_after = due + timedelta(days=1)
    page.clock.set_fixed_time(datetime(day_after.year, day_after.month, day_after.day, 9, 0))
    page.reload()
    assert shown.inner_text() == "逾期未複審"
    assert "kb-badge--overdue" in (shown.get_attribute("class") or "")


def _served(page: Any) -> None:
    """The site as under `kb serve`: search.js finds the API (routed) and marks the page."""
    page.route("**/api/health", lambda route: route.fulfill(json={"status": "ok"}))


def test_most_opened_is_filled_from_the_api(open_page: Any, site_url: str) -> None:  # noqa: F811
    page = open_page(DESKTOP)
    _served(page)
    page.route(
        "**/api/popular?limit=5",
        lambda route: route.fulfill(json=POPULAR),
    )
    page.goto(site_url)
    box = page.locator("#kb-most-opened")
    box.locator("li").first.wait_for()
    assert box.is_visible()
    items = box.locator("li")
    assert items.count() == 2
    assert "重設網域帳號密碼 <b>" in items.first.inner_text()  # text, not HTML
    assert "開啟 12 次" in items.first.inner_text()
    underline = items.first.locator("a").evaluate("a => getComputedStyle(a).textDecorationLine")
    assert underline == "underline"  # told from the text by more than colour
    link = items.first.locator("a")
    assert link.get_attribute("href") == site_url + "kb/accounts/reset-password/"
    link.click()
    page.wait_for_url(site_url + "kb/accounts/reset-password/")


def test_most_opened_stays_hidden_without_the_api(open_page: Any, site_url: str) -> None:  # noqa: F811
    page = open_page(DESKTOP)
    asked: list[str] = []

    def not_found(route: Any) -> None:
        asked.append(route.request.url)
        route.fulfill(status=404, body="")

    page.route("**/api/popular?limit=5", not_found)
    page.goto(site_url)
    page.wait_for_load_state("networkidle")
    assert not asked  # static hosting: no API, no request that would fail
    assert page.locator("#kb-most-opened").is_hidden()
    _served(page)
    page.reload()
    page.wait_for_selector("body.kb-live-search")  # no wait_for_function: the policy refuses eval
    page.wait_for_load_state("networkidle")
    assert asked and page.locator("#kb-most-opened").is_hidden()


def test_the_home_page_opens_with_search_and_the_p1_steps(open_page: Any, site_url: str) -> None:  # noqa: F811
    for viewport in (DESKTOP, PHONE):
        page = open_page(viewport)
        page.goto(site_url)
        search = page.locator("#kb-home-query").bounding_box()
        assert search is not None and search["y"] + search["height"] <= viewport["height"]
        if viewport is DESKTOP:  # the first P1 steps and their links above the fold
            step = page.locator("article ol li a", has_text="SOP-0001").first.bounding_box()
            assert step is not None and step["y"] + step["height"] <= viewport["height"]


def test_the_home_search_box_opens_the_theme_s_search_on_static_hosting(
    open_page: Any,
    site_url: str,  # noqa: F811
) -> None:
    page = open_page(DESKTOP)
    page.goto(site_url)
    page.fill("#kb-home-query", "印表機")
    page.press("#kb-home-query", "Enter")
    theme = page.locator(".md-search__input")
    assert theme.input_value() == "印表機"
    assert page.evaluate("document.getElementById('__search').checked")
    assert page.url == site_url  # stayed on the page


def test_the_home_search_box_opens_the_full_results_under_kb_serve(
    open_page: Any,
    site_url: str,  # noqa: F811
) -> None:
    page = open_page(DESKTOP)
    _served(page)
    page.route(
        "**/api/search?*",
        lambda route: route.fulfill(
            json={"total": 0, "took_ms": 1, "limit": 20, "results": [], "facets": {}}
        ),
    )
    page.goto(site_url)
    page.wait_for_selector("body.kb-live-search")  # no wait_for_function: the policy refuses eval
    page.fill("#kb-home-query", "印表機")
    page.press("#kb-home-query", "Enter")
    page.wait_for_url("**/search-results/?query=*")
    assert "query=%E5%8D%B0%E8%A1%A8%E6%A9%9F" in page.url


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots(open_page: Any, site_url: str, scheme: str, size: str) -> None:  # noqa: F811
    """Kept for a person to look at; asserts the palette is the one asked for."""
    page = open_page(DESKTOP if size == "desktop" else PHONE, scheme)
    _served(page)
    page.route("**/api/popular?limit=5", lambda route: route.fulfill(json=POPULAR))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    palette = "slate" if scheme == "dark" else "default"
    for name, path in SCREENS.items():
        page.goto(site_url + path)
        assert page.get_attribute("body", "data-md-color-scheme") == palette
        page.screenshot(path=str(ARTIFACTS / f"pages-{name}-{palette}-{size}.png"), full_page=True)
