"""`kb index`: the search index of a knowledge base, kept up to date incrementally and swapped
in atomically.

The index folder (default `.kb-index/`, git-ignored) holds one index per audience, each
holding only the documents that audience may see (public: public; internal: public and
internal; restricted: all), so that what shapes scores and "did you mean" (the collection's
statistics, its words, its related lists) comes only from documents the reader may see:

    .kb-index/public/CURRENT          name of the live generation (replaced atomically)
    .kb-index/public/gen-000012/      a complete Whoosh index, its manifest and related.json
    .kb-index/public/related.sqlite   what the related lists are computed from (see `related`)
    .kb-index/internal/…              the same, for the internal audience
    .kb-index/restricted/…            the same, for the restricted audience
    .kb-index/words-….sqlite          the word table (jieba's dictionary: no document in it)
    .kb-index/.lock                   held while a build runs

An audience whose documents are exactly those of a smaller one (no restricted document: the
restricted index would be the internal one) is not written twice: its CURRENT names the
smaller audience's generation (`../internal/gen-000012`). Visibility fails closed: a
visibility that is written but not understood is restricted (`fields`), and a document whose
front-matter cannot be read is in no index.

A build never touches the live generation: an incremental build hard-links its files into a
new generation (Whoosh never rewrites a file it has written), applies the changes there, and
only then points CURRENT at it. A build killed half way leaves CURRENT on the previous,
complete generation; a search that runs meanwhile reads the old or the new one, never a mix.
The previous generation is kept, so a searcher that opened it keeps working.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import posixpath
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from supportkb.documents.body import read_body
from supportkb.documents.fields import Location, build_document
from supportkb.documents.layout import DOCS_DIR, document_stamps, site_path
from supportkb.documents.model import Document
from supportkb.documents.source import read_source
from supportkb.documents.vocabulary import Visibility
from supportkb.errors import FatalError
from supportkb.search.indexing.entry import IndexEntry
from supportkb.search.text.analysis import use_word_table
from supportkb.system.atomic import write_atomic
from supportkb.system.output_folder import OutputFolder, claim_folder
from supportkb.system.processes import workers_end_with_me
from supportkb.workspace.file_analysis import _read as read_bytes
from supportkb.workspace.freshness import FreshnessRule
from supportkb.workspace.owners import OwnerRegistry, load_registry
from supportkb.workspace.settings import KnowledgeBaseConfig, load_config, mkdocs_settings

if TYPE_CHECKING:
    from supportkb.search.backend.engine import Engine

DEFAULT_FOLDER = ".kb-index"
# an index per audience, smallest first; an audience sees its visibility and the smaller ones
AUDIENCES = tuple(str(v) for v in (Visibility.PUBLIC, Visibility.INTERNAL, Visibility.RESTRICTED))
VISIBLE: dict[str, frozenset[str]] = {
    audience: frozenset(AUDIENCES[: n + 1]) for n, audience in enumerate(AUDIENCES)
}
DEFAULT_AUDIENCE = str(Visibility.INTERNAL)  # `kb search` on a contributor's machine
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
RELATED = "related.json"
# bump when the schema or the analysis changes: forces a full rebuild. 10: the schema's classes
# moved to `search/backend/fields` (the table of contents stores them by module and name), and
# the related documents' words are now the index's (stemmed, stop words out). 11: IT terms
# that tw2sp leaves in Taiwan usage are made mainland (`text/strait`, it-terms-strait.tsv), and
# a document's id is also found by its number alone (0014)
FORMAT = 11

INDEX_MARKER = ".supportkb-index.json"  # proof that supportkb made the folder (see claim_folder)
INDEX_FOLDER = OutputFolder(
    "search index folder",
    "Choose a folder that is absent, empty or an earlier `kb index` output, "
    "e.g. `--index-dir .kb-index`.",
)

Progress = Callable[[int, int], None]  # (done, total)


class FileStamp(NamedTuple):  # ten thousand read and written by every `kb index`
    mtime_ns: int
    size: int
    digest: str


@dataclass(frozen=True)
class IndexReport:
    generation: str
    documents: int
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (path, why)
    rebuilt: bool = False
    seconds: float = 0.0
    audiences: tuple[tuple[str, int], ...] = ()  # (audience, documents it may find)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)


@dataclass
class Manifest:
    key: str
    files: dict[str, FileStamp] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # unreadable documents, with why
    # every readable document's visibility, also those this audience may not see: whether a
    # larger audience's index would be the same as this one is known without reading them
    visibility: dict[str, str] = field(default_factory=dict)

    def dumps(self) -> bytes:
        payload = {
            "format": FORMAT,
            "key": self.key,
            "files": dict(sorted(self.files.items())),  # each stamp as a list
            "skipped": self.skipped,
            "visibility": dict(sorted(self.visibility.items())),
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        try:
            payload = json.loads(path.read_bytes())
            files = {
                p: FileStamp(int(a), int(b), str(c)) for p, (a, b, c) in payload["files"].items()
            }
            return cls(
                str(payload["key"]),
                files,
                dict(payload.get("skipped", {})),
                {str(p): str(v) for p, v in payload["visibility"].items()},
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


# -- where the index lives ----------------------------------------------------------------


def index_folder(root: Path, folder: Path | None = None) -> Path:
    if folder is not None:
        return folder if folder.is_absolute() else root / folder
    configured = mkdocs_settings(root).get("index_dir")
    return root / (configured or DEFAULT_FOLDER)


def claim_index_folder(root: Path, folder: Path) -> None:
    """Refuse (FatalError) a folder that is not absent, empty or a supportkb index, or that
    holds documents or anything git tracks (see `output_folder`). The build marks it as an
    index once it holds the lock (`_mark_index`)."""
    claim_folder(folder, root, INDEX_FOLDER, _is_index)


def _mark_index(folder: Path) -> None:
    if not (folder / INDEX_MARKER).is_file():
        write_atomic(folder / INDEX_MARKER, b'{"format": 1}\n', durable=False)


def _is_index(folder: Path) -> bool:
    """Marked by `claim_index_folder`, written by a version that did not mark (a CURRENT
    pointer, at the top or in an audience's folder), or
    holding only a build lock (a build is starting, or one of such a version died at once)."""
    return (
        (folder / INDEX_MARKER).is_file()
        or _read_pointer(folder) is not None
        or any(_read_pointer(folder / audience) is not None for audience in AUDIENCES)
        or {item.name for item in folder.iterdir()} == {".lock"}
    )


def audience_folder(folder: Path, audience: str) -> Path:
    """The index of one audience inside the index folder `folder`."""
    if audience not in VISIBLE:
        raise FatalError(f"unknown audience {audience!r}; use one of: {', '.join(AUDIENCES)}")
    return folder / audience


def live_generation(folder: Path, audience: str = DEFAULT_AUDIENCE) -> Path | None:
    """The generation the audience's CURRENT points at, if it is complete and of this
    version's format (it may be a smaller audience's generation: see the module docstring)."""
    where = audience_folder(folder, audience)
    pointer = _read_pointer(where)
    if pointer is None or pointer[1] != FORMAT:
        return None
    return where / pointer[0]


_POINTER = re.compile(r"(?:\.\./(?:public|internal)/)?gen-\d{6}")


def _read_pointer(folder: Path) -> tuple[str, int] | None:
    try:
        name, _, version = (folder / CURRENT).read_text(encoding="utf-8").strip().partition(" ")
    except (OSError, UnicodeDecodeError):
        return None
    if not _POINTER.fullmatch(name) or not (folder / name / MANIFEST).is_file():
        return None
    return name, int(version) if version.isdigit() else 0


def open_engine(folder: Path, audience: str = DEFAULT_AUDIENCE) -> Engine:
    """The index of `audience` in the index folder `folder`, opened for searching."""
    where = audience_folder(folder, audience)
    pointer = _read_pointer(where)
    if pointer is None:
        if _read_pointer(folder) is not None:  # an index of the layout before audiences
            raise FatalError(
                f"the search index in {folder} was built by another version of supportkb: "
                "run `kb index` to rebuild it"
            )
        raise FatalError(
            f"no search index for the {audience} audience in {folder}: run `kb index` first"
        )
    if pointer[1] != FORMAT:
        raise FatalError(
            f"the search index in {folder} was built by another version of supportkb: "
            "run `kb index` to rebuild it"
        )
    from supportkb.search.backend.engine import Engine  # Whoosh: only when searching

    generation = where / pointer[0]
    use_word_table(folder)
    try:
        return Engine.open(generation)
    except Exception as exc:  # a damaged index: say so instead of a traceback
        raise FatalError(
            f"cannot open the search index in {generation}: {exc}; run `kb index --rebuild`"
        ) from None


def read_related(folder: Path, audience: str = DEFAULT_AUDIENCE) -> dict[str, list[dict[str, Any]]]:
    generation = live_generation(folder, audience)
    if generation is None:
        return {}
    try:
        data = json.loads((generation / RELATED).read_bytes())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """An operating-system lock (flock), released by the kernel when its holder dies. The
    workers a build forks neither keep it (their copy of the descriptor is closed) nor outlive
    the build (see `workers`): a killed build never blocks the next one."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FatalError(
                f"another `kb index` is updating {folder}; try again when it ends"
            ) from None
        try:
            with workers_end_with_me(close=(handle.fileno(),)):
                _remove_leftovers(folder)
                yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# -- building -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    root: Path
    config: KnowledgeBaseConfig
    registry: OwnerRegistry
    site_url: str
    use_directory_urls: bool
    docs_dir: str  # MkDocs' docs_dir, relative to the root: its files lose that prefix


def build_index(
    root: Path,
    folder: Path | None = None,
    *,
    rebuild: bool = False,
    processes: int | None = None,
    progress: Progress | None = None,
) -> IndexReport:
    """Bring the index of every audience of the knowledge base at `root` up to date; see the
    module docstring. Each document file is read and cut once, whichever indexes it goes to.
    The report is that of the index that holds every document (the restricted audience's)."""
    started = time.perf_counter()
    target = index_folder(root, folder)
    context = _context(root)
    claim_index_folder(root, target)
    with _build_lock(target):
        _mark_index(target)
        if rebuild:  # the word table too (it is written again while the workers finish)
            for table in target.glob("words-*.sqlite"):
                table.unlink()
        _remove_old_layout(target)
        key = _manifest_key(context)
        stamps = document_stamps(root)
        documents = _Documents(context)
        reports: dict[str, IndexReport] = {}
        visibility: dict[str, str] | None = None
        for audience in AUDIENCES:
            same = _same_as(audience, visibility) if visibility is not None else None
            if same is not None:  # its documents are exactly those of a smaller audience
                _point_at(target, audience, same, reports[same].generation)
                reports[audience] = reports[same]
                continue
            pass_ = _Pass(context, target, audience, stamps, key, documents, processes, progress)
            reports[audience], visibility = pass_.run(rebuild)
    widest = reports[AUDIENCES[-1]]
    return replace(
        widest,
        rebuilt=any(r.rebuilt for r in reports.values()),
        audiences=tuple((a, reports[a].documents) for a in AUDIENCES),
        seconds=time.perf_counter() - started,
    )


def _same_as(audience: str, visibility: dict[str, str]) -> str | None:
    """The smallest audience that may see exactly the documents `audience` may see."""
    present = set(visibility.values())
    for smaller in AUDIENCES[: AUDIENCES.index(audience)]:
        if not present & (VISIBLE[audience] - VISIBLE[smaller]):
            return smaller
    return None


def _point_at(target: Path, audience: str, same: str, generation: str) -> None:
    """Make the audience's CURRENT name the generation of the smaller audience `same`. Its own
    generation stays for one more build (a searcher may have it open)."""
    where = audience_folder(target, audience)
    where.mkdir(parents=True, exist_ok=True)
    live = live_generation(target, audience)
    own = live.name if live is not None and live.parent == where else ""
    write_atomic(where / CURRENT, f"../{same}/{generation} {FORMAT}\n".encode())
    _remove_old_generations(where, keep={own})


def _remove_old_layout(folder: Path) -> None:
    """The single index of every document that versions before audiences wrote at the top
    of the index folder (written by `kb index`: its own files only)."""
    if not (folder / CURRENT).is_file():
        return
    for item in folder.glob("gen-[0-9]*"):
        shutil.rmtree(item, ignore_errors=True)
    for name in ("related.sqlite", "related.sqlite-wal", "related.sqlite-shm", CURRENT):
        (folder / name).unlink(missing_ok=True)


class _Documents:
    """Each document file read and cut once per build, whichever audiences' indexes need it."""

    def __init__(self, context: _Context) -> None:
        self.context = context
        self._read: dict[str, tuple[bytes | None, str]] = {}
        self._entries: dict[str, tuple[str, IndexEntry | None, str]] = {}

    def digest(self, path: str) -> str:
        if path in self._entries:
            return self._entries[path][0]
        if path not in self._read:
            self._read[path] = _read(self.context.root, path)
        return self._read[path][1]

    def entry(self, path: str) -> tuple[str, IndexEntry | None, str]:
        """(digest, the entry or None, why not)."""
        if path not in self._entries:
            found = self._read.pop(path, None)
            raw, digest = found if found is not None else _read(self.context.root, path)
            entry, why = _entry(self.context, path, raw, digest)
            self._entries[path] = (digest, entry, why)
        return self._entries[path]


@dataclass(frozen=True)
class _Pass:
    """The update of one audience's index."""

    context: _Context
    target: Path  # the index folder
    audience: str
    stamps: dict[str, tuple[int, int]]
    key: str
    documents: _Documents
    processes: int | None
    progress: Progress | None

    def run(self, rebuild: bool) -> tuple[IndexReport, dict[str, str]]:
        """The report, and every readable document's visibility."""
        where = audience_folder(self.target, self.audience)
        where.mkdir(parents=True, exist_ok=True)
        live = live_generation(self.target, self.audience)
        if live is not None and live.parent != where:  # a smaller audience's: start over
            live = None
        previous = Manifest.load(live / MANIFEST) if live else None
        full = rebuild or previous is None or previous.key != self.key or not _related_follow(live)
        changed = _changed(self.stamps, None if full else previous)
        if previous is not None and not full:
            changed |= {
                path
                for path in previous.skipped
                if path in self.stamps
                and self.documents.digest(path) != previous.files[path].digest
            }  # left out last time: a permission fixed does not change the modification time
        if (
            not full
            and previous is not None
            and not changed
            and set(self.stamps) == set(previous.files)
        ):
            _remove_unfinished_generations(where, live)
            visible = VISIBLE[self.audience]
            report = IndexReport(
                live.name if live else "",
                sum(1 for v in previous.visibility.values() if v in visible),
                skipped=tuple(sorted(previous.skipped.items())),  # said again on every run
            )
            return report, previous.visibility
        from supportkb.search.indexing.related import StateDamaged  # not needed by searches

        build = _Build(
            self.context,
            where,
            self.audience,
            self.documents,
            self.stamps,
            changed,
            self.key,
            self.processes or _cores(),
            self.progress,
        )
        try:
            report, visibility = build.write(None if full else live, None if full else previous)
            if previous is not None and not full and _narrowed(self.audience, previous, visibility):
                report, visibility = build.write(None, None)
        except StateDamaged:  # the related lists' state: start over, as a full build does
            report, visibility = build.write(None, None)
        write_atomic(where / CURRENT, f"{report.generation} {FORMAT}\n".encode())
        _remove_old_generations(where, keep={report.generation, live.name if live else ""})
        return report, visibility


def _narrowed(audience: str, previous: Manifest, visibility: dict[str, str]) -> bool:
    """Whether a document this audience could see is still there but may no longer be seen by
    it. Whoosh keeps a deleted document's words and statistics until its segment is merged:
    they would still shape this audience's scores and "did you mean", so the index is written
    again from what the audience may see."""
    visible = VISIBLE[audience]
    return any(
        was in visible and path in visibility and visibility[path] not in visible
        for path, was in previous.visibility.items()
    )


@dataclass(frozen=True)
class _Build:
    """What a build writes from, whether it updates the live generation or starts over."""

    context: _Context
    folder: Path  # the audience's folder
    audience: str
    documents: _Documents
    stamps: dict[str, tuple[int, int]]
    changed: set[str]
    key: str
    processes: int
    progress: Progress | None

    def write(
        self, live: Path | None, previous: Manifest | None
    ) -> tuple[IndexReport, dict[str, str]]:
        """A new generation: from `live` and its manifest `previous`, or from nothing."""
        full = previous is None
        generation = _new_generation(self.folder, live)
        if not full:  # a few documents: cut with the word table (a full build writes it)
            use_word_table(self.folder.parent, create=True)
        try:
            return _write(self, generation, previous, full)
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise


def _write(
    build: _Build, generation: Path, previous: Manifest | None, full: bool
) -> tuple[IndexReport, dict[str, str]]:
    stamps, changed, progress = build.stamps, build.changed, build.progress
    visible = VISIBLE[build.audience]
    known = previous.files if previous else {}
    todo = sorted(stamps) if full else sorted(changed)
    removed = sorted(set(known) - set(stamps)) if previous else []
    manifest = Manifest(
        build.key,
        {p: s for p, s in known.items() if p in stamps},
        {
            p: w
            for p, w in (previous.skipped if previous else {}).items()
            if p in stamps and p not in changed
        },
        {p: v for p, v in (previous.visibility if previous else {}).items() if p in stamps},
    )
    entries: list[IndexEntry] = []
    skipped: list[tuple[str, str]] = []

    def read() -> Iterator[IndexEntry]:
        """Each document to index, in turn (collected in `entries`)."""
        for number, path in enumerate(todo, 1):
            old = known.get(path)
            if old is not None and not full and old.digest == build.documents.digest(path):
                manifest.files[path] = FileStamp(*stamps[path], old.digest)  # touched only
                continue
            digest, entry, why = build.documents.entry(path)
            manifest.files[path] = FileStamp(*stamps[path], digest)
            if entry is None:
                manifest.skipped[path] = why
                manifest.visibility.pop(path, None)
                skipped.append((path, why))
                removed.append(path)  # a document that became unreadable leaves the index
            else:
                manifest.skipped.pop(path, None)
                manifest.visibility[path] = entry.visibility
                if entry.visibility in visible:
                    entries.append(entry)
                    yield entry
                else:
                    removed.append(path)  # not for this audience (any more)
            if progress:
                progress(number, len(todo))

    def finish() -> None:
        """The related lists and, after a full build, the word table for later short cuts."""
        from supportkb.search.indexing.related import update_related  # not needed by searches

        update_related(build.folder, generation, entries, removed, full)
        if full:
            use_word_table(build.folder.parent, create=True)

    from supportkb.search.backend.engine import Engine  # Whoosh and NumPy: only when writing

    engine = Engine.create(generation) if full else Engine.open(generation)
    if full:  # the workers index documents while the next ones are read, and finish after
        many = build.processes if len(todo) > 200 else 1
        engine.write(read(), [], processes=many, fresh=True, during_commit=finish)
    else:  # the removals are known once every changed file has been read
        engine.write(list(read()), removed)
        finish()
    write_atomic(generation / MANIFEST, manifest.dumps(), durable=False)
    added = tuple(e.path for e in entries if e.path not in known or full)
    updated = tuple(e.path for e in entries if e.path in known and not full)
    report = IndexReport(
        generation=generation.name,
        documents=engine.doc_count(),
        added=added,
        updated=updated,
        removed=tuple(p for p in removed if p in known and p not in manifest.skipped),
        skipped=tuple(sorted(manifest.skipped.items())) if full else tuple(skipped),
        rebuilt=full,
    )
    return report, manifest.visibility


def _related_follow(live: Path | None) -> bool:
    """Whether the related lists' state describes the live generation (see `related`)."""
    from supportkb.search.indexing.related import describes

    return live is not None and describes(live.parent) == live.name


def _context(root: Path) -> _Context:
    config = load_config(root)
    registry, _ = load_registry(root)
    settings = mkdocs_settings(root)
    return _Context(
        root,
        config,
        registry,
        str(settings.get("site_url") or ""),
        bool(settings.get("use_directory_urls", True)),
        str(settings["docs_dir"]),  # DOCS_DIR unless mkdocs.yml says otherwise
    )


def _manifest_key(context: _Context) -> str:
    """What every entry depends on besides its own file: a change means a full rebuild."""
    owners = context.root / "owners.yml"
    payload = {
        "format": FORMAT,
        "review_every": {str(k): str(v) for k, v in context.config.review_every.items()},
        "site_url": context.site_url,
        "directory_urls": context.use_directory_urls,
        "docs_dir": context.docs_dir,
        "owners": hashlib.sha256(owners.read_bytes()).hexdigest() if owners.is_file() else "",
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _changed(stamps: dict[str, tuple[int, int]], previous: Manifest | None) -> set[str]:
    """The paths whose stamp differs from the manifest's (every path without one)."""
    known = previous.files if previous else {}
    return {
        path
        for path, stamp in stamps.items()
        if (old := known.get(path)) is None or (old.mtime_ns, old.size) != stamp
    }


def _read(root: Path, path: str) -> tuple[bytes | None, str]:
    try:
        raw = read_bytes(os.path.join(root, path))
    except OSError:
        return None, ""
    return raw, hashlib.blake2b(raw, digest_size=16).hexdigest()


def _entry(
    context: _Context, path: str, raw: bytes | None, digest: str
) -> tuple[IndexEntry | None, str]:
    location = _location(path)
    if raw is None or location is None:
        return None, "cannot read the file"
    source, findings = read_source(path, raw)
    if source is None:
        return None, findings[0].message if findings else "cannot read the front-matter"
    facts = read_body(source.body, source.body_line)
    document, problems = build_document(
        location, source.front_matter, source.key_lines, facts.links
    )
    if document is None:
        return None, problems[0].message if problems else "the front-matter has no usable id"
    headings = " ".join(h.text for h in facts.headings)
    return _index_entry(context, document, headings, plain_text(source.body), digest), ""


def _location(path: str) -> Location | None:
    from supportkb.documents.layout import locate

    return locate(path)


def _index_entry(
    context: _Context, document: Document, headings: str, body: str, digest: str
) -> IndexEntry:
    rule = FreshnessRule(context.config)
    owner = document.owner
    groups = [owner, *(t.id for t in context.registry.teams.values() if owner in t.members)]
    return IndexEntry(
        path=document.path,
        id=document.id,
        title=document.title,
        type=str(document.type),
        status=str(document.status),
        owner=owner,
        owner_groups=tuple(groups),
        visibility=str(document.visibility),
        headings=headings,
        body=body,
        tags=document.tags,
        category=document.category or "",
        kind=document.kind or "",
        products=tuple(sorted({a.product for a in document.applies_to})),
        version=document.version or "",
        last_reviewed=document.last_reviewed,
        review_due=rule.review_due(document) if rule.is_held(document) else None,
        url=page_url(
            context.site_url, document.path, context.use_directory_urls, context.docs_dir
        ),
        digest=digest,
    )


def page_url(
    site_url: str, repo_path: str, directory_urls: bool = True, docs_dir: str = DOCS_DIR
) -> str:
    """The published page of a document (documents in MkDocs' docs_dir lose that prefix)."""
    path = site_path(repo_path, docs_dir)
    stem = path[: -len(".md")]
    if directory_urls:
        page = (
            posixpath.dirname(stem) + "/"
            if posixpath.basename(stem) in ("index", "README")
            else stem + "/"
        )
    else:
        page = stem + ".html"
    page = page.lstrip("/")
    return (site_url.rstrip("/") + "/" + page) if site_url else page


_HTML_TAGS = (
    "a",
    "abbr",
    "b",
    "br",
    "code",
    "del",
    "details",
    "div",
    "em",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
)
_MARKUP = [
    (re.compile(r"^\s*(```|~~~)[^\n]*$", re.M), " "),  # fence lines (the code is kept)
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"</?(?:" + "|".join(_HTML_TAGS) + r")\b[^>\n]*>", re.I), " "),
    (re.compile(r"^\s{0,3}(#{1,6}|>|[-*+]|\d+\.)\s+", re.M), ""),
    (re.compile(r'^!!!\s*\w+\s*"?([^"\n]*)"?', re.M), r"\1"),
    # corp_vpn keeps its _ (each branch starts with its character: the engine scans for them)
    (re.compile(r"[*`|]{1,3}|_(?<!\w_)_?|_{1,2}(?!\w)"), " "),
    (re.compile(r"^\s*:?-{3,}:?\s*$", re.M), ""),
]


_SPACES = re.compile(r"[ \t]{2,}|\t")


def plain_text(markdown: str) -> str:
    """Body text for the index and its snippets, without Markdown punctuation."""
    text = markdown
    for pattern, replacement in _MARKUP:
        text = pattern.sub(replacement, text)
    return _SPACES.sub(" ", text).strip()


def _new_generation(folder: Path, live: Path | None) -> Path:
    numbers = [int(p.name[4:]) for p in folder.glob("gen-[0-9]*") if p.name[4:].isdigit()]
    generation = folder / f"gen-{max(numbers, default=0) + 1:06d}"
    shutil.rmtree(generation, ignore_errors=True)
    generation.mkdir(parents=True)
    if live is not None:
        for item in live.iterdir():
            if item.is_file() and item.name != MANIFEST and not item.name.endswith("LOCK"):
                os.link(item, generation / item.name)  # Whoosh files are never rewritten
    return generation


def _remove_unfinished_generations(folder: Path, live: Path | None) -> None:
    """Generations newer than the live one were left by builds that were stopped (this runs
    under the build lock, so none is being written)."""
    if live is None:
        return
    for item in folder.glob("gen-*"):
        if item.name > live.name:
            shutil.rmtree(item, ignore_errors=True)


def _remove_leftovers(folder: Path) -> None:
    """What a build that died left behind, in the index folder and in each audience's folder
    (this runs under the build lock, so no build is writing): generations newer than the one
    CURRENT names (all of them when it names none; none when it names a smaller audience's,
    its own older ones go with the next build), temporary files of atomic writes and of the
    word table with their SQLite journals, and a related-lists database that was never put in
    place. `related.sqlite`'s own write-ahead log is not a leftover: it holds committed
    changes, and SQLite folds it in when it next opens."""
    for where in (folder, *(folder / audience for audience in AUDIENCES)):
        if where.is_dir() and not where.is_symlink():
            _remove_leftovers_in(where)


def _remove_leftovers_in(folder: Path) -> None:
    pointer = _read_pointer(folder)
    shared = pointer is not None and "/" in pointer[0]  # names a smaller audience's generation
    for item in folder.glob("gen-*"):
        newer = pointer is None or item.name > pointer[0]
        if item.is_dir() and not item.is_symlink() and newer and not shared:
            shutil.rmtree(item, ignore_errors=True)
    for pattern in (".*.tmp", ".*.tmp-journal", "*.sqlite.new", "*.sqlite.new-journal"):
        for leftover in folder.glob(pattern):
            if leftover.is_file() or leftover.is_symlink():
                leftover.unlink(missing_ok=True)


def _remove_old_generations(folder: Path, keep: set[str]) -> None:
    for item in folder.glob("gen-*"):
        if item.name not in keep:
            shutil.rmtree(item, ignore_errors=True)


def _cores() -> int:
    return max(
        1,
        min(
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1,
            4,
        ),
    )
