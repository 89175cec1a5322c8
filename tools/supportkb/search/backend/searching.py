"""An open searcher: one query in (`EngineQuery`), ranked hits out (`EngineResults`).

The flow of a search, in one pass: parse the text (`parsing`), restrict to the filters, then
match and score over arrays (`arrays`, `ranking.vector_search`):

- a plain list of words, as agents type it (`印表機 一直 離線 怎麼辦`), is graded
  (`vector_search.Graded`): each word with its synonyms and sub-words is one clause; a
  document needs enough of the clauses (`Relevance.minimum`), never all, and its BM25F score
  grows with the share of the query it has (coordination); weak words (問題, 一直) weigh
  little; then a document whose title has more of the query ranks higher, and among the best
  `Relevance.reranked`, one with the words close together and in the query's order
  (`ranking.proximity`);
- a query written with structure (`"phrase"`, `AND`, groups, wildcards) is matched as written;

then the ranking factors (`ranking.rules`), the page (each hit with its text and the index
words to mark in it, for `search.query`'s snippet), the facets and, when little was found, a
suggestion (`suggestions`). `vectorised=False` has Whoosh's own matchers match and score what
is written with structure, the filters and the title clauses instead of the arrays: the
reference the arrays are tested against. A graded word (`vector_search.Across`, BM25F across
the fields) has no Whoosh equivalent and is scored over the arrays either way; its tests are
in tests/search/ranking/.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from whoosh import query

from supportkb.errors import QuerySyntaxError
from supportkb.search.backend.arrays import CACHE_BYTES, IndexArrays, PlainQuery
from supportkb.search.backend.fields import UNDATED
from supportkb.search.backend.parsing import (
    FIELD_WEIGHTS,
    WordList,
    alternatives,
    any_of,
    expand,
    marked_words,
    none_of,
    parse,
    query_parser,
    union,
    word_list,
)
from supportkb.search.backend.records import FACETS, EngineHit, EngineQuery, EngineResults
from supportkb.search.backend.scoring import RankedBM25F
from supportkb.search.backend.suggestions import suggestion
from supportkb.search.ranking import vector_search as vs
from supportkb.search.ranking.proximity import proximity
from supportkb.search.ranking.rules import RankingRules, Relevance, bm25
from supportkb.search.text.weak_words import weak_words

_ID_NUMBER = re.compile(r"[0-9]{2,6}")
_METADATA = ("id", "title", "type", "status", "owner", "visibility", "version", "url", "path")


@dataclass(frozen=True)
class _Graded:
    """A word list made ready to evaluate: the graded node, each clause's title-only node,
    the words in the query's order and the index words to mark."""

    node: vs.Graded
    titles: tuple[vs.Node, ...]
    order: tuple[str, ...]
    marked: frozenset[str]


class EngineSearcher:
    """An open searcher: keep it for many queries (opening costs more than a query)."""

    def __init__(
        self,
        handle: Any,
        rules: RankingRules,
        vectorised: bool = True,
        cache_bytes: int = CACHE_BYTES,
        relevance: Relevance | None = None,
    ) -> None:
        self._index = handle
        self._rules = rules
        self._relevance = relevance or Relevance()
        self._vectorised = vectorised
        self._searcher = handle.searcher()
        self._parser = query_parser(handle.schema)
        self._arrays = IndexArrays(self._searcher, cache_bytes)

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
        arrays = self._arrays
        evaluate = vs.Evaluator(arrays, bm25(), time.perf_counter() + asked.time_limit)
        plain = PlainQuery(self._searcher, arrays, evaluate, whoosh=not self._vectorised)
        allowed = arrays.live.copy()
        if (wanted := any_of(asked.filters)) is not None:
            allowed &= evaluate(plain(wanted)).found
        if (unwanted := none_of(asked.exclude)) is not None:
            allowed &= ~evaluate(plain(unwanted)).found
        words = word_list(parsed, asked.text)
        if words is None:  # written with structure: matched as written
            chosen = expand(parsed, self._searcher.reader(), arrays.lexicon)
            matches = evaluate(plain(chosen))
            found = matches.found & allowed
            scores = matches.scores * arrays.factors(self._rules, asked.as_of)
            if isinstance(chosen, query.Every):  # `*` or `field:*` alone: a list, not ranked
                scores = np.zeros(arrays.size)
            marked = frozenset(marked_words(chosen))
        else:
            for required in words.filters:
                allowed &= evaluate(plain(required)).found
            graded = self._graded(words, plain, asked.text)
            matches, counted = evaluate.graded(graded.node, allowed)
            found = matches.found & allowed
            scores = matches.scores * arrays.factors(self._rules, asked.as_of)
            scores = self._reranked(scores, found, graded, counted, evaluate)
            marked = graded.marked
        total = int(found.sum())
        best = vs.ranked(scores, found, asked.offset + asked.limit)[asked.offset :]
        stored = self._searcher.stored_fields
        hits = tuple(_hit(stored(int(n)), float(scores[n]), marked) for n in best)
        counts = {name: arrays.facet_counts(name, found) for name in FACETS} if asked.facets else {}
        offered = suggestion(self._searcher, parsed, asked.text, total)
        return EngineResults(total, hits, offered, evaluate.timed_out, counts)

    def _graded(self, words: WordList, plain: PlainQuery, asked_text: str) -> _Graded:
        """Each word of the list as a clause (its synonyms and sub-words, every text field),
        weighted (weak words less), with the minimum a document must match."""
        reader, lexicon = self._searcher.reader(), self._arrays.lexicon
        relevance, weak = self._relevance, weak_words()
        clauses, titles, weights, marked = [], [], [], set()
        for text, terms in words.words:
            clauses.append(_across(text, terms, reader))
            marked |= marked_words(expand(union(list(terms)), reader, lexicon))
            in_title = [term for term in terms if term.fieldname == "title"]
            title = expand(union(in_title), reader, lexicon) if in_title else query.NullQuery
            titles.append(plain(title))
            weights.append(relevance.weak if text in weak else 1.0)
        exact = tuple(plain(term) for term in words.exact)
        typed = asked_text.strip()
        if _ID_NUMBER.fullmatch(typed):  # 0014 alone: that document first, not 2019 in a list
            exact += (vs.Word("number", typed, FIELD_WEIGHTS["id"]),)
        node = vs.Graded(
            tuple(clauses),
            tuple(weights),
            relevance.minimum,
            relevance.coordination,
            exact,
            relevance.few,
        )
        order = tuple(text for text, _ in words.words)
        return _Graded(node, tuple(titles), order, frozenset(marked))

    def _reranked(
        self,
        scores: vs.Floats,
        found: vs.Flags,
        graded: _Graded,
        counted: tuple[float, ...],
        evaluate: vs.Evaluator,
    ) -> vs.Floats:
        """A document whose title has more of the query ranks higher; among the best, one
        with the words close together and in the query's order (`ranking.proximity`)."""
        relevance = self._relevance
        share = np.zeros(len(scores))
        for title, weight in zip(graded.titles, counted, strict=True):
            share += weight * evaluate(title).found
        scores = scores * (1.0 + relevance.title * share / (sum(counted) or 1.0))
        if sum(1 for weight in counted if weight) < 2 or evaluate.late():
            return scores
        best = vs.ranked(scores, found, relevance.reranked)
        window, late = relevance.window, evaluate.late
        # the words the index has, in the query's order (a typo between two does not part them)
        order = tuple(w for w, weight in zip(graded.order, counted, strict=True) if weight)
        near_title = proximity(self._arrays, "title", order, best, window, late)
        near_body = proximity(self._arrays, "body", order, best, window, late)
        scores = scores.copy()
        scores[best] *= 1.0 + relevance.near_title * near_title + relevance.near_body * near_body
        return scores

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


def _across(text: str, terms: Sequence[Any], reader: Any) -> vs.Node:
    """One word of a list as a clause: the word across the text fields (BM25F), or any of
    its `alternatives` (synonyms, sub-words), each across the fields too."""
    fields = tuple((term.fieldname, float(term.boost)) for term in terms)
    options: list[vs.Node] = [vs.Across(text, fields)]
    for other in alternatives("body", text, reader):
        if other.phrase:
            options.append(
                vs.AnyOf(
                    tuple(vs.Phrase(name, other.words, 1, weight) for name, weight in fields),
                    other.boost,
                )
            )
        elif other.together:
            pieces = tuple(vs.Across(part, fields) for part in other.words)
            options.append(vs.AllOf(pieces, other.boost))
        else:
            options.append(vs.Across(other.words[0], fields, other.boost))
    return options[0] if len(options) == 1 else vs.AnyOf(tuple(options))


def _hit(fields: Mapping[str, Any], score: float | None, words: frozenset[str]) -> EngineHit:
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
