"""Every page an agent opens during a call, checked by axe-core (bundled by
`axe-playwright-python`) in both palettes, on a desktop and a phone: no serious or critical
violation, Material's own included; no console error and no request leaving the machine,
served by `kb serve` and as a static site. Screenshots of each page in each palette and at
each size go to ARTIFACTS (`a11y-<palette>-<width>-<page>.png`).

A failure lists the violations per page, rule by rule, with the elements axe names: re-run one
page with `pytest tests/test_browser_accessibility.py -k register`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_browser import ARTIFACTS, browser, site_url  # noqa: F401  (fixtures)
from test_browser_live_search import served  # noqa: F401  (fixture)

axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

DROPDOWN = "dropdown"  # the home page with the live search's dropdown open on a query
QUERY = "VPN"
PAGES = {
    "home": "",
    "article": "kb/vpn/vpn-error-809/",
    "sop": "sops/escalation-sla/",
    "plan": "sops/emergency/datacenter-power-disaster/",
    "policy": "policies/knowledge-base-management/",
    "kb-catalog": "kb/",
    "sop-catalog": "sops/",
    "plan-catalog": "sops/emergency/",
    "policy-catalog": "policies/",
    "register": "register/",
    "review-calendar": "review-calendar/",
    "results": f"search-results/?query={QUERY}",
    DROPDOWN: "",
}
PALETTES = {"default": "light", "slate": "dark"}  # Material's scheme: the reader's preference
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
BLOCKING = ("serious", "critical")
MATERIAL_DESKTOP = 960  # px: below this Material hides the search field behind a button


@pytest.fixture(scope="module")
def live(served: tuple[str, Path, Any]) -> Iterator[str]:  # noqa: F811
    """`kb serve`'s address. Its access log goes to a pipe that nobody reads: drained here,
    or the server blocks once the pipe is full (these tests make hundreds of requests)."""
    _, _, server = served
    threading.Thread(target=server.stderr.read, daemon=True).start()
    yield served[0]


def open_page(page: Any, base: str, name: str) -> None:
    page.goto(base + PAGES[name])
    page.wait_for_load_state("networkidle")
    if name == DROPDOWN:
        open_dropdown(page)
    elif name == "results":
        page.wait_for_selector("#kb-search-page .kb-result", timeout=10_000)


def open_dropdown(page: Any) -> None:
    page.wait_for_selector("body.kb-live-search")
    if page.viewport_size["width"] < MATERIAL_DESKTOP:
        page.click(".md-header__button[for='__search']")
    page.click(".md-search__input")
    page.type(".md-search__input", QUERY, delay=20)
    page.wait_for_selector(".kb-live .kb-result__id", timeout=10_000)
    page.wait_for_timeout(400)  # debounce, then the last answer


def blocking_violations(page: Any) -> list[dict[str, Any]]:
    results = axe_api.Axe().run(page)
    return [v for v in results.response["violations"] if v["impact"] in BLOCKING]


def describe(label: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"{label}: {sum(len(v['nodes']) for v in violations)} serious/critical"]
    for violation in violations:
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]]
        lines.append(
            f"  {violation['id']} ({violation['impact']}, {len(targets)}): {violation['help']}"
        )
        lines += [f"    {target}" for target in targets[:8]]
        summary = violation["nodes"][0].get("failureSummary", "").splitlines()
        lines += [f"    why: {line.strip()}" for line in summary[1:3]]
    return "\n".join(lines)


def screenshot(page: Any, palette: str, size: str, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"a11y-{palette}-{size}-{name}.png"))


STATIC_PAGES = [name for name in PAGES if name not in ("results", DROPDOWN)]
STATIC_PAGES += ["static-results", "static-search"]


def visit_and_watch(page: Any, base: str, name: str) -> tuple[list[str], list[str]]:
    """The console errors and the requests to anything but `base` while `name` is open."""
    errors: list[str] = []
    outside: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request",
        lambda r: None if r.url.startswith((base, "data:", "blob:")) else outside.append(r.url),
    )
    if name == "static-results":  # the results page with no `kb serve` to ask
        page.goto(base + f"search-results/?query={QUERY}")
        page.wait_for_load_state("networkidle")
    elif name == "static-search":  # Material's search box, its index and worker
        page.goto(base)
        page.click(".md-search__input")
        page.locator(".md-search-result__meta", has_text="打字進行搜尋").wait_for(timeout=30_000)
        page.fill(".md-search__input", QUERY)
        page.press(".md-search__input", "End")
        page.locator(".md-search-result__item").first.wait_for(timeout=10_000)
    else:
        open_page(page, base, name)
    if page.locator(".md-source").count() or page.locator("a.md-content__button").count():
        errors.append("a repository link is shown, but mkdocs.yml sets no repo_url")
    return errors, outside


@pytest.mark.parametrize("palette", PALETTES)
@pytest.mark.parametrize("name", PAGES)
def test_no_serious_accessibility_violation_no_console_error_nothing_outside(
    browser: Any,  # noqa: F811
    live: str,
    name: str,
    palette: str,
) -> None:
    failures = []
    for size, (width, height) in SIZES.items():
        context = browser.new_context(
            locale="zh-TW",
            viewport={"width": width, "height": height},
            color_scheme=PALETTES[palette],
        )
        page = context.new_page()
        errors, outside = visit_and_watch(page, live, name)
        shown = page.get_attribute("body", "data-md-color-scheme")
        assert shown == palette, f"{name}: the page shows palette {shown}, not {palette}"
        violations = blocking_violations(page)
        screenshot(page, palette, size, name)
        context.close()
        label = f"{name}, {palette}, {width}x{height}"
        if violations:
            failures.append(describe(label, violations))
        if errors or outside:
            failures.append(f"{label}: console errors {errors}, requests outside {outside}")
    assert not failures, "\n".join(failures)


def test_the_search_dialog_and_the_tabs_can_be_read(browser: Any, live: str) -> None:  # noqa: F811
    """What axe found on Material's own parts, as a reader meets them: the search dialog has a
    name, a tab that is not the current one is as strong as the current one, links in text
    are underlined."""
    context = browser.new_context(locale="zh-TW", viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(live + PAGES["article"])
    assert page.get_attribute(".md-search[role='dialog']", "aria-label") == "搜尋"
    opacities = page.eval_on_selector_all(
        ".md-tabs__link", "links => links.map(link => getComputedStyle(link).opacity)"
    )
    assert opacities and set(opacities) == {"1"}
    link = page.locator(".md-content .md-typeset p a:not([class])").first
    assert "underline" in link.evaluate("a => getComputedStyle(a).textDecorationLine")
    context.close()


@pytest.mark.parametrize("name", STATIC_PAGES)
def test_static_page_has_no_console_error_and_asks_nothing_outside(
    browser: Any,  # noqa: F811
    site_url: str,  # noqa: F811
    name: str,
) -> None:
    """The same pages from a plain file server (no `kb serve`): its search falls back to
    Material's, which must not fail either. No repository widget: none asks GitHub."""
    context = browser.new_context(locale="zh-TW", viewport={"width": 1366, "height": 768})
    errors, outside = visit_and_watch(context.new_page(), site_url, name)
    context.close()
    assert errors == [] and outside == [], (errors, outside)
