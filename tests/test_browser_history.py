"""A superseded version of a policy in a real browser: its banner ("已被取代，非現行版本") is
on the first screen, readable (axe-core's colour contrast) in both palettes, on a desktop and
a phone, and links the version in force; the history page and the footer's build stamp too.
Screenshots go to ARTIFACTS (`history-<palette>-<size>-<page>.png`)."""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from datetime import date
from http.server import ThreadingHTTPServer
from typing import Any

import pytest

from git_repo import BOB, DatedRepo, policy
from supportkb.site.build import build_site

from conftest import KnowledgeBaseFactory
from test_browser import ARTIFACTS, _QuietHandler, browser  # noqa: F401  (fixtures)

axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

PATH = "docs/policies/data-retention.md"
PALETTES = {"default": "light", "slate": "dark"}
SIZES = {"desktop": (1366, 768), "phone": (390, 844)}
THEME = """\
  name: material
  language: zh-TW
  palette:
    - media: "(prefers-color-scheme: light)"
      scheme: default
      primary: indigo
    - media: "(prefers-color-scheme: dark)"
      scheme: slate
      primary: indigo
"""
PAGES = {"superseded": "history/POL-0001/1.0/", "history": "history/POL-0001/"}


@pytest.fixture(scope="module")
def history_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    os.environ.setdefault("SUPPORTKB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    root = tmp_path_factory.mktemp("kb")
    kb = KnowledgeBaseFactory(root)
    kb.write("docs/index.md", "# 首頁\n")
    config = (root / "mkdocs.yml").read_text(encoding="utf-8")
    (root / "mkdocs.yml").write_text(config.replace("  name: material\n", THEME), "utf-8")
    repo = DatedRepo(root)
    repo.write(PATH, policy("1.0", effective="2026-01-01", body="資料保存期限為三年。"))
    repo.commit("1.0", on="2025-12-20")
    rows = (("1.0", "2025-12-20", "初版", "bob"),)
    repo.write(PATH, policy("1.1", effective="2026-04-01", body="資料保存期限為五年。", rows=rows))
    repo.commit("1.1", on="2026-03-01", author=BOB)
    site = build_site(root, date(2026, 11, 24), tmp_path_factory.mktemp("out") / "site").site_dir
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def _contrast(page: Any) -> list[dict[str, Any]]:
    results = axe_api.Axe().run(
        page, options={"runOnly": ["color-contrast"], "resultTypes": ["violations"]}
    )
    return list(results.response["violations"])


@pytest.mark.parametrize("palette", PALETTES)
@pytest.mark.parametrize("size", SIZES)
def test_the_superseded_banner_is_on_the_first_screen_and_readable(
    browser: Any,  # noqa: F811
    history_site: str,
    palette: str,
    size: str,
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(
        locale="zh-TW", viewport={"width": width, "height": height}, color_scheme=PALETTES[palette]
    )
    page = context.new_page()
    failures = []
    for name, url in PAGES.items():
        page.goto(history_site + url)
        page.wait_for_load_state("networkidle")
        assert page.get_attribute("body", "data-md-color-scheme") == palette
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"history-{palette}-{size}-{name}.png"))
        violations = _contrast(page)
        if violations:
            targets = [n["target"] for v in violations for n in v["nodes"]]
            failures.append(f"{name}, {palette}, {size}: contrast too low on {targets}")
        if name == "superseded":
            banner = page.locator(".kb-superseded")
            assert banner.is_visible()
            box = banner.bounding_box()
            assert box is not None and box["y"] + box["height"] <= height, box
            assert "已被取代，非現行版本" in banner.inner_text()
            in_force = banner.locator("a", has_text="POL-0001")
            assert in_force.get_attribute("href") == "../../../policies/data-retention/"
            assert page.locator("a.md-content__button").count() == 0  # no edit link
            assert page.locator("table.kb-diff ins").first.is_visible()
        else:
            assert page.locator(".kb-history__in-force").is_visible()
        assert page.locator(".kb-build-stamp").inner_text().endswith("建置日 2026-11-24")
    context.close()
    assert not failures, "\n".join(failures)
