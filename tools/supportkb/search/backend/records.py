"""What goes into the engine's search and what comes out: plain records, no Whoosh.

`search.query` builds one `EngineQuery` from a request and gets one `EngineResults` back: the
ranked hits (with their text and the words to mark in it), the total, the suggestion and the
facet counts; it makes the response (snippets, stale flags) from them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

FACETS = ("type", "category", "status")


@dataclass(frozen=True)
class EngineQuery:
    """One search as asked of `EngineSearcher.search`: the text (already cleaned), the
    filters (field -> accepted values) and exclusions (field -> refused values)."""

    text: str
    as_of: date
    filters: Mapping[str, Sequence[str]] | None = None
    exclude: Mapping[str, Sequence[str]] | None = None
    limit: int = 10
    offset: int = 0
    facets: bool = False
    time_limit: float = 1.5


@dataclass(frozen=True, slots=True)
class EngineHit:
    path: str
    id: str
    title: str
    type: str
    status: str
    owner: str
    url: str
    review_due: date | None
    score: float
    body: str  # the document's text, for the snippet `search.query` makes of it
    marked: frozenset[str]  # the query's words as the index holds them: the snippet marks them


@dataclass(frozen=True, slots=True)
class EngineResults:
    total: int
    hits: tuple[EngineHit, ...]
    suggestion: str | None
    timed_out: bool = False
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
