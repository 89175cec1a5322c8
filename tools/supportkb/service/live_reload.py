"""`kb serve --watch`: rebuild on save, and tell the open pages which of them changed.

The watcher runs in a thread of the main process; the workers that answer are other processes.
After each rebuild the watcher writes the *live state* (`LiveState`: a generation number, the
site paths of the pages whose HTML changed or went away, or the error of a failed rebuild) to
one small JSON file, atomically (a temporary file and a rename), in a folder `kb serve` makes
for the run (`ServeSettings.live_file`). Each worker's `GET /api/live` (server-sent events)
looks at that file's modification time a few times a second and sends the new state when it
changes; the page's `live.js` reloads itself when its own path is among the changed pages.

What changed is found by comparing the built pages' digests before and after the rebuild
(`page_digests`): a build is reproducible (the build date is the one `kb serve` was started
with), so an unchanged page has the same bytes. A title shown in the navigation changes every
page, and every page reloads.

The site itself is rebuilt into a new folder and swapped in at once (`supportkb.site.build`),
and the index's generations are swapped by `kb index`'s own pointer: a request during a
rebuild is answered by the previous site and index.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from supportkb.documents.findings import Severity
from supportkb.errors import FatalError
from supportkb.site.marker import read_marker
from supportkb.system.atomic import write_atomic

LIVE_PATH = "/api/live"  # the event stream's route
LIVE_FILE = "live.json"  # in the folder `kb serve --watch` makes for the run
POLL_SECONDS = 0.2  # how often an open event stream looks at the live file
KEEP_ALIVE_SECONDS = 15.0  # a comment line, so that proxies and browsers keep the stream
STREAM_SECONDS = 300.0  # then the stream ends and the browser reconnects (Last-Event-ID)
RETRY_MILLISECONDS = 1000  # how soon the browser reconnects


@dataclass(frozen=True)
class LiveState:
    """What the last rebuild did, as the pages see it."""

    generation: int  # 0 when serving starts, one more per rebuild (failed ones too)
    changed: tuple[str, ...] = ()  # site paths ("kb/vpn/vpn-error-809/") whose page changed
    removed: tuple[str, ...] = ()  # site paths whose page is gone (e.g. a broken front-matter)
    error: str | None = None  # the rebuild failed: the previous site is still served

    def dumps(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False).encode("utf-8")


def write_state(path: Path, state: LiveState) -> None:
    write_atomic(path, state.dumps(), durable=False)


def read_state(path: Path) -> LiveState | None:
    """The state last written, or None (no file yet, or one that cannot be read)."""
    try:
        data = json.loads(path.read_bytes())
        return LiveState(
            int(data["generation"]),
            tuple(str(p) for p in data["changed"]),
            tuple(str(p) for p in data["removed"]),
            None if data["error"] is None else str(data["error"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def page_digests(site: Path) -> dict[str, str]:
    """Each HTML page of a built site by its site path (`kb/x/` for `kb/x/index.html`, `""`
    for the home page) -> a digest of its bytes. 404.html is no page anyone is on."""
    digests: dict[str, str] = {}
    for page in site.rglob("*.html"):
        relative = page.relative_to(site).as_posix()
        if relative == "404.html" or relative.startswith("."):
            continue
        try:
            digest = hashlib.blake2b(page.read_bytes(), digest_size=16).hexdigest()
        except OSError:
            continue
        digests[relative.removesuffix("index.html")] = digest
    return digests


def compare_pages(
    before: Mapping[str, str], after: Mapping[str, str]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(changed or new pages, removed pages), each sorted."""
    changed = sorted(path for path, digest in after.items() if before.get(path) != digest)
    removed = sorted(path for path in before if path not in after)
    return tuple(changed), tuple(removed)


@dataclass(frozen=True)
class Rebuilt:
    """One rebuild, for the terminal."""

    state: LiveState
    documents: int  # in the index
    index_seconds: float
    site_seconds: float
    problems: tuple[str, ...] = ()  # "path:line: message" of the changed files' errors


class LiveSite:
    """The index and the site `kb serve --watch` keeps up to date, and the live file it
    writes after each rebuild. Not thread-safe: one watcher calls `rebuild`."""

    def __init__(
        self,
        root: Path,
        index_folder: Path,
        site: Path,
        audience: str | None,
        as_of: date,
        live_file: Path,
        clock: Callable[[], float] | None = None,
    ) -> None:
        import time

        self.root, self.index_folder, self.site = root, index_folder, site
        # None: mkdocs.yml's (the first build, of a site not built yet), then the site's
        self.audience, self.as_of, self.live_file = audience, as_of, live_file
        self._clock = clock or time.perf_counter
        self.generation = 0
        self._digests: dict[str, str] | None = None  # the served site's pages, once read

    def start(self) -> Rebuilt:
        """The first build, before serving: a document written before `kb serve` started is
        served, and a site that does not exist yet is built. When it fails, a site built
        before may still be served (the caller decides)."""
        return self._build(changed_files=(), announce=False)

    def rebuild(self, changed_files: tuple[Path, ...] = ()) -> Rebuilt:
        """Rebuild the site into a new folder and swap it in, publish what changed (the open
        pages reload), then update the index (incrementally): a page does not wait for the
        search. A failed rebuild leaves the previous site and index served and publishes only
        its error."""
        self.generation += 1
        return self._build(changed_files, announce=True)

    def _build(self, changed_files: tuple[Path, ...], announce: bool) -> Rebuilt:
        from supportkb.search.indexing.index import build_index
        from supportkb.site.build import build_site

        if self._digests is None:  # after a build, the pages it wrote (read once, not twice)
            self._digests = page_digests(self.site) if self.site.is_dir() else {}
        before = self._digests
        started = self._clock()
        try:
            result = build_site(
                self.root, self.as_of, self.site, strict=False, audience=self.audience
            )
        except Exception as exc:  # whatever a save causes, the watch goes on
            # (FatalError; OSError: a file vanished while building; a theme override's
            # template that does not parse, from Jinja, or any other error of MkDocs' plugins)
            state = LiveState(self.generation, error=_reason(exc))
            write_state(self.live_file, state)
            return Rebuilt(state, 0, 0.0, 0.0)
        built = self._clock()
        if self.audience is None:
            marker = read_marker(self.site)
            self.audience = marker.audience if marker is not None else None
        self._digests = page_digests(self.site)
        changed, removed = compare_pages(before, self._digests)
        state = LiveState(self.generation, changed, removed) if announce else LiveState(0)
        write_state(self.live_file, state)  # the open pages reload now; the search follows
        problems = tuple(
            f"{finding.path}:{finding.line}: {finding.code}: {finding.message}"
            for finding in result.check.findings
            if finding.severity is Severity.ERROR
            and _among(self.root / finding.path, changed_files)
        )
        try:
            report = build_index(self.root, self.index_folder)
        except (FatalError, OSError) as exc:  # the previous index is still answered
            problems += (f"the search index was not updated: {_reason(exc)}",)
            return Rebuilt(state, 0, 0.0, built - started, problems)
        return Rebuilt(state, report.documents, self._clock() - built, built - started, problems)


def _reason(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.filename:
        return f"{exc.filename}: {exc.strerror}"
    if isinstance(exc, FatalError):
        return str(exc)
    return f"the site could not be built: {type(exc).__name__}: {exc}"


def _among(path: Path, files: tuple[Path, ...]) -> bool:
    return any(os.path.abspath(path) == os.path.abspath(other) for other in files)


def event_text(state: LiveState) -> str:
    """One server-sent event: the generation as its id (the browser sends it back as
    Last-Event-ID when it reconnects), the state as its data."""
    return f"id: {state.generation}\nevent: rebuilt\ndata: {state.dumps().decode('utf-8')}\n\n"


async def live_events(
    live_file: Path,
    last_seen: int | None,
    *,
    poll: float = POLL_SECONDS,
    keep_alive: float = KEEP_ALIVE_SECONDS,
    lifetime: float = STREAM_SECONDS,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[str]:
    """The event stream of `GET /api/live`: first the retry delay and the current generation
    (event `hello`), then an event per rebuild; `last_seen` (Last-Event-ID) is the generation
    the browser saw before it reconnected: a rebuild since is sent at once."""
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    stamp: int | None = None
    state = read_state(live_file)
    if state is not None and last_seen is not None and state.generation > last_seen:
        yield event_text(state)
    else:
        generation = state.generation if state is not None else 0
        yield f'id: {generation}\nevent: hello\ndata: {{"generation": {generation}}}\n\n'
    seen = state.generation if state is not None else -1
    waited = since_keep_alive = 0.0
    while waited < lifetime:
        await sleep(poll)
        waited += poll
        since_keep_alive += poll
        try:
            now: int | None = live_file.stat().st_mtime_ns
        except OSError:
            now = None
        if now != stamp:
            stamp = now
            state = read_state(live_file)
            if state is not None and state.generation > seen:
                seen = state.generation
                since_keep_alive = 0.0
                yield event_text(state)
        if since_keep_alive >= keep_alive:
            since_keep_alive = 0.0
            yield ": still watching\n\n"
