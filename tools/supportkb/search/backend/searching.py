"""An open searcher: one query in (`EngineQuery`), ranked hits out (`EngineResults`).

The flow of a search, in one pass: parse the text (`parsing`), restrict to the filters, ask
first for the documents with every word and, when too few have them, for any word (both
expanded with synonyms and sub-words), score with BM25F times the ranking factors
(`ranking.rules`) over arrays (`arrays`, `ranking.vector_search`), take the page (each hit
with its text and the index words to mark in it, for `search.query`'s snippet), count the
facets and, when little was found, suggest a correction (`suggestions`). `vectorised=False`
runs Whoosh's own matching and scoring instead (`collecting`), for comparison.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
from whoosh import query

from supportkb.errors import QuerySyntaxError
from supportkb.search.backend.arrays import CACHE_BYTES, IndexArrays, PlainQuery
from supportkb.search.backend.collecting import RankedBM25F, WhooshRun, facet_counts
from supportkb.search.backend.fields import UNDATED
from supportkb.search.backend.parsing import (
    any_of,
    every_word,
    expand,
    marked_words,
    none_of,
    parse,
    query_parser,
)
from supportkb.search.backend.records import FACETS, EngineHit, EngineQuery, EngineResults
from supportkb.search.backend.suggestions import suggestion
from supportkb.search.ranking import vector_search as vs
from supportkb.search.ranking.rules import RankingRules, bm25

EVERY_WORD_ENOUGH = 10  # documents with every word needed to show only those (whatever the page)
_METADATA = ("id", "title", "type", "status", "owner", "visibility", "version", "url", "path")


class EngineSearcher:
    """An open searcher: keep it for many queries (opening costs more than a query)."""

    def __init__(
        self,
        handle: Any,
        rules: RankingRules,
        vectorised: bool = True,
        cache_bytes: int = CACHE_BYTES,
    ) -> None:
        self._index = handle
        self._rules = rules
        self._searcher = handle.searcher()
        self._parser = query_parser(handle.schema)
        self._arrays = IndexArrays(self._searcher, cache_bytes) if vectorised else None

    def close(self) -> None:
        self._searcher.close()

    def search(
        self,
        text: str,
        *,
        as_of: date,
        filters: Mapping[str, Sequence[str]] | None = None,
        exclude: Mapping[str, Sequence[str]] | None = None,
        limit: int = 10,
        offset: int = 0,
        facets: bool = False,
        time_limit: float = 1.5,
    ) -> EngineResults:
        """`run` with the query's parts as arguments."""
        asked = EngineQuery(text, as_of, filters, exclude, limit, offset, facets, time_limit)
        return self.run(asked)

    def run(self, asked: EngineQuery) -> EngineResults:
        """The ranked hits of one query (raises `QuerySyntaxError` for one it cannot read)."""
        try:
            return self._search(asked)
        except QuerySyntaxError:
            raise
        except (IndexError, KeyError, ValueError, TypeError, AttributeError) as exc:
            # a query Whoosh parsed but cannot run (`NOT NOT vpn`): a message, not a traceback
            raise QuerySyntaxError(f"cannot run the query ({type(exc).__name__})") from None

    def _search(self, asked: EngineQuery) -> EngineResults:
        parsed = parse(self._parser, asked.text)
        if self._searcher.doc_count_all() == 0:  # an audience with no document (yet)
            empty: dict[str, dict[str, int]] = {name: {} for name in FACETS} if asked.facets else {}
            return EngineResults(0, (), None, False, empty)
        self._searcher.weighting = RankedBM25F(self._rules, asked.as_of)
        if self._arrays is not None:
            return self._search_arrays(asked, parsed)
        return self._search_whoosh(asked, parsed)

    def _search_whoosh(self, asked: EngineQuery, parsed: Any) -> EngineResults:
        """Whoosh's own matching and scoring, through its collectors."""
        reader = self._searcher.reader()
        offset, limit = asked.offset, asked.limit
        run = WhooshRun(self._searcher, asked)
        strict = every_word(parsed)
        chosen = expand(strict, reader) if strict is not None else None
        results, total = run(chosen) if chosen is not None else (None, 0)
        if results is None or (total < EVERY_WORD_ENOUGH and not run.timed_out):
            chosen = expand(parsed, reader)  # too few documents have every word: any will do
            results, total = run(chosen)
        words = marked_words(chosen)
        hits = tuple(
            _hit(hit.fields(), hit.score, words) for hit in results[offset : offset + limit]
        )
        offered = suggestion(self._searcher, parsed, asked.text, total)
        counts = {name: dict(results.groups(name)) for name in FACETS} if asked.facets else {}
        return EngineResults(total, hits, offered, run.timed_out, facet_counts(counts))

    def _search_arrays(self, asked: EngineQuery, parsed: Any) -> EngineResults:
        """The same search over whole posting lists with numpy (`vector_search`)."""
        arrays = self._arrays
        assert arrays is not None
        evaluate = vs.Evaluator(arrays, bm25(), time.perf_counter() + asked.time_limit)
        plain = PlainQuery(self._searcher, arrays, evaluate)
        allowed = arrays.live.copy()
        if (wanted := any_of(asked.filters)) is not None:
            allowed &= evaluate(plain(wanted)).found
        if (unwanted := none_of(asked.exclude)) is not None:
            allowed &= ~evaluate(plain(unwanted)).found
        reader = self._searcher.reader()
        chosen = every_word(parsed)
        found, total, matches = allowed, 0, None
        if chosen is not None:
            chosen = expand(chosen, reader, arrays.lexicon)
            matches = evaluate(plain(chosen))
            found = matches.found & allowed
            total = int(found.sum())
        if matches is None or (total < EVERY_WORD_ENOUGH and not evaluate.timed_out):
            chosen = expand(parsed, reader, arrays.lexicon)  # too few have every word: any will do
            matches = evaluate(plain(chosen))
            found = matches.found & allowed
            total = int(found.sum())
        scores = matches.scores * arrays.factors(self._rules, asked.as_of)
        if isinstance(chosen, query.Every):  # `*` or `field:*` alone: a list, nothing to rank
            scores = np.zeros(arrays.size)
        best = vs.ranked(scores, found, asked.offset + asked.limit)[asked.offset :]
        words = marked_words(chosen)
        stored = self._searcher.stored_fields
        hits = tuple(_hit(stored(int(n)), float(scores[n]), words) for n in best)
        counts = {name: arrays.facet_counts(name, found) for name in FACETS} if asked.facets else {}
        offered = suggestion(self._searcher, parsed, asked.text, total)
        return EngineResults(total, hits, offered, evaluate.timed_out, counts)

    def words(self, fieldname: str) -> list[str]:
        """The words of one field as the index holds them (its lexicon): a zero-result
        query's closest titles are looked for among the title's words (`search.closest`)."""
        words = self._searcher.reader().lexicon(fieldname)
        return [w.decode("utf-8") if isinstance(w, bytes) else str(w) for w in words]

    def stored(self, doc_id: str) -> dict[str, Any] | None:
        """A document's metadata by id (not its text), or None."""
        fields = self._searcher.document(id=doc_id.lower())
        if fields is None:
            return None
        result = {name: fields.get(name, "") for name in _METADATA}
        for name in ("last_reviewed", "review_due"):
            value = fields.get(name) or UNDATED
            result[name] = date.fromordinal(value) if value != UNDATED else None
        return result


def _hit(fields: Mapping[str, Any], score: float | None, words: set[str]) -> EngineHit:
    due = fields.get("review_due") or UNDATED
    return EngineHit(
        path=fields["path"],
        id=fields.get("id", ""),
        title=fields.get("title", ""),
        type=fields.get("type", ""),
        status=fields.get("status", ""),
        owner=fields.get("owner", ""),
        url=fields.get("url", ""),
        review_due=date.fromordinal(due) if due != UNDATED else None,
        score=round(float(score or 0.0), 4),
        body=fields.get("body", ""),
        marked=frozenset(words),
    )
