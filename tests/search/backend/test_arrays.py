"""The index read as arrays (`backend.arrays`): its posting-list cache, and an index with
deleted documents and several segments (what the comparison in test_vector_search needs)."""

from __future__ import annotations

from supportkb.search.backend.engine import Engine
from supportkb.search.backend.searching import EngineSearcher

from conftest import AS_OF
from test_vector_search import _same, engine, searchers  # noqa: F401 (fixtures)


def test_the_index_has_deleted_documents_and_several_segments(
    searchers: tuple[EngineSearcher, EngineSearcher],  # noqa: F811
) -> None:
    reader = searchers[1]._searcher.reader()
    assert reader.doc_count() < reader.doc_count_all()
    assert len(reader.leaf_readers()) > 1


def test_the_postings_cache_stays_within_its_bound(
    engine: Engine,  # noqa: F811
    searchers: tuple[EngineSearcher, EngineSearcher],  # noqa: F811
) -> None:
    _, whoosh = searchers
    small = engine.searcher(cache_bytes=20_000)
    for text in ('"列印佇列"', "VPN 錯誤 809", "印表機 卡紙", '"重新 啟動"~3', "密碼 過期"):
        _same(text, small.search(text, as_of=AS_OF), whoosh.search(text, as_of=AS_OF))
        cache = small._arrays
        assert cache is not None
        largest = max(cache._costs.values(), default=0)
        assert cache._cached <= max(20_000, largest)  # one word may be larger than the bound
        assert cache._cached == sum(cache._costs.values())
