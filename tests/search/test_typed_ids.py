"""An id finds its document first however an agent types it: KB-0014, kb-0014, KB0014, kb0014,
or its number alone, 0014."""

from __future__ import annotations

import pytest

from supportkb.search.indexing.index import build_index, open_engine
from supportkb.search.query import SearchRequest, canonical_ids, run_search

from conftest import AS_OF, KnowledgeBaseFactory, article_front


@pytest.mark.parametrize(
    "typed", ["KB-0014", "kb-0014", "KB0014", "kb0014", "Kb0014", "0014", "0014 卡紙"]
)
def test_an_id_typed_any_way_lists_its_document_first(kb: KnowledgeBaseFactory, typed: str) -> None:
    kb.document(
        "kb/printing/jam.md",
        article_front(id="KB-0014", title="印表機卡紙", last_reviewed="2026-06-01"),
        "## 症狀\n卡紙。\n## 解決方法\n打開前蓋。\n",
    )
    kb.document(  # a document that cites the id in its text: the document itself comes first
        "kb/printing/toner.md",
        article_front(id="KB-0015", title="碳粉不足", last_reviewed="2026-06-01"),
        "## 症狀\n碳粉。參見 KB-0014 與 KB0014。\n## 解決方法\n更換碳粉。\n",
    )
    build_index(kb.root, kb.root / ".kb-index")
    searcher = open_engine(kb.root / ".kb-index", "internal").searcher()
    response = run_search(searcher, SearchRequest(typed, AS_OF))
    assert [r.id for r in response.results][:1] == ["KB-0014"]


def test_only_ids_are_rewritten() -> None:
    assert canonical_ids("sop0002 升級 與 ep-7") == "SOP-0002 升級 與 EP-7"
    assert canonical_ids("id:kb0014") == "id:KB-0014"
    for untouched in ("KB-0014", "abkb0014", "kb0014x", "keyboard", "pol", "EPSON"):
        assert canonical_ids(untouched) == untouched
