"""The live preview of `kb serve --watch` in headless Chromium (as test_browser.py): the open
page shows a saved change without being reloaded by hand."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from conftest import TROUBLESHOOTING_BODY, KnowledgeBaseFactory
from test_browser import (  # noqa: F401  (fixtures)
    ARTIFACTS,
    browser,
    page,
    playwright_api,
)

DOCUMENT = "kb/vpn/error-809.md"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _write(kb: KnowledgeBaseFactory, title: str, symptom: str) -> None:
    body = TROUBLESHOOTING_BODY.replace("# VPN 錯誤 809", f"# {title}").replace(
        "連線逾時。", symptom + "\n\n" + "\n\n".join(f"第 {n} 段說明。" for n in range(60))
    )
    kb.article(DOCUMENT, body, id="KB-0001", title=title)


@pytest.fixture
def watched(kb: KnowledgeBaseFactory) -> Iterator[tuple[str, KnowledgeBaseFactory]]:
    _write(kb, "VPN 錯誤 809", "連線逾時。")
    kb.write("docs/index.md", "# 首頁\n")
    port = _free_port()
    command = [sys.executable, "-m", "supportkb", "-C", str(kb.root), "serve", "--watch"]
    server = subprocess.Popen(
        [*command, "--workers", "1", "--port", str(port), "--as-of", "2026-11-24"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/"
    for _ in range(1200):  # it builds the index and the site before it listens
        try:
            with urllib.request.urlopen(url + "api/health", timeout=1) as answer:
                if answer.status == 200:
                    break
        except OSError as error:
            if server.poll() is not None:
                output = server.stderr.read().decode() if server.stderr else "exited"
                raise RuntimeError(output) from error
            time.sleep(0.1)
    yield url, kb
    server.terminate()
    server.wait(timeout=30)


def test_the_open_page_shows_the_saved_change_at_the_same_place(
    page: Any,  # noqa: F811 (the fixture, by name)
    watched: tuple[str, KnowledgeBaseFactory],
) -> None:
    url, kb = watched
    refused: list[str] = []  # scripts or connections (the test's mkdocs.yml keeps web fonts)
    page.on(
        "console",
        lambda m: (
            refused.append(m.text)
            if "Content Security" in m.text and ("script" in m.text or "connect" in m.text)
            else None
        ),
    )
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(url + "kb/vpn/error-809/")
    page.wait_for_selector("body.kb-live-preview")  # listening to /api/live (no eval: CSP)
    page.mouse.wheel(0, 900)
    page.wait_for_timeout(300)
    scrolled = page.evaluate("window.scrollY")
    assert scrolled > 0

    _write(kb, "VPN 錯誤 809 已改名", "連線逾時，改寫後的症狀。")
    page.wait_for_selector("text=連線逾時，改寫後的症狀。", timeout=120_000)
    page.wait_for_selector("h1:has-text('VPN 錯誤 809 已改名')")
    page.wait_for_selector("body.kb-live-preview")
    assert abs(page.evaluate("window.scrollY") - scrolled) < 50  # where the reader was
    assert refused == []  # live.js and its event stream need nothing the policy refuses
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "live-preview-after-reload.png"))


def test_a_static_copy_of_the_page_does_not_listen(
    page: Any,  # noqa: F811 (the fixture, by name)
    watched: tuple[str, KnowledgeBaseFactory],
) -> None:
    """The same site on a static server: live.js asks api/health (the static file) and
    opens no event stream."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    _, kb = watched
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(kb.root / "site"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    try:
        page.goto(f"http://127.0.0.1:{server.server_port}/kb/vpn/error-809/")
        page.wait_for_load_state("networkidle")
    finally:
        server.shutdown()
    assert any(u.endswith("/api/health") for u in asked)
    assert not any("/api/live" in u for u in asked)
    assert page.query_selector("body.kb-live-preview") is None
