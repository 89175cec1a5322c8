"""A knowledge base checkout read into memory: configuration, owners and documents.

Reading is shared by every command: per-file results come from the per-user cache where a
file has not changed, and many files are read by worker processes on every core.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from supportkb.documents.fields import Location, did_you_mean
from supportkb.documents.findings import Finding
from supportkb.documents.layout import checkout_folders, discover
from supportkb.documents.model import Document
from supportkb.errors import FatalError
from supportkb.system.safe_read import read_head
from supportkb.workspace.cache import Batch, ResultCache, Stamp
from supportkb.workspace.codeowners import CODEOWNERS_FILE
from supportkb.workspace.file_analysis import FileResult, SectionRules, analyse_file
from supportkb.workspace.owners import REGISTRY_FILE, OwnerRegistry, load_registry
from supportkb.workspace.settings import KnowledgeBaseConfig, load_config

INPUT_FILES = (REGISTRY_FILE, CODEOWNERS_FILE)
PARALLEL_THRESHOLD = 400  # below this many files to read, worker processes cost more than they save


@dataclass(frozen=True)
class KnowledgeBase:
    root: Path
    config: KnowledgeBaseConfig
    registry: OwnerRegistry
    registry_findings: tuple[Finding, ...]
    files: dict[str, FileResult]  # every document file, readable or not, by path

    @property
    def documents(self) -> tuple[Document, ...]:
        return tuple(r.document for r in self.files.values() if r.document is not None)


_ID_LINE = re.compile(r"^id:\s*['\"]?([A-Z]+-[0-9]+)", re.MULTILINE)  # ASCII digits only


def ids_in_unreadable_files(root: Path, files: dict[str, FileResult]) -> dict[str, str]:
    """Ids written in files whose front-matter could not be read (id -> path), so that other
    documents citing them are not reported as pointing nowhere."""
    found: dict[str, str] = {}
    within = checkout_folders(root)
    for path, result in files.items():
        if result.document is None:
            with contextlib.suppress(OSError):
                raw = read_head(os.path.join(root, path), 4096, within)
                head = raw.decode("utf-8", errors="replace")
                found.update((doc_id, path) for doc_id in _ID_LINE.findall(head))
    return found


def find_document(kb: KnowledgeBase, doc_id: str) -> Document:
    """The document with id `doc_id`; `FatalError` naming the reason when there is not
    exactly one (none, a close id, an unreadable file that holds it, two files using it)."""
    matches = [d for d in kb.documents if d.id == doc_id]
    unreadable = ids_in_unreadable_files(kb.root, kb.files)
    if not matches and doc_id in unreadable:
        path = unreadable[doc_id]
        reason = kb.files[path].findings[0]
        raise FatalError(
            f"{path}:{reason.line}: {doc_id} is in a file whose front-matter cannot be read "
            f"({reason.message}); fix it first (kb check {path})"
        )
    if not matches:
        hint = did_you_mean(doc_id, [d.id for d in kb.documents])
        raise FatalError(f"no document has the id {doc_id}" + (f"; {hint}" if hint else ""))
    if len(matches) > 1:
        raise FatalError(
            f"{doc_id} is used by {', '.join(d.path for d in matches)}: fix that first"
        )
    return matches[0]


def load_knowledge_base(root: Path, use_cache: bool = True) -> KnowledgeBase:
    config = load_config(root)
    inventory = Inventory.take(root)
    with fewer_collections():
        registry, registry_findings = load_registry(root)
        cache = ResultCache(root, config.fingerprint(), read=use_cache)
        files = read_documents(inventory, config, cache)
    return KnowledgeBase(root, config, registry, tuple(registry_findings), files)


@dataclass(frozen=True)
class Inventory:
    """The documents on disk and their stamps, taken once at the start of a run. Without a
    cache to compare with (a first run, every CI run), the stamps are left to the worker
    processes that read the files: 10,000 stat calls are then made in parallel."""

    root: Path
    stamps: dict[str, Stamp | None]
    locations: dict[str, Location]
    inputs: dict[str, Stamp]  # other files the findings depend on (owners.yml, CODEOWNERS)
    unnamed: tuple[str, ...] = ()  # files and folders whose names are not UTF-8 (escaped)

    @classmethod
    def take(cls, root: Path, with_stamps: bool = True) -> Inventory:
        base = str(root)
        unnamed: list[str] = []
        locations = {location.path: location for location in discover(root, unnamed)}
        stamps: dict[str, Stamp | None] = {
            path: Stamp.of(os.path.join(base, path)) if with_stamps else None for path in locations
        }
        inputs = {name: Stamp.of(os.path.join(base, name)) for name in INPUT_FILES}
        return cls(root, stamps, locations, inputs, tuple(unnamed))

    @property
    def settled(self) -> bool:
        inputs = all(stamp.settled or stamp.size < 0 for stamp in self.inputs.values())
        return inputs and all(stamp is not None and stamp.settled for stamp in self.stamps.values())

    def key(self, config: KnowledgeBaseConfig, as_of: date) -> str:
        digest = hashlib.sha256(
            repr((as_of, config, sorted(self.inputs.items()), self.unnamed)).encode()
        )
        for path, stamp in self.stamps.items():
            if stamp is None:
                raise ValueError("stamps are known once the files have been read")
            digest.update(
                f"{path}\0{stamp.mtime_ns}\0{stamp.size}\0{stamp.ctime_ns}\0{stamp.inode}\n".encode()
            )
        return digest.hexdigest()


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Reading thousands of documents allocates millions of small objects that all live until
    the end, and form no cycles: running the cyclic garbage collector less often saves about
    a tenth of a cold check (measured with bench/check_speed.py)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def read_documents(
    inventory: Inventory,
    config: KnowledgeBaseConfig,
    cache: ResultCache,
    each: Callable[[FileResult], object] = lambda result: None,
) -> dict[str, FileResult]:
    """Every document's per-file result, from the cache where the file has not changed.

    `each` sees every result as soon as it is known, so that a caller can do its own work
    while worker processes are still reading files."""
    sections = SectionRules(config.required_sections, config.section_names)
    results: dict[str, FileResult] = {}
    stale: list[Location] = []
    for path, stamp in inventory.stamps.items():
        cached = cache.file_result(path, stamp) if stamp is not None else None
        if cached is None:
            stale.append(inventory.locations[path])
        else:
            results[path] = cached
            each(cached)
    batches = []
    for batch in _analyse(inventory.root, stale, sections):
        for path, result, stamp in zip(batch.paths, batch.results(), batch.stamps, strict=True):
            results[path] = result
            inventory.stamps[path] = inventory.stamps[path] or stamp
            each(result)
        batches.append(batch)
    ordered = {path: results[path] for path in inventory.stamps}
    stamps = {path: stamp for path, stamp in inventory.stamps.items() if stamp is not None}
    cache.save_files(stamps, ordered, batches)
    return ordered


def _analyse(root: Path, locations: list[Location], sections: SectionRules) -> Iterator[Batch]:
    """Analyse files; with many, in worker processes on every core, a few batches each so that
    this process unpickles early batches while the workers go on."""
    if not locations:
        return
    processes = min(os.cpu_count() or 1, 8)
    if len(locations) < PARALLEL_THRESHOLD or processes < 2:
        yield _analyse_batch(root, locations, sections)
        return
    from concurrent.futures import ProcessPoolExecutor  # only runs that need it pay the import

    size = -(-len(locations) // (processes * 4))
    parts = [locations[start : start + size] for start in range(0, len(locations), size)]
    from supportkb.system.processes import (
        end_with_parent,  # killed with this process, never orphaned
    )

    with ProcessPoolExecutor(
        processes, initializer=end_with_parent, initargs=(os.getpid(),)
    ) as pool:
        yield from pool.map(_analyse_batch, [root] * len(parts), parts, [sections] * len(parts))


def _analyse_batch(root: Path, locations: list[Location], sections: SectionRules) -> Batch:
    # each stamp is taken before the file is read: a change while reading shows next time
    stamps = [Stamp.of(os.path.join(root, location.path)) for location in locations]
    results = [analyse_file(root, location, sections) for location in locations]
    return Batch.of((location.path for location in locations), results, stamps)
