"""`kb search`: a query in, ranked documents with snippets out (also the search service's core).

The answer is a `SearchResponse`; its `as_json()` is the stable, documented object of
`kb search --json` (and of `kb serve`'s API):

    {"query": str, "total": int, "took_ms": float, "suggestion": str | null,
     "results": [{"id", "title", "type", "status", "stale", "owner", "path", "url",
                  "score", "snippet"}],
     "unmatched_words": [str], "closest": [a result, as in "results"]}

When nothing is found, the response says which of the query's words found nothing on their
own (`unmatched_words`) and offers the closest titles (`closest`, from `search.closest`): a
zero-result query is never a dead end. Both are empty when something was found.

`snippet` is HTML: the document's own text, escaped, with the matched words in <mark>.
Archived documents are left out unless asked for (`include_archived`, or a filter that names
them). Whom a search is for is not a request's option: it is the index searched, which holds
only the documents of one audience (`indexing.index`), so no filter can widen it.

A request makes one pass: `run_search` validates it (names from `documents.vocabulary`),
asks the engine once (`EngineSearcher.run`, one `EngineQuery` in, ranked hits out) and makes
the response: snippets (`snippets`), stale flags (`freshness.is_overdue`, the one rule).
Errors are the library's (`supportkb.errors.SearchError`, `QuerySyntaxError`).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import TYPE_CHECKING, Any

from supportkb.documents.vocabulary import Status, id_prefixes, status_names, type_names
from supportkb.errors import QuerySyntaxError, SearchError
from supportkb.search.backend.records import FACETS, EngineHit, EngineQuery
from supportkb.search.closest import close_title_words, query_words
from supportkb.search.snippets import snippet
from supportkb.workspace.freshness import is_overdue

if TYPE_CHECKING:  # the engine (Whoosh) is imported when a search runs, not with the CLI
    from supportkb.search.backend.searching import EngineSearcher

__all__ = ["QuerySyntaxError", "SearchError", "SearchRequest", "SearchResponse", "run_search"]

MAX_QUERY_CHARS = 256
# the names a request may use, from the vocabulary (a type's aliases too: `plan`, `kb`, ...)
TYPE_NAMES = tuple(str(name) for name in type_names())
STATUS_NAMES = tuple(str(name) for name in status_names())
MAX_LIMIT = 100
CLOSEST_TITLES = 3  # titles offered when a query found nothing
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# an id as agents type it: any case, with or without the hyphen (kb0014, KB-0014, sop 2 no)
_TYPED_ID = re.compile(
    r"(?<![A-Za-z0-9-])(" + "|".join(id_prefixes()) + r")-?([0-9]{1,6})(?![A-Za-z0-9])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SearchRequest:
    text: str
    as_of: date
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    limit: int = 10
    offset: int = 0
    include_archived: bool = False
    facets: bool = False


@dataclass(frozen=True)
class SearchResult:
    id: str
    title: str
    type: str
    status: str
    stale: bool
    owner: str
    path: str
    url: str
    score: float
    snippet: str
    review_due: date | None = None


@dataclass(frozen=True)
class SearchResponse:
    query: str
    total: int
    took_ms: float
    suggestion: str | None
    results: tuple[SearchResult, ...]
    notes: tuple[str, ...] = ()  # what was done to the query (cut to length, ...)
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    unmatched_words: tuple[str, ...] = ()  # words that found nothing on their own
    closest: tuple[SearchResult, ...] = ()  # the nearest titles, when nothing was found

    def as_json(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "total": self.total,
            "took_ms": self.took_ms,
            "suggestion": self.suggestion,
            "results": [_result_json(r) for r in self.results],
            "unmatched_words": list(self.unmatched_words),
            "closest": [_result_json(r) for r in self.closest],
        }


def _result_json(r: SearchResult) -> dict[str, Any]:
    return {
        "id": r.id,
        "title": r.title,
        "type": r.type,
        "status": r.status,
        "stale": r.stale,
        "owner": r.owner,
        "path": r.path,
        "url": r.url,
        "score": r.score,
        "snippet": r.snippet,
    }


def clean_query(text: str) -> tuple[str, list[str]]:
    """Control characters out, length bounded: what any input turns into before parsing."""
    notes = []
    cleaned = _CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    if len(cleaned) > MAX_QUERY_CHARS:
        cleaned = cleaned[:MAX_QUERY_CHARS]
        notes.append(f"the query was cut to its first {MAX_QUERY_CHARS} characters")
    return cleaned, notes


def canonical_ids(text: str) -> str:
    """`kb0014` and `KB0014` as the id is written (`KB-0014`), so that it finds its document."""
    return _TYPED_ID.sub(lambda m: f"{m.group(1).upper()}-{m.group(2)}", text)


def run_search(searcher: EngineSearcher, request: SearchRequest) -> SearchResponse:
    """Validate the request, ask the engine once, and make its hits the response."""
    started = time.perf_counter()
    text, notes = clean_query(request.text)
    text = canonical_ids(text)
    _validate(request)
    if not text:
        empty: dict[str, dict[str, int]] = {name: {} for name in FACETS} if request.facets else {}
        return SearchResponse(request.text, 0, _ms(started), None, (), tuple(notes), empty)
    asked = EngineQuery(
        text,
        request.as_of,
        filters=_filters(request),
        exclude=_exclusions(request, text),
        limit=request.limit,
        offset=request.offset,
        facets=request.facets,
    )
    found = searcher.run(asked)  # a QuerySyntaxError is a SearchError: it goes up as it is
    if found.timed_out:
        notes.append("the search took too long and was stopped: results may be incomplete")
    results = tuple(_result(hit, request.as_of) for hit in found.hits)
    nothing = found.total == 0 and not found.timed_out
    return SearchResponse(
        request.text,
        found.total,
        _ms(started),
        found.suggestion,
        results,
        tuple(notes),
        found.facets,
        unmatched_words=_unmatched_words(searcher, asked) if nothing else (),
        closest=_closest_titles(searcher, asked) if nothing else (),
    )


def _unmatched_words(searcher: EngineSearcher, asked: EngineQuery) -> tuple[str, ...]:
    """The query's words that find nothing on their own (with the same filters)."""
    words = query_words(asked.text)
    if len(words) == 1:
        return words  # the query was that word, and it found nothing
    return tuple(word for word in words if _finds_nothing(searcher, replace(asked, text=word)))


def _finds_nothing(searcher: EngineSearcher, asked: EngineQuery) -> bool:
    try:
        return searcher.run(replace(asked, limit=1, offset=0, facets=False)).total == 0
    except QuerySyntaxError:
        return False  # not a word the engine can look for alone: nothing to say about it


def _closest_titles(searcher: EngineSearcher, asked: EngineQuery) -> tuple[SearchResult, ...]:
    """The titles nearest to a query that found nothing, ranked, with the same filters."""
    from supportkb.search.text.analysis import text_analyzer

    normaliser = text_analyzer().normaliser
    typed = " ".join(query_words(asked.text))
    normalised = normaliser.simplified(normaliser.from_simplified_characters(typed))
    words = close_title_words(normalised, searcher.words("title"))
    if not words:
        return ()
    text = "title:(" + " OR ".join(words) + ")"
    relaxed = replace(asked, text=text, limit=CLOSEST_TITLES, offset=0, facets=False)
    try:
        found = searcher.run(relaxed)
    except QuerySyntaxError:
        return ()
    return tuple(_result(hit, asked.as_of) for hit in found.hits)


def _validate(request: SearchRequest) -> None:
    if not 1 <= request.limit <= MAX_LIMIT:
        raise SearchError(f"the limit must be between 1 and {MAX_LIMIT}")
    if request.offset < 0:
        raise SearchError("the offset cannot be negative")
    for name, values, known in (
        ("type", request.types, TYPE_NAMES),
        ("status", request.statuses, STATUS_NAMES),
    ):
        unknown = [v for v in values if v.lower() not in known]
        if unknown:
            raise SearchError(f"unknown {name} {unknown[0]!r}; use one of: {', '.join(known)}")


def _filters(request: SearchRequest) -> dict[str, Sequence[str]]:
    chosen = {
        "type": request.types,
        "tag": request.tags,
        "status": request.statuses,
        "category": request.categories,
    }
    return {name: values for name, values in chosen.items() if values}


def _exclusions(request: SearchRequest, text: str) -> dict[str, Sequence[str]]:
    lowered = text.lower()
    excluded: dict[str, list[str]] = {}
    archived = Status.ARCHIVED.value
    asked_archived = archived in request.statuses or f"status:{archived}" in lowered
    if not (request.include_archived or asked_archived):
        excluded["status"] = [archived]
    return dict(excluded)


def _result(hit: EngineHit, as_of: date) -> SearchResult:
    return SearchResult(
        id=hit.id,
        title=hit.title,
        type=hit.type,
        status=hit.status,
        stale=is_overdue(hit.status, hit.review_due, as_of),
        owner=hit.owner,
        path=hit.path,
        url=hit.url,
        score=hit.score,
        snippet=snippet(hit.body, hit.marked),
        review_due=hit.review_due,
    )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
