"""`kb index`: the search index of a knowledge base, kept up to date incrementally and swapped
in atomically.

The index folder (default `.kb-index/`, git-ignored) holds generations:

    .kb-index/CURRENT         name of the live generation (replaced atomically)
    .kb-index/gen-000012/     a complete Whoosh index, its manifest and related.json
    .kb-index/related.sqlite  what the related lists are computed from (see `related`)
    .kb-index/.lock           held while a build runs

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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from supportkb.analysis import _read as read_bytes
from supportkb.atomic import write_atomic
from supportkb.body import read_body
from supportkb.config import KnowledgeBaseConfig, load_config, mkdocs_settings
from supportkb.errors import FatalError
from supportkb.fields import Location, build_document
from supportkb.freshness import FreshnessRule
from supportkb.index_entry import IndexEntry
from supportkb.layout import document_stamps
from supportkb.model import Document
from supportkb.output_folder import OutputFolder, claim_folder
from supportkb.owners import OwnerRegistry, load_registry
from supportkb.source import read_source
from supportkb.text_analysis import use_word_table
from supportkb.workers import workers_end_with_me

if TYPE_CHECKING:
    from supportkb.search_engine import Engine

DEFAULT_FOLDER = ".kb-index"
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
RELATED = "related.json"
FORMAT = 8  # bump when the schema or the analysis changes: forces a full rebuild

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

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.rebuilt)


@dataclass
class Manifest:
    key: str
    files: dict[str, FileStamp] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # unreadable documents, with why

    def dumps(self) -> bytes:
        payload = {
            "format": FORMAT,
            "key": self.key,
            "files": dict(sorted(self.files.items())),  # each stamp as a list
            "skipped": self.skipped,
        }
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        try:
            payload = json.loads(path.read_bytes())
            files = {
                p: FileStamp(int(a), int(b), str(c)) for p, (a, b, c) in payload["files"].items()
            }
            return cls(str(payload["key"]), files, dict(payload.get("skipped", {})))
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
    """Marked by `claim_index_folder`, written by a version that did not mark (CURRENT), or
    holding only a build lock (a build is starting, or one of such a version died at once)."""
    return (
        (folder / INDEX_MARKER).is_file()
        or _read_pointer(folder) is not None
        or {item.name for item in folder.iterdir()} == {".lock"}
    )


def live_generation(folder: Path) -> Path | None:
    """The generation CURRENT points at, if it is complete and of this version's format."""
    pointer = _read_pointer(folder)
    if pointer is None or pointer[1] != FORMAT:
        return None
    return folder / pointer[0]


def _read_pointer(folder: Path) -> tuple[str, int] | None:
    try:
        name, _, version = (folder / CURRENT).read_text(encoding="utf-8").strip().partition(" ")
    except (OSError, UnicodeDecodeError):
        return None
    if not re.fullmatch(r"gen-\d{6}", name) or not (folder / name / MANIFEST).is_file():
        return None
    return name, int(version) if version.isdigit() else 0


def open_engine(folder: Path) -> Engine:
    pointer = _read_pointer(folder)
    if pointer is None:
        raise FatalError(f"no search index in {folder}: run `kb index` first")
    if pointer[1] != FORMAT:
        raise FatalError(
            f"the search index in {folder} was built by another version of supportkb: "
            "run `kb index` to rebuild it"
        )
    from supportkb.search_engine import Engine  # Whoosh: only when searching

    generation = folder / pointer[0]
    use_word_table(folder)
    try:
        return Engine.open(generation)
    except Exception as exc:  # a damaged index: say so instead of a traceback
        raise FatalError(
            f"cannot open the search index in {generation}: {exc}; run `kb index --rebuild`"
        ) from None


def read_related(folder: Path) -> dict[str, list[dict[str, Any]]]:
    generation = live_generation(folder)
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


def build_index(
    root: Path,
    folder: Path | None = None,
    *,
    rebuild: bool = False,
    processes: int | None = None,
    progress: Progress | None = None,
) -> IndexReport:
    """Bring the index of the knowledge base at `root` up to date; see the module docstring."""
    started = time.perf_counter()
    target = index_folder(root, folder)
    context = _context(root)
    claim_index_folder(root, target)
    with _build_lock(target):
        _mark_index(target)
        if rebuild:  # the word table too (it is written again while the workers finish)
            for table in target.glob("words-*.sqlite"):
                table.unlink()
        live = live_generation(target)
        previous = Manifest.load(live / MANIFEST) if live else None
        key = _manifest_key(context)
        full = rebuild or previous is None or previous.key != key or not _related_follow(live)
        stamps, changed = _scan(root, None if full else previous)
        if previous is not None and not full:
            changed |= _readable_again(root, previous, stamps)
        if not full and previous is not None and not changed and set(stamps) == set(previous.files):
            _remove_unfinished_generations(target, live)
            return IndexReport(
                live.name if live else "",
                len(previous.files) - len(previous.skipped),
                skipped=tuple(sorted(previous.skipped.items())),  # said again on every run
                seconds=time.perf_counter() - started,
            )
        from supportkb.related import StateDamaged  # not needed by searches

        build = _Build(context, target, stamps, changed, key, processes or _cores(), progress)
        try:
            report = build.write(None if full else live, None if full else previous)
        except StateDamaged:  # the related lists' state: start over, as a full build does
            report = build.write(None, None)
        write_atomic(target / CURRENT, f"{report.generation} {FORMAT}\n".encode())
        _remove_old_generations(target, keep={report.generation, live.name if live else ""})
    return IndexReport(**{**report.__dict__, "seconds": time.perf_counter() - started})


@dataclass(frozen=True)
class _Build:
    """What a build writes from, whether it updates the live generation or starts over."""

    context: _Context
    folder: Path
    stamps: dict[str, tuple[int, int]]
    changed: set[str]
    key: str
    processes: int
    progress: Progress | None

    def write(self, live: Path | None, previous: Manifest | None) -> IndexReport:
        """A new generation: from `live` and its manifest `previous`, or from nothing."""
        full = previous is None
        generation = _new_generation(self.folder, live)
        if not full:  # a few documents: cut with the word table (a full build writes it)
            use_word_table(self.folder, create=True)
        try:
            return _write(
                self.context,
                self.folder,
                generation,
                previous,
                self.stamps,
                self.changed,
                self.key,
                full,
                self.processes,
                self.progress,
            )
        except BaseException:
            shutil.rmtree(generation, ignore_errors=True)
            raise


def _write(
    context: _Context,
    folder: Path,
    generation: Path,
    previous: Manifest | None,
    stamps: dict[str, tuple[int, int]],
    changed: set[str],
    key: str,
    full: bool,
    processes: int,
    progress: Progress | None,
) -> IndexReport:
    known = previous.files if previous else {}
    todo = sorted(stamps) if full else sorted(changed)
    removed = sorted(set(known) - set(stamps)) if previous else []
    manifest = Manifest(
        key,
        {p: s for p, s in known.items() if p in stamps},
        {
            p: w
            for p, w in (previous.skipped if previous else {}).items()
            if p in stamps and p not in changed
        },
    )
    entries: list[IndexEntry] = []
    skipped: list[tuple[str, str]] = []

    def read() -> Iterator[IndexEntry]:
        """Each document to index, in turn (collected in `entries`)."""
        for number, path in enumerate(todo, 1):
            raw, digest = _read(context.root, path)
            stamp = FileStamp(*stamps[path], digest)
            old = known.get(path)
            if old is not None and old.digest == digest and not full:
                manifest.files[path] = stamp  # touched, not changed
                continue
            entry, why = _entry(context, path, raw, digest)
            manifest.files[path] = stamp
            if entry is None:
                manifest.skipped[path] = why
                skipped.append((path, why))
                removed.append(path)  # a document that became unreadable leaves the index
            else:
                manifest.skipped.pop(path, None)
                entries.append(entry)
                yield entry
            if progress:
                progress(number, len(todo))

    def finish() -> None:
        """The related lists and, after a full build, the word table for later short cuts."""
        from supportkb.related import update_related  # not needed by searches

        update_related(folder, generation, entries, removed, full)
        if full:
            use_word_table(folder, create=True)

    from supportkb.search_engine import Engine  # Whoosh and NumPy: only when writing

    engine = Engine.create(generation) if full else Engine.open(generation)
    if full:  # the workers index documents while the next ones are read, and finish after
        many = processes if len(todo) > 200 else 1
        engine.write(read(), [], processes=many, fresh=True, during_commit=finish)
    else:  # the removals are known once every changed file has been read
        engine.write(list(read()), removed)
        finish()
    write_atomic(generation / MANIFEST, manifest.dumps(), durable=False)
    added = tuple(e.path for e in entries if e.path not in known or full)
    updated = tuple(e.path for e in entries if e.path in known and not full)
    return IndexReport(
        generation=generation.name,
        documents=engine.doc_count(),
        added=added,
        updated=updated,
        removed=tuple(p for p in removed if p in known and p not in manifest.skipped),
        skipped=tuple(sorted(manifest.skipped.items())) if full else tuple(skipped),
        rebuilt=full,
    )


def _related_follow(live: Path | None) -> bool:
    """Whether the related lists' state describes the live generation (see `related`)."""
    from supportkb.related import describes

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
    )


def _manifest_key(context: _Context) -> str:
    """What every entry depends on besides its own file: a change means a full rebuild."""
    owners = context.root / "owners.yml"
    payload = {
        "format": FORMAT,
        "review_every": {str(k): str(v) for k, v in context.config.review_every.items()},
        "site_url": context.site_url,
        "directory_urls": context.use_directory_urls,
        "owners": hashlib.sha256(owners.read_bytes()).hexdigest() if owners.is_file() else "",
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _scan(root: Path, previous: Manifest | None) -> tuple[dict[str, tuple[int, int]], set[str]]:
    """Stamps of every document file, and the paths whose stamp differs from the manifest."""
    stamps = document_stamps(root)
    known = previous.files if previous else {}
    changed = {
        path
        for path, stamp in stamps.items()
        if (old := known.get(path)) is None or (old.mtime_ns, old.size) != stamp
    }
    return stamps, changed


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
    from supportkb.layout import locate

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
        url=page_url(context.site_url, document.path, context.use_directory_urls),
        digest=digest,
    )


def page_url(site_url: str, repo_path: str, directory_urls: bool = True) -> str:
    """The published page of a document (documents under docs/ lose that prefix)."""
    path = repo_path[len("docs/") :] if repo_path.startswith("docs/") else repo_path
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


def _readable_again(root: Path, previous: Manifest, stamps: dict[str, tuple[int, int]]) -> set[str]:
    """Files left out last time (unreadable, broken front-matter) whose content now differs:
    a permission fixed does not change the modification time, so they are read every time."""
    return {
        path
        for path in previous.skipped
        if path in stamps and _read(root, path)[1] != previous.files[path].digest
    }


def _remove_unfinished_generations(folder: Path, live: Path | None) -> None:
    """Generations newer than the live one were left by builds that were stopped (this runs
    under the build lock, so none is being written)."""
    if live is None:
        return
    for item in folder.glob("gen-*"):
        if item.name > live.name:
            shutil.rmtree(item, ignore_errors=True)


def _remove_leftovers(folder: Path) -> None:
    """What a build that died left behind (this runs under the build lock, so no build is
    writing): generations newer than the one CURRENT names (all of them when it names none),
    temporary files of atomic writes and of the word table with their SQLite journals, and a
    related-lists database that was never put in place. `related.sqlite`'s own write-ahead log
    is not a leftover: it holds committed changes, and SQLite folds it in when it next opens."""
    pointer = _read_pointer(folder)
    for item in folder.glob("gen-*"):
        if item.is_dir() and not item.is_symlink() and (pointer is None or item.name > pointer[0]):
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
