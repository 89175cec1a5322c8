"""bench/static_search.py in headless Chromium: Material's search on the starter site as an
agent on static hosting types into it, read as ranked document ids (as test_browser.py:
skipped without Chromium unless SUPPORTKB_REQUIRE_BROWSER is set)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import shipped_content
from test_browser import ROOT, browser  # noqa: F401  (fixture)

sys.path.insert(0, str(ROOT / "bench"))

import static_search


@pytest.fixture(scope="module")
def ranker(
    browser: Any,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[static_search.MaterialSearch]:
    os.environ.setdefault("SUPPORTKB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    content = shipped_content(tmp_path_factory.mktemp("kb"))
    rank = static_search.material_ranker(
        content, tmp_path_factory.mktemp("static"), browser=browser
    )
    yield rank
    rank.close()


def test_an_id_typed_finds_its_document_first(ranker: static_search.MaterialSearch) -> None:
    assert ranker("KB0002")[0] == "KB-0002"


def test_a_simplified_query_reaches_the_worker_in_traditional(
    ranker: static_search.MaterialSearch,
) -> None:
    answer = ranker.answer("机房停电")
    assert answer.sent == ("機房停電",)  # search.js converted it on its way to the worker
    assert answer.ranked[0] == "EP-0002"
    assert ranker("機房停電") == list(answer.ranked)


def test_each_page_counts_once_and_other_pages_keep_their_place(
    ranker: static_search.MaterialSearch,
) -> None:
    answer = ranker.answer("停電")
    assert len(answer.pages) == len(set(answer.pages))  # sections grouped under their page
    ids = [page for page in answer.pages if page in ranker.page_ids]
    assert [r for r in answer.ranked if not r.startswith("page:")] == [
        ranker.page_ids[page] for page in ids
    ]
    assert len(answer.ranked) == len(answer.pages)


def test_without_chromium_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(static_search, "CHROMIUM", tmp_path / "no-chromium")
    with pytest.raises(RuntimeError, match="Chromium"):
        static_search.material_ranker(ROOT, tmp_path)
