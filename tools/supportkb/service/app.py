"""`kb serve`'s web layer: FastAPI routes over `SearchService`, the built site as static files.

    GET  /api/search?q=…&type=…&tag=…&status=…&category=…&limit=…&page=…
    GET  /api/documents/{id}
    GET  /api/health
    POST /api/opened          {"query": …, "id": …}   (which result was opened, for analytics)
    POST /api/feedback        {"id": …, "kind": …, "comment": …, "query": …}   (a reader's word)
    GET  /api/popular?limit=… the most opened documents of the last 30 days
    GET  /api/openapi.json    the OpenAPI description
    GET  /api/live            under `kb serve --watch` only: server-sent events, one per rebuild
    GET  /…                   the site built by `kb build`

The service answers for one audience, the one its site was built for (`ServeSettings.audience`,
from the site's marker): every route reads only that audience's index.

The routes only parse, call the service and shape the answer. The library's errors are
translated in one place, `_library_error` (a query that cannot be run: 400 with its one-line
message; any other `FatalError`, such as a missing index: 503); anything else is a bug, a
JSON 500 without details. The filters `?type=` and `?status=` accept the vocabulary's names
and aliases (`supportkb.documents.vocabulary`: `?type=plan`), and a result's model is built
from the search layer's `SearchResult` (`_model_of`), so neither can drift from the library.

Limits: the query is at most 1,000 characters (the engine reads the first 256), at most 50
results a page, 100 pages; each query has a time limit in the engine. Every answer carries
security headers; CORS is off unless origins are configured. The access log has the method,
the path without its query string, the status and the time taken: no address, no search text.

Hostile clients (the connection side is `supportkb.service.workers`):
- expensive queries (wildcards, prefixes, ranges, long phrases, long queries: `expensive_query`)
  run `expensive_queries` at a time per worker; beyond that they are answered 429 with
  Retry-After at once, never queued, so normal queries keep their time;
- `/api/opened` and `/api/feedback` record only documents this service shows (else 404, the
  same answer as for an id that does not exist), at most `analytics_per_second` events a
  second per worker each (else 429), and refuse any malformed body with 422 (wrong types,
  unknown fields, over-long text, lone surrogates, not UTF-8) without echoing it, and bodies
  over 16 KB with 413; recorded searches have the same kind of limit (beyond it they are
  answered, not recorded). Feedback goes to its own file beside the search log
  (`supportkb.reporting.feedback`); without analytics it is not recorded (503);
- an unexpected error is a JSON 500 without details; its traceback goes to the log once a
  minute at most (`supportkb.service.workers.OncePerInterval`).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import re
import threading
import time
import typing
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import FastAPI, Header, HTTPException, Query, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator
from pydantic.config import JsonDict
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supportkb import __version__
from supportkb.documents.vocabulary import (
    DocType,
    Status,
    parse_status,
    parse_type,
    status_names,
    type_names,
)
from supportkb.errors import FatalError, SearchError
from supportkb.reporting.feedback import MAX_COMMENT, FeedbackKind, FeedbackStore, feedback_path
from supportkb.reporting.search_log import SearchLog, since_days
from supportkb.search.query import SearchRequest, SearchResult, clean_query
from supportkb.service.internals import UNREADABLE_BODY
from supportkb.service.live_reload import LIVE_PATH, live_events
from supportkb.service.search_service import SearchService
from supportkb.service.site_files import SiteFiles
from supportkb.service.workers import OncePerInterval
from supportkb.site.content_policy import SitePolicy, policy
from supportkb.workspace.freshness import HELD

SETTINGS_VARIABLE = "SUPPORTKB_SERVE_SETTINGS"
MAX_QUERY = 1000
MAX_PAGE_SIZE = 50
MAX_PAGE = 100
MAX_BODY = 16_384  # bytes of a request body (the API's bodies are a few hundred)
POPULAR_DAYS = 30  # how far back "most opened" looks
MAX_POPULAR = 20
RETRY_AFTER = "1"  # seconds, for 429s
_log = logging.getLogger("supportkb.access")
_errors_log = logging.getLogger("supportkb.error")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    # everything from this server, scripts from its files only: with a site, the header
    # also allows the theme's inline scripts by their hashes (`content_policy.SitePolicy`)
    "Content-Security-Policy": policy(set()),
}


class SitePolicyHeader:
    """ASGI middleware that sends the served site's policy (with its inline scripts' hashes)."""

    def __init__(self, app: ASGIApp, site_policy: SitePolicy) -> None:
        self.app = app
        self.site_policy = site_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = self.site_policy.text()
            await send(message)

        await self.app(scope, receive, send_with_policy)


@dataclass(frozen=True)
class ServeSettings:
    """What a worker process needs (passed to workers as JSON in an environment variable)."""

    index_folder: str
    site_folder: str | None = None
    analytics: str | None = None
    cors_origins: tuple[str, ...] = ()
    audience: str = "public"  # the site's (from its marker); the narrowest unless told
    as_of: str | None = None  # judge freshness as of this date (tests); default today
    expensive_queries: int = 1  # wildcard, phrase or long queries running at once, per worker
    analytics_per_second: float = 5.0  # events recorded per worker (bursts of 20 times that)
    analytics_days: int = 90  # the analytics' retention period
    live_file: str | None = None  # `kb serve --watch`: the rebuilds' state (`live_reload`)

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str) -> ServeSettings:
        data = json.loads(text)
        data["cors_origins"] = tuple(data.get("cors_origins", ()))
        return cls(**data)


# the names `?type=` and `?status=` accept: the vocabulary's, aliases included (`?type=plan`)
if TYPE_CHECKING:
    DocTypeName = str
    StatusName = str
else:
    DocTypeName = Literal[type_names()]
    StatusName = Literal[status_names()]

RESULT_FIELDS = {  # what each field of `SearchResult` means to a client
    "id": "the document's id, e.g. KB-0014",
    "title": "the document's title",
    "type": f"the document's type: {', '.join(DocType)}",
    "status": f"the document's status: {', '.join(Status)}",
    "stale": f"past its review date (documents held to one: {', '.join(HELD)})",
    "owner": "the team that owns the document",
    "path": "the document's file in the knowledge base",
    "url": "the document's page in the site",
    "score": "the ranking score: higher is better",
    "snippet": "HTML: the document's text, escaped, matches in <mark>",
    "review_due": "when the document is due for review (may be absent)",
}


def _model_of(record: type[Any], doc: str, descriptions: dict[str, str]) -> type[BaseModel]:
    """A response model with the fields (names, types, defaults) of a library record, a
    dataclass, so the API cannot drift from it; a field with a default may be absent."""
    types = typing.get_type_hints(record)
    fields: dict[str, Any] = {}
    for item in dataclasses.fields(record):
        default = ... if item.default is dataclasses.MISSING else item.default
        fields[item.name] = (
            types[item.name],
            Field(default, description=descriptions.get(item.name)),
        )
    model: type[BaseModel] = create_model(record.__name__, __doc__=doc, **fields)
    return model


Result = _model_of(SearchResult, "A document found, as `kb search --json` lists it.", RESULT_FIELDS)


class SearchPage(BaseModel):
    query: str
    total: int
    took_ms: float
    suggestion: str | None
    results: list[Result]  # type: ignore[valid-type]
    facets: dict[str, dict[str, int]] = Field(description="type, category, status: counts")
    page: int
    limit: int
    unmatched_words: list[str] = Field(
        [], description="when nothing was found: words that found nothing"
    )
    closest: list[Result] = Field(  # type: ignore[valid-type]
        [], description="when nothing was found: the closest titles"
    )


class Related(BaseModel):
    id: str
    title: str
    url: str
    score: float


class DocumentInfo(BaseModel):
    id: str
    title: str
    type: str
    status: str
    stale: bool
    owner: str
    visibility: str
    version: str
    url: str
    path: str
    last_reviewed: date | None
    review_due: date | None
    related: list[Related]


class Health(BaseModel):
    status: str
    documents: int
    generation: str
    worker: int = Field(description="the process id of the worker that answered")
    watch: bool = Field(
        False, description="`kb serve --watch`: /api/live tells the pages when they change"
    )


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class Opened(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    query: str = Field(
        max_length=MAX_QUERY,
        # documented for clients; checked by `_writable` (pydantic's own patterns cannot
        # name surrogates)
        json_schema_extra={"pattern": "^[^\\ud800-\\udfff]*$"},
    )
    id: str = Field(max_length=40, pattern=r"^[A-Za-z]+-[0-9]+$")

    @field_validator("query")
    @classmethod
    def _writable(cls, value: str) -> str:
        """A lone surrogate cannot be stored (nor encoded as UTF-8): refused. Control
        characters are nobody's search: spaces."""
        if _SURROGATE.search(value):
            raise ValueError("the query holds a lone surrogate")
        return _CONTROL.sub(" ", value)


# the kinds a reader gives a page, and the one a search with no result sends
if TYPE_CHECKING:
    PageKind = str
    MissingKind = str
else:
    PageKind = Literal[tuple(k.value for k in FeedbackKind if k is not FeedbackKind.MISSING)]
    MissingKind = Literal[FeedbackKind.MISSING.value]
_WRITABLE: JsonDict = {"pattern": "^[^\\ud800-\\udfff]*$"}  # checked by `_storable`


class _FeedbackText(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    comment: str = Field(default="", max_length=MAX_COMMENT, json_schema_extra=_WRITABLE)

    @field_validator("comment", "query", check_fields=False)
    @classmethod
    def _storable(cls, value: str) -> str:
        """A lone surrogate cannot be stored (nor encoded as UTF-8): refused."""
        if _SURROGATE.search(value):
            raise ValueError("the text holds a lone surrogate")
        return value


class PageFeedback(_FeedbackText):
    """A reader's word on a document: helpful, not helpful, wrong or out of date."""

    id: str = Field(max_length=40, pattern=r"^[A-Za-z]+-[0-9]+$", description="e.g. KB-0014")
    kind: PageKind


class MissingArticle(_FeedbackText):
    """A search found nothing and the reader asks for an article."""

    id: None = None
    kind: MissingKind
    query: str = Field(
        default="",
        max_length=MAX_QUERY,
        description="what was searched for",
        json_schema_extra=_WRITABLE,
    )


Feedback = Annotated[PageFeedback | MissingArticle, Field(discriminator="kind")]


class PopularDocument(BaseModel):
    id: str
    title: str
    path: str = Field(description="the document's file in the knowledge base")
    type: str
    opened: int = Field(description=f"times opened from search results, last {POPULAR_DAYS} days")


class Popular(BaseModel):
    documents: list[PopularDocument]


class TokenBucket:
    """At most `rate` events a second on average, `burst` at once; thread-safe."""

    def __init__(
        self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self._clock = rate, burst, clock
        self._tokens, self._last = burst, clock()
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True


LONG_QUERY = 100  # characters: a pasted paragraph, not a search
MANY_WORDS = 12
LONG_PHRASE = 24  # characters between quotes
_PHRASE = re.compile(r'"([^"]*)"?')
_NEGATION = re.compile(r"\b(?:AND)?NOT\b")  # Whoosh's operators are upper case


def expensive_query(text: str) -> bool:
    """Whether a query costs the engine many times a plain one (measured on 1,000 documents:
    5-10 ms plain, 30-60 ms for `*a*`, `?*`, `e* o* 0*`, many ORs of prefixes). From Whoosh's
    default syntax, as `search.backend.engine` parses it: `*` and `?` make wildcards and prefixes
    (each expanded to up to 64 words), `[`/`{` ranges, quotes phrases (positions read for
    each word); `NOT` (and `ANDNOT`) ranks every document the rest does not exclude: `NOT zzzz`
    alone is every document (a red-team flood of those kept normal queries' p99 near 600 ms);
    and a long query is many words at once."""
    cleaned, _ = clean_query(text)
    if any(mark in cleaned for mark in "*?[{") or _NEGATION.search(cleaned):
        return True
    if len(cleaned) > LONG_QUERY or len(cleaned.split()) > MANY_WORDS:
        return True
    return any(len(phrase) > LONG_PHRASE for phrase in _PHRASE.findall(cleaned))


def create_app(settings: ServeSettings) -> FastAPI:
    log = (
        SearchLog(Path(settings.analytics), retention_days=settings.analytics_days)
        if settings.analytics
        else None
    )
    fixed = date.fromisoformat(settings.as_of) if settings.as_of else None

    def today() -> date:
        return fixed or date.today()

    service = SearchService(Path(settings.index_folder), settings.audience, log, today=today)
    feedback = (
        FeedbackStore(
            feedback_path(Path(settings.analytics)), retention_days=settings.analytics_days
        )
        if settings.analytics
        else None
    )
    _access_log_to_stderr()
    _error_log_to_stderr()
    app = FastAPI(
        title="supportkb search",
        version=__version__,
        description="Search the support knowledge base (the same engine as `kb search`).",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN, which the security policy refuses
        redoc_url=None,
    )
    _routes(app, service, settings)
    _reader_routes(app, service, settings, log, feedback)
    for error in dict.fromkeys(kind for kind, _ in LIBRARY_ERROR_STATUS):
        app.add_exception_handler(error, _library_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StarletteHTTPException, _unreadable_body_is_invalid)
    app.middleware("http")(_headers_and_access_log)
    site = Path(settings.site_folder) if settings.site_folder else None
    app.add_middleware(SitePolicyHeader, site_policy=SitePolicy(site))  # outermost: it decides
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"]
        )
    if settings.site_folder:
        app.mount("/", SiteFiles(directory=settings.site_folder, html=True), name="site")
    return app


def _access_log_to_stderr() -> None:
    if not _log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        _log.addHandler(handler)
        _log.setLevel(logging.INFO)
        _log.propagate = False


def _error_log_to_stderr() -> None:
    """Unexpected errors, once a minute at most (uvicorn's logging configuration, from
    `supportkb.service.workers.log_config`, does the same when the app runs under `kb serve`)."""
    if not _errors_log.handlers:
        handler = logging.StreamHandler()
        handler.addFilter(OncePerInterval())
        _errors_log.addHandler(handler)
        _errors_log.propagate = False


def app_from_environment() -> FastAPI:
    """The application of a `kb serve` worker process (uvicorn's factory)."""
    return create_app(ServeSettings.loads(os.environ[SETTINGS_VARIABLE]))


def _routes(app: FastAPI, service: SearchService, settings: ServeSettings) -> None:
    expensive = threading.BoundedSemaphore(max(1, settings.expensive_queries))
    rate, burst = settings.analytics_per_second, settings.analytics_per_second * 20
    searches_recorded, opened_recorded = TokenBucket(rate, burst), TokenBucket(rate, burst)

    @app.get(
        "/api/search",
        response_model=SearchPage,
        response_model_exclude_unset=True,  # a result's optional fields, when absent, stay so
        responses=_errors(400, 429, 503),
    )
    def search(
        q: Annotated[str, Query(max_length=MAX_QUERY, description="the query, as `kb search`")],
        type: Annotated[list[DocTypeName] | None, Query(max_length=20)] = None,
        tag: Annotated[list[str] | None, Query(max_length=20)] = None,
        status: Annotated[list[StatusName] | None, Query(max_length=20)] = None,
        category: Annotated[list[str] | None, Query(max_length=20)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 10,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        record: Annotated[
            bool, Query(description="count this search in the analytics (false while typing)")
        ] = True,
    ) -> dict[str, Any]:
        """Ranked documents with snippets, suggestion, stale flags and facet counts."""
        request = SearchRequest(
            q,
            service.today(),
            types=tuple(parse_type(name).value for name in type or ()),
            tags=_values(tag),
            statuses=tuple(parse_status(name).value for name in status or ()),
            categories=_values(category),
            limit=limit,
            offset=(page - 1) * limit,
            facets=True,
        )
        costly = expensive_query(q)
        if costly and not expensive.acquire(blocking=False):
            raise HTTPException(
                status_code=429,
                detail="too many wildcard, phrase or long queries at once: try again shortly",
                headers={"Retry-After": RETRY_AFTER},
            )
        try:
            unfiltered = not (type or tag or status or category)  # what was typed, not refined
            counted = record and unfiltered and page == 1 and searches_recorded.take()
            response = service.search(request, record=counted)
        finally:
            if costly:
                expensive.release()
        return {**response.as_json(), "facets": response.facets, "page": page, "limit": limit}

    @app.get("/api/documents/{doc_id}", response_model=DocumentInfo, responses=_errors(404, 503))
    def document(doc_id: str) -> dict[str, Any]:
        """A document's metadata and its five most related documents."""
        found = service.document(doc_id[:40])
        if found is None:
            raise HTTPException(status_code=404, detail=f"no document {doc_id[:40]!r}")
        return found

    @app.get("/api/health", response_model=Health, responses=_errors(503))
    def health() -> dict[str, Any]:
        """Whether the index can be searched."""
        return {**service.health(), "watch": settings.live_file is not None}

    if settings.live_file is not None:
        _live_route(app, Path(settings.live_file))

    @app.post("/api/opened", status_code=204, responses=_errors(404, 429, 503))
    def opened(event: Opened) -> Response:
        """Record that a result was opened (for `kb report`; nothing identifies the reader)."""
        doc_id = service.visible_id(event.id)  # only documents this site's audience may see
        if doc_id is None:
            raise HTTPException(status_code=404, detail=f"no document {event.id!r}")
        _take_or_refuse(opened_recorded)
        service.record_opened(event.query, doc_id)
        return Response(status_code=204)


def _live_route(app: FastAPI, live_file: Path) -> None:
    streams = OpenStreams(MAX_LIVE_STREAMS)

    @app.get(
        LIVE_PATH,
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}, **_errors(503)},
    )
    def live(
        last_event_id: Annotated[str | None, Header(max_length=20)] = None,
    ) -> StreamingResponse:
        """Under `kb serve --watch`: server-sent events, one per rebuild (`rebuilt`: the
        generation, the site paths of the pages that changed or went away, or the error of a
        failed rebuild); the first event (`hello`) gives the current generation."""
        seen = int(last_event_id) if last_event_id and last_event_id.isdigit() else None
        if not streams.take():  # an open stream is never idle, so never closed to make room
            raise HTTPException(
                status_code=503,
                detail=f"{MAX_LIVE_STREAMS} pages already listen to this worker's rebuilds",
                headers={"Retry-After": "60"},
            )
        return StreamingResponse(
            streams.held(live_events(live_file, seen)),
            media_type="text/event-stream",
            headers={"X-Accel-Buffering": "no"},
        )


MAX_LIVE_STREAMS = 64  # open /api/live streams per worker: an author's tabs, not a crowd


class OpenStreams:
    """How many event streams a worker holds open, at most `limit`: each holds a connection
    that is never idle, so the limit on connections (which closes the longest idle one)
    never frees theirs, and a client opening thousands took every connection."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self._lock = threading.Lock()  # taken in the thread pool, given back in the loop

    def take(self) -> bool:
        with self._lock:
            if self.count >= self.limit:
                return False
            self.count += 1
            return True

    async def held(self, stream: AsyncIterator[str]) -> AsyncIterator[str]:
        """`stream`, giving its place back when it ends or its client goes."""
        try:
            async for part in stream:
                yield part
        finally:
            with self._lock:
                self.count -= 1


def _reader_routes(
    app: FastAPI,
    service: SearchService,
    settings: ServeSettings,
    log: SearchLog | None,
    store: FeedbackStore | None,
) -> None:
    """What readers tell the knowledge base (feedback), and what it tells them (most opened)."""
    rate = settings.analytics_per_second
    recorded = TokenBucket(rate, rate * 20)

    @app.post("/api/feedback", status_code=204, responses=_errors(404, 429, 503))
    def feedback(event: Feedback) -> Response:
        """Record a reader's word on a document, or a request for a missing article (for
        `kb report`; nothing identifies the reader, personal data in the text is masked)."""
        doc_id = service.visible_id(event.id) if isinstance(event, PageFeedback) else None
        if isinstance(event, PageFeedback) and doc_id is None:
            raise HTTPException(status_code=404, detail=f"no document {event.id!r}")
        if store is None:
            raise HTTPException(status_code=503, detail="this server records no feedback")
        _take_or_refuse(recorded)
        query = event.query if isinstance(event, MissingArticle) else ""
        store.record(FeedbackKind(event.kind), doc_id, event.comment, query)
        return Response(status_code=204)

    @app.get("/api/popular", response_model=Popular, responses=_errors(503))
    def popular(limit: Annotated[int, Query(ge=1, le=MAX_POPULAR)] = 5) -> dict[str, Any]:
        """The documents most opened from search results in the last 30 days (of this site's
        audience only); empty without analytics."""
        if log is None:
            return {"documents": []}
        documents = []
        for doc_id, times in log.most_opened(since_days(service.today(), POPULAR_DAYS)):
            found = service.document(doc_id)  # the audience's index decides, not the log
            if found is not None:
                documents.append({**found, "opened": times})
            if len(documents) == limit:
                break
        return {"documents": documents}


class Problem(BaseModel):
    detail: str


_MEANING = {
    400: "The query cannot be read (a one-line message says why).",
    404: "No such document (or not one this service shows).",
    429: "Too many such requests at once: try again after Retry-After seconds.",
    503: "The search index is missing or damaged (run `kb index`); or no feedback is recorded.",
}


def _take_or_refuse(events: TokenBucket) -> None:
    """One event from the bucket, or 429 (with Retry-After) when it is empty."""
    if not events.take():
        raise HTTPException(
            status_code=429,
            detail="too many events at once: try again shortly",
            headers={"Retry-After": RETRY_AFTER},
        )


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Problem, "description": _MEANING[code]} for code in codes}


def _values(values: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(v[:60] for v in values or () if v.strip())


# the library's errors as HTTP statuses, the most specific class first: a query that cannot be
# run is the client's to fix; any other (the index missing or damaged) is the service's state
LIBRARY_ERROR_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (SearchError, 400),
    (FatalError, 503),
)


async def _library_error(request: Request, exc: Exception) -> Response:
    """The one translation of the library's errors (`supportkb.errors`) into answers: the
    status of the error's class and its one-line message (written for people, no internals)."""
    status = next(code for kind, code in LIBRARY_ERROR_STATUS if isinstance(exc, kind))
    return JSONResponse({"detail": str(exc)}, status_code=status)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """422 with where and what is wrong, never the input itself (it may hold what cannot be
    encoded, such as a lone surrogate, or what should not be echoed)."""
    assert isinstance(exc, RequestValidationError)
    problems = [
        {
            "loc": [str(part) for part in error.get("loc", ())],
            "msg": str(error.get("msg", "")),
            "type": str(error.get("type", "")),
        }
        for error in exc.errors()[:20]
    ]
    return JSONResponse({"detail": problems}, status_code=422)


async def _unreadable_body_is_invalid(request: Request, exc: Exception) -> Response:
    """A body FastAPI cannot decode (not UTF-8) is a malformed body like any other: 422."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == UNREADABLE_BODY:
        problem = {"loc": ["body"], "msg": "the body is not JSON in UTF-8", "type": "json_invalid"}
        return JSONResponse({"detail": [problem]}, status_code=422)
    return await http_exception_handler(request, exc)


def _too_large(request: Request) -> bool:
    length = request.headers.get("content-length", "")
    return length.isdigit() and int(length) > MAX_BODY


async def _headers_and_access_log(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    if _too_large(request):
        response: Response = JSONResponse({"detail": "the body is too large"}, status_code=413)
    else:
        try:
            response = await call_next(request)
        except Exception:  # a bug: the client learns nothing of it, the log once a minute
            _errors_log.exception("unexpected error answering %s", request.url.path[:200])
            response = JSONResponse({"detail": "internal error"}, status_code=500)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.path.startswith("/api/"):
        response.headers["Cache-Control"] = "no-store"
    _log.info(
        "%s %s %d %.1f ms",
        request.method,
        request.url.path[:200],
        response.status_code,
        (time.perf_counter() - started) * 1000,
    )
    return response
