"""The site in headless Chromium with the internet cut off, under `kb serve`'s policy.

Kept apart from test_html_and_policy.py because the browser fixtures (test_browser.py) skip
the whole module when Chromium is missing. Reproduced first: the major-outage plan's diagram
asked unpkg.com for Mermaid (refused by the policy, unreachable offline) and every page asked
api.github.com for the repository's stars.
"""

from __future__ import annotations

import functools
import threading
from datetime import date
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from supportkb.site.build import build_site

from conftest import KnowledgeBaseFactory
from test_browser import _QuietHandler, browser  # noqa: F401  (fixtures, by name)
from test_browser_live_search import search, served  # noqa: F401

PAGES = ["", "kb/vpn/vpn-error-809/", "sops/emergency/major-system-outage/"]
# Material draws a diagram in a closed shadow root; opened for the test only, so that the
# test can see the SVG (an init script: the page's policy does not apply to it)
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attach.call(this, { ...init, mode: "open" });
};
"""


class Watch:
    """Everything the browser complained about, and every request that left the machine."""

    def __init__(self, page: Any) -> None:
        self.console: list[str] = []
        self.failed: list[str] = []
        self.outside: list[str] = []
        page.on("console", self.on_console)
        page.on("pageerror", lambda error: self.console.append(f"pageerror: {error}"))
        page.on("requestfailed", lambda request: self.failed.append(request.url))
        page.route("**/*", self.route)

    def on_console(self, message: Any) -> None:
        text = message.text
        if message.type in ("error", "warning") or "Content Security Policy" in text:
            self.console.append(f"{message.type}: {text}")

    def route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname
        if host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()


@pytest.fixture
def offline_page(browser: Any) -> Any:  # noqa: F811
    context = browser.new_context(locale="zh-TW", viewport={"width": 1280, "height": 900})
    context.add_init_script(OPEN_SHADOW_ROOTS)
    page = context.new_page()
    yield page
    context.close()


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_with_no_policy_violation(
    offline_page: Any,
    served: tuple[str, Path, Any],  # noqa: F811
    path: str,
) -> None:
    url = served[0]
    watch = Watch(offline_page)
    response = offline_page.goto(url + path, wait_until="networkidle")
    assert response is not None and response.status == 200
    assert "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
    if "emergency" in path:
        offline_page.wait_for_selector("div.mermaid svg", timeout=15_000)
        assert offline_page.locator("div.mermaid svg").first.bounding_box()["height"] > 50
    offline_page.wait_for_timeout(300)  # late scripts (palette, search worker)
    failed_here = [u for u in watch.failed if urlsplit(u).hostname == "127.0.0.1"]
    assert failed_here == []
    assert watch.outside == []
    assert watch.console == []


def test_live_search_works_under_the_policy(
    offline_page: Any,
    served: tuple[str, Path, Any],  # noqa: F811
) -> None:
    watch = Watch(offline_page)
    offline_page.goto(served[0], wait_until="networkidle")
    offline_page.wait_for_selector("body.kb-live-search")  # no eval: the policy refuses it
    assert (
        search(offline_page, "印表機 離線")[0] == "KB-0010"
    )  # the search box's results, from /api/search
    assert watch.console == [] and watch.outside == []


def test_script_in_a_document_does_not_run_from_a_static_host(
    offline_page: Any, kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    """A plain web server sends no header: the policy in each page's <meta> still holds."""
    kb.write("docs/index.md", "# Home\n\n<script>window.injected = 1</script>\n")
    kb.article()
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site", strict=False).site_dir
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        watch = Watch(offline_page)
        offline_page.goto(f"http://127.0.0.1:{server.server_port}/", wait_until="networkidle")
        assert offline_page.evaluate("typeof window.injected") == "undefined"
        assert offline_page.evaluate("typeof __md_get") == "function"  # Material's own ran
        refused = [m for m in watch.console if "Content Security Policy" in m and "script" in m]
        assert len(refused) == 1  # (this test site does not set `font: false`: fonts refused too)
        assert watch.outside == []
    finally:
        server.shutdown()
