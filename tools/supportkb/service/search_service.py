"""The search service behind `kb serve`: the index, a searcher kept open, analytics.

Plain Python, nothing of the web framework (that is `supportkb.service.app`). One `SearchService`
per worker process: it keeps a searcher open and, before each query, looks at the index's
`CURRENT` pointer; when `kb index` has swapped in a new generation, the next query opens it
(the previous generation stays on disk, so a query already running finishes on it). Whoosh
searchers are not safe to share between threads, so queries in one process take turns; the
service runs one process per core.

A service answers for one audience (the one its site was built for): it opens that audience's
index, which holds only the documents the audience may see, so that results, totals, facets,
suggestions, documents, related lists and the ids analytics accept all come from them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from supportkb.reporting.search_log import SearchLog
from supportkb.search.backend.engine import Engine
from supportkb.search.backend.searching import EngineSearcher
from supportkb.search.indexing.index import (
    CURRENT,
    VISIBLE,
    audience_folder,
    open_engine,
    read_related,
)
from supportkb.search.query import SearchRequest, SearchResponse, run_search
from supportkb.workspace.freshness import is_overdue


@dataclass
class _Open:
    pointer: str
    engine: Engine
    searcher: EngineSearcher
    related: dict[str, list[dict[str, Any]]]


class SearchService:
    def __init__(
        self,
        index_folder: Path,
        audience: str,
        log: SearchLog | None = None,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.index_folder = index_folder
        self.audience = audience  # whom the site is for: only its documents are ever answered
        self._pointer_file = audience_folder(index_folder, audience) / CURRENT
        self.log = log
        self.today = today
        self._lock = threading.Lock()
        self._open: _Open | None = None
        self._previous: _Open | None = None  # kept alive while queries may still use it

    def _current(self) -> _Open:
        """The open searcher on the live generation (reopened after a swap)."""
        try:
            pointer = self._pointer_file.read_text(encoding="utf-8").strip()
        except OSError:
            pointer = ""
        if self._open is None or self._open.pointer != pointer:
            engine = open_engine(self.index_folder, self.audience)
            related = read_related(self.index_folder, self.audience)
            opened = _Open(pointer, engine, engine.searcher(), related)
            self._previous, self._open = self._open, opened
        return self._open

    def search(self, request: SearchRequest, record: bool = True) -> SearchResponse:
        with self._lock:
            response = run_search(self._current().searcher, request)
        if record and self.log is not None and request.offset == 0:
            self.log.record_search(request.text, response.total)
        return response

    def document(self, doc_id: str, as_of: date | None = None) -> dict[str, Any] | None:
        """A document's metadata (and its related documents), or None."""
        with self._lock:
            opened = self._current()
            fields = opened.searcher.stored(doc_id)
        if fields is None or fields["visibility"] not in VISIBLE[self.audience]:
            return None  # the index holds only the audience's documents: checked all the same
        stale = is_overdue(
            str(fields.get("status", "")), fields.get("review_due"), as_of or self.today()
        )
        return {**fields, "stale": stale, "related": opened.related.get(fields["id"], [])}

    def health(self) -> dict[str, Any]:
        with self._lock:
            opened = self._current()
            return {
                "status": "ok",
                "documents": opened.engine.doc_count(),
                "generation": opened.pointer.split()[0].rpartition("/")[2],
                "worker": os.getpid(),
            }

    def visible_id(self, doc_id: str) -> str | None:
        """The id as the document writes it (`kb-0012` -> `KB-0012`) when it is a document this
        service's audience may see, else None: analytics and feedback record only those, under
        the id `kb report` finds them by."""
        found = self.document(doc_id)
        return None if found is None else str(found["id"])

    def record_opened(self, query: str, doc_id: str) -> None:
        if self.log is not None:
            self.log.record_opened(query, doc_id)
