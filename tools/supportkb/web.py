"""`kb serve`'s web layer: FastAPI routes over `SearchService`, the built site as static files.

    GET  /api/search?q=…&type=…&tag=…&status=…&category=…&limit=…&page=…
    GET  /api/documents/{id}
    GET  /api/health
    POST /api/opened          {"query": …, "id": …}   (which result was opened, for analytics)
    GET  /api/openapi.json    the OpenAPI description
    GET  /…                   the site built by `kb build`

The routes only parse, call the service and shape the answer. Limits: the query is at most
1,000 characters (the engine reads the first 256), at most 50 results a page, 100 pages;
each query has a time limit in the engine. Every answer carries security headers; CORS is off
unless origins are configured. The access log has the method, the path without its query
string, the status and the time taken: no address, no search text.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, HTTPException, Query, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from supportkb import __version__
from supportkb.analytics import SearchLog
from supportkb.content_policy import SitePolicy, policy
from supportkb.errors import FatalError
from supportkb.search import SearchError, SearchRequest
from supportkb.service import SearchService

SETTINGS_VARIABLE = "SUPPORTKB_SERVE_SETTINGS"
MAX_QUERY = 1000
MAX_PAGE_SIZE = 50
MAX_PAGE = 100
_log = logging.getLogger("supportkb.access")

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
    restricted: bool = False
    as_of: str | None = None  # judge freshness as of this date (tests); default today

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str) -> ServeSettings:
        data = json.loads(text)
        data["cors_origins"] = tuple(data.get("cors_origins", ()))
        return cls(**data)


DocTypeName = Literal["article", "sop", "emergency-plan", "policy", "kb", "ep", "pol"]
StatusName = Literal["published", "in-review", "draft", "deprecated", "archived"]


class Result(BaseModel):
    id: str
    title: str
    type: str
    status: str
    stale: bool
    owner: str
    path: str
    url: str
    score: float
    snippet: str = Field(description="HTML: the document's text, escaped, matches in <mark>")


class SearchPage(BaseModel):
    query: str
    total: int
    took_ms: float
    suggestion: str | None
    results: list[Result]
    facets: dict[str, dict[str, int]] = Field(description="type, category, status: counts")
    page: int
    limit: int


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


class Opened(BaseModel):
    query: str = Field(max_length=MAX_QUERY)
    id: str = Field(max_length=40, pattern=r"^[A-Za-z]+-\d+$")


def create_app(settings: ServeSettings) -> FastAPI:
    log = SearchLog(Path(settings.analytics)) if settings.analytics else None
    fixed = date.fromisoformat(settings.as_of) if settings.as_of else None

    def today() -> date:
        return fixed or date.today()

    service = SearchService(
        Path(settings.index_folder), log, today=today, restricted=settings.restricted
    )
    _access_log_to_stderr()
    app = FastAPI(
        title="supportkb search",
        version=__version__,
        description="Search the support knowledge base (the same engine as `kb search`).",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads from a CDN, which the security policy refuses
        redoc_url=None,
    )
    _routes(app, service)
    app.middleware("http")(_headers_and_access_log)
    site = Path(settings.site_folder) if settings.site_folder else None
    app.add_middleware(SitePolicyHeader, site_policy=SitePolicy(site))  # outermost: it decides
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"]
        )
    if settings.site_folder:
        app.mount("/", StaticFiles(directory=settings.site_folder, html=True), name="site")
    return app


def _access_log_to_stderr() -> None:
    if not _log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
        _log.addHandler(handler)
        _log.setLevel(logging.INFO)
        _log.propagate = False


def app_from_environment() -> FastAPI:
    """The application of a `kb serve` worker process (uvicorn's factory)."""
    return create_app(ServeSettings.loads(os.environ[SETTINGS_VARIABLE]))


def _routes(app: FastAPI, service: SearchService) -> None:
    @app.get("/api/search", response_model=SearchPage, responses=_errors(400, 503))
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
            types=_values(type),
            tags=_values(tag),
            statuses=_values(status),
            categories=_values(category),
            limit=limit,
            offset=(page - 1) * limit,
            include_restricted=service.restricted,
            facets=True,
        )
        try:
            unfiltered = not (type or tag or status or category)  # what was typed, not refined
            response = service.search(request, record=record and unfiltered)
        except (SearchError, FatalError) as exc:
            raise HTTPException(status_code=_status(exc), detail=str(exc)) from None
        return {**response.as_json(), "facets": response.facets, "page": page, "limit": limit}

    @app.get("/api/documents/{doc_id}", response_model=DocumentInfo, responses=_errors(404, 503))
    def document(doc_id: str) -> dict[str, Any]:
        """A document's metadata and its five most related documents."""
        try:
            found = service.document(doc_id[:40])
        except FatalError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from None
        if found is None:
            raise HTTPException(status_code=404, detail=f"no document {doc_id[:40]!r}")
        return found

    @app.get("/api/health", response_model=Health, responses=_errors(503))
    def health() -> dict[str, Any]:
        """Whether the index can be searched."""
        try:
            return service.health()
        except FatalError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from None

    @app.post("/api/opened", status_code=204)
    def opened(event: Opened) -> Response:
        """Record that a result was opened (for `kb report`; nothing identifies the reader)."""
        service.record_opened(event.query, event.id)
        return Response(status_code=204)


class Problem(BaseModel):
    detail: str


_MEANING = {
    400: "The query cannot be read (a one-line message says why).",
    404: "No such document (or not one this service shows).",
    503: "The search index is missing or damaged: run `kb index`.",
}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": Problem, "description": _MEANING[code]} for code in codes}


def _no_delay_protocol() -> type:
    """uvicorn's h11 protocol with TCP_NODELAY on each connection. With several workers,
    uvicorn leaves it off (encode/uvicorn#3149), and every answer after the first on a
    kept-open connection waits about 40 ms for Nagle and delayed ACKs (measured with
    bench/serve_load.py: /api/health 48 ms against 6 ms)."""
    import socket

    from uvicorn.protocols.http.h11_impl import H11Protocol

    class NoDelayH11Protocol(H11Protocol):
        def connection_made(self, transport: Any) -> None:
            sock = transport.get_extra_info("socket")
            if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().connection_made(transport)

    return NoDelayH11Protocol


NoDelayH11Protocol = _no_delay_protocol()


def _values(values: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(v[:60] for v in values or () if v.strip())


def _status(exc: Exception) -> int:
    return 503 if isinstance(exc, FatalError) else 400


async def _headers_and_access_log(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    started = time.perf_counter()
    response = await call_next(request)
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
