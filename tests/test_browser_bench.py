"""bench/browser_search.py's method, in headless Chromium: each keystroke's times belong to
that keystroke's own query, in order (as test_browser.py: skipped without Chromium).

No time is asserted (the figures are the bench's, not a test's): only what is measured.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from test_browser import ARTIFACTS, ROOT, browser  # noqa: F401  (fixtures)
from test_browser_live_search import served  # noqa: F401  (fixture)

sys.path.insert(0, str(ROOT / "bench"))

import browser_search


def test_each_keystroke_is_timed_against_its_own_query(
    browser: Any,  # noqa: F811
    served: tuple[str, Path, Any],  # noqa: F811
) -> None:
    url, _, _ = served
    page = browser_search.open_search(browser, url, None)
    try:
        measured = browser_search.type_query(page, "VPN 錯誤")
        # what was timed is what the agent sees: the results, inside the window
        first = page.locator(".kb-live .kb-result").first
        box = first.bounding_box()
        assert first.is_visible() and box is not None
        assert box["y"] >= 0 and box["y"] + box["height"] <= browser_search.VIEWPORT["height"]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "bench-search-box-1366.png"))
    finally:
        page.context.close()
    keys = [each for each in measured if isinstance(each, browser_search.Keystroke)]
    assert measured == keys  # every key reached painted results
    assert [k.text for k in keys] == ["V", "VP", "VPN", "VPN ", "VPN 錯", "VPN 錯誤"]
    for key in keys:
        # the key, then the request for this very text, its answer, then the box painted
        assert key.key <= key.sent <= key.answered <= key.painted
