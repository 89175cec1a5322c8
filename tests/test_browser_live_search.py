"""The search box against a running `kb serve`, in headless Chromium (as test_browser.py)."""

from __future__ import annotations

import json
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from supportkb.search.indexing.index import build_index
from supportkb.site.build import build_site

from conftest import shipped_content
from test_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    ROOT,
    browser,
    page,
    playwright_api,
    site_url,
)

AS_OF = date(2026, 11, 24)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Any]]:
    work = tmp_path_factory.mktemp("serve")
    content = shipped_content(work / "kb")
    site = build_site(content, AS_OF, work / "site").site_dir
    build_index(content, work / "index")
    port = _free_port()
    analytics = work / "searches.sqlite"
    command = [
        sys.executable,
        "-m",
        "supportkb",
        "-C",
        str(content),
        "serve",
        "--port",
        str(port),
        "--workers",
        "1",
        "--site-dir",
        str(site),
        "--index-dir",
        str(work / "index"),
        "--analytics",
        str(analytics),
        "--as-of",
        AS_OF.isoformat(),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}/"
    for _ in range(100):
        try:
            with urllib.request.urlopen(url + "api/health", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError:
            time.sleep(0.1)
    else:
        server.kill()
        raise RuntimeError(server.stderr.read().decode() if server.stderr else "no server")
    yield url, analytics, server
    server.terminate()
    server.wait(timeout=10)


def shown_for(text: str) -> str:
    """The dropdown once it shows the answer to `text` (search.js marks what it shows: the
    previous query's results, still on screen while the next is asked, are not the answer)."""
    return f".kb-live[data-kb-query={json.dumps(text, ensure_ascii=False)}]"


def search(page: Any, text: str) -> list[str]:
    page.click(".md-search__input")
    page.fill(".md-search__input", "")
    page.type(".md-search__input", text, delay=20)
    page.wait_for_selector(shown_for(text) + " .kb-result__id", timeout=10_000)
    return [e.inner_text() for e in page.query_selector_all(".kb-live .kb-result__id")]


def test_traditional_and_simplified_queries_find_the_same_article(
    page: Any, served: tuple[str, Path, Any]
) -> None:
    url, _, _ = served
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    page.goto(url)
    page.wait_for_selector("body.kb-live-search")  # no eval: the policy refuses it
    assert search(page, "印表機 離線")[0] == "KB-0010"
    assert search(page, "打印机 脱机")[0] == "KB-0010"
    first = page.query_selector(".kb-live .kb-result")
    assert first is not None and "<mark>" in first.inner_html()
    assert page.is_visible(".kb-live .kb-badge")
    assert refused == []  # the page needs nothing the security policy refuses


def test_filter_by_type_and_open_a_result(page: Any, served: tuple[str, Path, Any]) -> None:
    url, analytics, _ = served
    page.goto(url)
    page.wait_for_selector("body.kb-live-search")  # no eval: the policy refuses it
    search(page, "停電")
    page.click("[data-kb-facet='type:emergency-plan']")
    page.wait_for_selector("[data-kb-facet='type:emergency-plan'].kb-chip--on")
    types = [e.inner_text() for e in page.query_selector_all(".kb-live .kb-result__type")]
    assert types and set(types) == {"應變計畫"}
    page.focus(".md-search__input")
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.className")
    assert "kb-result__link" in focused
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/sops/emergency/" in page.url
    page.wait_for_timeout(300)
    opened = sqlite3.connect(analytics).execute("SELECT query, document FROM opened").fetchall()
    assert ("停電", opened[-1][1]) == opened[-1] and opened[-1][1].startswith("EP-")


def test_enter_opens_the_full_results_page(page: Any, served: tuple[str, Path, Any]) -> None:
    url, _, _ = served
    page.goto(url)
    page.wait_for_selector("body.kb-live-search")  # no eval: the policy refuses it
    search(page, "VPN")
    page.focus(".md-search__input")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/search-results/" in page.url and "query=VPN" in page.url  # the query is kept
    page.wait_for_selector("#kb-search-page .kb-result")
    assert page.query_selector_all("#kb-search-page .kb-chip")
    assert "份文件" in page.inner_text("#kb-search-page .kb-page__meta")
    # the page is not under Material's search overlay: the first click opens the result
    # (the overlay, opened by a `?q=` address, swallowed it), and Back returns to the results
    assert not page.is_checked("#__search")
    first = page.locator("#kb-search-page .kb-result__link").first
    target = first.get_attribute("href")
    with page.expect_navigation():
        first.click(timeout=5_000)
    assert page.url == target
    page.go_back()
    assert "query=VPN" in page.url
    page.wait_for_selector("#kb-search-page .kb-result")


def test_without_the_api_the_site_search_still_works(page: Any, site_url: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site_url)  # the same build on a plain static server: /api/ answers 404
    page.click(".md-search__input")
    page.type(".md-search__input", "KB0002", delay=20)
    page.wait_for_selector(".md-search-result__item", timeout=15_000)
    assert not page.evaluate("document.body.classList.contains('kb-live-search')")
    assert page.query_selector(".kb-live") is None
    assert errors == []


COLOURS = """(selector) => {
  const node = document.querySelector(selector);
  let element = node, background = "rgba(0, 0, 0, 0)";
  while (element && /rgba\\(0, 0, 0, 0\\)|transparent/.test(background)) {
    background = getComputedStyle(element).backgroundColor;
    element = element.parentElement;
  }
  return [getComputedStyle(node).color, background];
}"""


def _rgba(css: str) -> tuple[float, float, float, float]:
    """A computed colour: `rgb(r, g, b)`, `rgba(r, g, b, a)` or, from `color-mix()`,
    `color(srgb r g b / a)` (channels 0 to 1), as red, green, blue 0 to 255 and alpha."""
    inside = css[css.index("(") + 1 : -1]
    if css.startswith("color("):
        space, _, rest = inside.partition(" ")
        assert space == "srgb", css
        channels, _, alpha = rest.partition("/")
        red, green, blue = (255 * float(x) for x in channels.split())
        return (red, green, blue, float(alpha) if alpha.strip() else 1.0)
    parts = [float(x) for x in inside.split(",")]
    return (parts[0], parts[1], parts[2], parts[3] if len(parts) > 3 else 1.0)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(v) for v in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(foreground: str, background: str) -> float:
    """WCAG's contrast ratio, the text's alpha composited over its background."""
    fr, fg, fb, alpha = _rgba(foreground)
    br, bg, bb, _ = _rgba(background)
    shown = tuple(alpha * f + (1 - alpha) * b for f, b in ((fr, br), (fg, bg), (fb, bb)))
    lighter, darker = sorted((_luminance(shown), _luminance((br, bg, bb))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_live_results_can_be_read_in_both_palettes(
    browser: Any, served: tuple[str, Path, Any], scheme: str, width: int, height: int
) -> None:
    """What an agent sees in the dropdown: title, snippet and status badge at 4.5:1 or more
    (they were white on white in the light palette), the first result in view."""
    url, _, _ = served
    context = browser.new_context(
        locale="zh-TW", viewport={"width": width, "height": height}, color_scheme=scheme
    )
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("body.kb-live-search")
    if width < 960:  # on a phone the search box opens from the header's icon
        page.click("label[for=__search]")
    page.click(".md-search__input")
    page.type(".md-search__input", "VPN", delay=20)
    page.wait_for_selector(shown_for("VPN") + " .kb-result__title", timeout=10_000)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"live-results-{scheme}-{width}.png"))
    for part in (".kb-result__title", ".kb-result__snippet", ".kb-badge"):
        colours = page.evaluate(COLOURS, f".kb-live .kb-result {part}")
        assert contrast(*colours) >= 4.5, (part, colours)
    box = page.locator(".kb-live .kb-result").first.bounding_box()
    assert box is not None and box["y"] + 40 < height  # the first result's title in view
    bar = page.locator(".kb-live .kb-facets").bounding_box()
    chip = page.locator(".kb-live .kb-chip").first.bounding_box()
    assert bar is not None and chip is not None and bar["height"] < 2 * chip["height"]  # one row
    assert "published" not in page.inner_text(".kb-live .kb-facets")  # statuses by their label
    context.close()


# -- a query typed at once: nothing lost while the page asks /api/health -------------------


def test_a_query_typed_before_the_api_answers_is_run_when_it_does(
    page: Any, served: tuple[str, Path, Any]
) -> None:
    """An agent types as soon as the page shows: the keys went to Material's search (hidden
    once the API answers) and the live results never came."""
    url, _, _ = served
    held: list[Any] = []
    page.route(
        "**/api/health", lambda route: held.append(route)
    )  # the answer is held until the query is typed
    page.goto(url)
    page.click(".md-search__input")
    page.type(".md-search__input", "VPN 809", delay=20)
    assert held and page.query_selector(".kb-live .kb-result") is None
    held[0].continue_()
    page.wait_for_selector(shown_for("VPN 809") + " .kb-result__id", timeout=10_000)
    assert page.inner_text(".kb-live .kb-result__id") == "KB-0002"


# -- zero results: never a dead end ----------------------------------------------------------

NOTHING = "藍芽耳機 zqxwv"  # no document of the starter content has either word


def _open_search_box(page: Any, width: int) -> None:
    if width < 960:  # on a phone the search box opens from the header's icon
        page.click("label[for=__search]")
    page.click(".md-search__input")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_zero_results_name_the_words_offer_titles_and_a_request(
    browser: Any, served: tuple[str, Path, Any], scheme: str, width: int, height: int
) -> None:
    url, _, _ = served
    context = browser.new_context(
        locale="zh-TW", viewport={"width": width, "height": height}, color_scheme=scheme
    )
    page = context.new_page()
    posted: list[Any] = []

    def feedback(route: Any) -> None:
        posted.append(route.request.post_data_json)
        route.fulfill(status=204)

    page.route("**/api/feedback", feedback)  # H4's endpoint: the contract, not the server
    page.goto(url)
    page.wait_for_selector("body.kb-live-search")
    _open_search_box(page, width)
    page.type(".md-search__input", NOTHING, delay=20)
    view = page.locator(shown_for(NOTHING) + " .kb-none")
    view.wait_for(timeout=10_000)
    assert page.inner_text(".kb-none__title") == f"找不到符合「{NOTHING}」的文件"
    words = [e.inner_text() for e in page.query_selector_all(".kb-none__word")]
    assert words == ["藍芽耳機", "zqxwv"]
    closest = page.locator(".kb-none__closest .kb-result__title")
    assert closest.count() >= 1 and closest.first.is_visible()
    button = page.locator(".kb-none__button")
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= height  # in view, no scrolling
    for part in (
        ".kb-none__title",
        ".kb-none__word",
        ".kb-none__closest .kb-result__title",
        ".kb-none__button",
    ):
        colours = page.evaluate(COLOURS, part)
        assert contrast(*colours) >= 4.5, (part, colours)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"live-zero-results-{scheme}-{width}.png"))
    button.click()
    page.locator(".kb-none__status", has_text="謝謝").wait_for(timeout=5_000)
    assert posted == [{"id": None, "kind": "missing", "query": NOTHING}]
    assert not button.is_visible()
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_zero_results_on_the_results_page_can_be_read(
    browser: Any, served: tuple[str, Path, Any], scheme: str
) -> None:
    """On the results page (inside Material's typeset) the request button kept Material's
    button colour: 2.3:1 in the dark palette."""
    url, _, _ = served
    context = browser.new_context(
        locale="zh-TW", viewport={"width": 1366, "height": 768}, color_scheme=scheme
    )
    page = context.new_page()
    page.goto(url + "search-results/?query=" + quote(NOTHING))
    page.locator("#kb-search-page .kb-none__button").wait_for(timeout=10_000)
    for part in ("#kb-search-page .kb-none__title", "#kb-search-page .kb-none__button"):
        colours = page.evaluate(COLOURS, part)
        assert contrast(*colours) >= 4.5, (part, colours)
    context.close()


def test_nothing_found_under_filters_says_so_and_offers_to_search_without(
    page: Any, served: tuple[str, Path, Any]
) -> None:
    """A link with filters that leave nothing said "no document holds 印表機", with no word of
    the filters and no way out."""
    url, _, _ = served
    page.goto(url + "search-results/?query=" + quote("印表機") + "&type=sop&category=wifi")
    note = page.locator("#kb-search-page .kb-none__filters")
    note.wait_for(timeout=10_000)
    assert "類型：" in note.inner_text() and "分類：" in note.inner_text()
    assert "在這些篩選下" in page.inner_text("#kb-search-page .kb-none__words")
    with page.expect_navigation():
        note.locator(".kb-none__clear").click()
    page.wait_for_selector("#kb-search-page .kb-result")
    assert "type=" not in page.url and "category=" not in page.url


def test_an_older_results_link_with_q_opens_the_results_page(
    page: Any, served: tuple[str, Path, Any]
) -> None:
    """`?q=` (the results page's address before `?query=`) opened under Material's overlay."""
    url, _, _ = served
    page.goto(url + "search-results/?q=VPN")
    page.wait_for_url("**/search-results/?query=VPN")
    page.wait_for_selector("#kb-search-page .kb-result")
    assert not page.is_checked("#__search")


def test_a_misspelled_word_gets_did_you_mean_on_the_results_page(
    page: Any, served: tuple[str, Path, Any]
) -> None:
    url, _, _ = served
    page.goto(url + "search-results/?query=pasword%20resett")
    page.locator("#kb-search-page .kb-none").wait_for(timeout=10_000)
    hint = page.locator("#kb-search-page .kb-live__suggestion")
    assert hint.is_visible() and "password" in hint.inner_text()
    assert page.locator("#kb-search-page .kb-none__button").is_visible()
    assert "Search" not in page.inner_text("article h1")  # one language: 搜尋結果


# -- the static search (no API): Simplified queries and ids ---------------------------------


def _static_search(page: Any, site_url: str, text: str, wait_for_index: bool) -> Any:
    page.goto(site_url)
    page.click(".md-search__input")
    if wait_for_index:  # the reference: typed once Material's index is ready
        page.locator(".md-search-result__meta", has_text="打字進行搜尋").wait_for(timeout=30_000)
    # typed at once, as an agent does (Chinese arrives without key events, as from an input
    # method: Material, which reads the box on keyup, never saw it)
    page.type(".md-search__input", text, delay=20)
    return page.locator(".md-search-result__item > a")


def _first_results(results: Any) -> list[str]:
    results.first.wait_for(timeout=30_000)
    return [results.nth(i).get_attribute("href") or "" for i in range(min(results.count(), 3))]


@pytest.mark.parametrize(
    "typed, site_words",
    [
        ("打印机 卡纸", "印表機 卡紙"),  # mainland wording, Simplified
        ("打印机 卡纸了", "印表機 卡紙了"),
        ("印表机 卡纸", "印表機 卡紙"),  # Taiwan wording, Simplified characters
        ("网络 连接", "網路 連線"),
    ],
)
def test_static_search_reads_simplified_queries(
    browser: Any, site_url: str, typed: str, site_words: str
) -> None:
    """The same results as the site's own words give, though typed at once."""
    pages = [browser.new_context(locale="zh-TW").new_page() for _ in range(2)]
    expected = _first_results(_static_search(pages[0], site_url, site_words, True))
    results = _static_search(pages[1], site_url, typed, False)
    playwright_api.expect(results.first).to_have_attribute("href", expected[0], timeout=30_000)
    assert _first_results(results) == expected
    if "卡" in typed:
        assert any("/kb/printing/print-queue-stuck/" in href for href in expected)
    for opened in pages:
        opened.context.close()


@pytest.mark.parametrize("typed", ["KB-0014", "kb-0014", "KB0014", "kb0014"])
def test_static_search_lists_the_document_of_an_id_first(
    page: Any, site_url: str, typed: str
) -> None:
    results = _static_search(page, site_url, typed, False)
    playwright_api.expect(results.first).to_have_attribute(
        "href", re.compile(r"/kb/accounts/reset-password/"), timeout=30_000
    )
    assert "0014" in page.inner_text(".md-search-result__item")  # nothing crossed out


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width, height", [(1366, 768), (390, 844)])
def test_static_search_screenshots(
    browser: Any, site_url: str, scheme: str, width: int, height: int
) -> None:
    context = browser.new_context(
        locale="zh-TW", viewport={"width": width, "height": height}, color_scheme=scheme
    )
    page = context.new_page()
    page.goto(site_url)
    _open_search_box(page, width)
    page.type(".md-search__input", "打印机 卡纸", delay=20)
    results = page.locator(".md-search-result__item > a")
    playwright_api.expect(results.first).to_have_attribute(
        "href", re.compile(r"/kb/printing/"), timeout=30_000
    )
    title = page.locator(".md-search-result__item h1").first
    assert title.is_visible()
    assert contrast(*page.evaluate(COLOURS, ".md-search-result__item h1")) >= 4.5
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"static-search-simplified-{scheme}-{width}.png"))
    context.close()
