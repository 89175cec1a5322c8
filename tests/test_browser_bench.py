"""bench/browser_search.py's method, in headless Chromium: each keystroke's times belong to
that keystroke's own query, in order (as test_browser.py: skipped without Chromium).

No time is asserted (the figures are the bench's, not a test's): only what is measured.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from test_browser import ROOT, browser  # noqa: F401  (fixtures)
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
    finally:
        page.context.close()
    keys = [each for each in measured if isinstance(each, browser_search.Keystroke)]
    assert measured == keys  # every key reached painted results
    assert [k.text for k in keys] == ["V", "VP", "VPN", "VPN ", "VPN 錯", "VPN 錯誤"]
    for key in keys:
        # the key, then the request for this very text, its answer, then the box painted
        assert key.key <= key.sent <= key.answered <= key.painted
