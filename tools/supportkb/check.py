"""`kb check`: validate every document and the owners registry, report every problem at once."""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from supportkb.analysis import FileResult, SectionRules, analyse_file
from supportkb.cache import Batch, ResultCache, Stamp
from supportkb.config import KnowledgeBaseConfig, load_config
from supportkb.errors import InvalidUsage
from supportkb.fields import Location
from supportkb.findings import Finding, Severity
from supportkb.layout import discover, locate
from supportkb.owners import REGISTRY_FILE, load_registry
from supportkb.rules import CrossCheck, PathProbe

PARALLEL_THRESHOLD = 400  # below this many files to read, worker processes cost more than they save


@dataclass(frozen=True)
class CheckResult:
    as_of: date
    documents: int  # how many documents the findings cover
    findings: tuple[Finding, ...]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.ERROR)

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity is Severity.WARNING)

    def failed(self, strict: bool = False) -> bool:
        return self.errors > 0 or (strict and self.warnings > 0)


@dataclass(frozen=True)
class Inventory:
    """The documents on disk and their stamps, taken once at the start of a run."""

    root: Path
    stamps: dict[str, Stamp]
    locations: dict[str, Location]
    registry: Stamp

    @classmethod
    def take(cls, root: Path) -> Inventory:
        base = str(root)
        locations = {location.path: location for location in discover(root)}
        stamps = {path: Stamp.of(os.path.join(base, path)) for path in locations}
        return cls(root, stamps, locations, Stamp.of(os.path.join(base, REGISTRY_FILE)))

    @property
    def settled(self) -> bool:
        return self.registry.settled and all(stamp.settled for stamp in self.stamps.values())

    def key(self, config: KnowledgeBaseConfig, as_of: date) -> str:
        digest = hashlib.sha256(repr((as_of, config, self.registry)).encode())
        for path, stamp in self.stamps.items():
            digest.update(f"{path}\0{stamp.mtime_ns}\0{stamp.size}\n".encode())
        return digest.hexdigest()


def check(
    root: Path, as_of: date, paths: Sequence[str] = (), use_cache: bool = True
) -> CheckResult:
    """Check the knowledge base at `root`; with `paths`, report only on those files."""
    selected = select(root, paths) if paths else None
    config = load_config(root)
    inventory = Inventory.take(root)
    cache = ResultCache(root, enabled=use_cache)
    key = inventory.key(config, as_of)
    findings = cache.snapshot(key)
    if findings is None:
        probe = PathProbe(root)
        with _fewer_collections():
            all_findings = _all_findings(inventory, config, as_of, cache, probe)
        findings = tuple(sorted(all_findings, key=lambda f: f.sort_key))
        if inventory.settled:
            cache.save_snapshot(key, probe.seen, findings)
    if selected is not None:
        findings = tuple(f for f in findings if f.path in selected)
        return CheckResult(as_of, len(selected & inventory.locations.keys()), findings)
    return CheckResult(as_of, len(inventory.locations), findings)


def _all_findings(
    inventory: Inventory,
    config: KnowledgeBaseConfig,
    as_of: date,
    cache: ResultCache,
    probe: PathProbe,
) -> list[Finding]:
    registry, findings = load_registry(inventory.root)
    files = read_documents(inventory, config, cache)
    documents = tuple(result.document for result in files.values() if result.document is not None)
    for result in files.values():
        findings.extend(result.findings)
    findings.extend(CrossCheck(config, registry, documents, as_of, probe).findings())
    return findings


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Reading thousands of documents allocates millions of small objects that all live until
    the end, and form no cycles: running the cyclic garbage collector less often saves about
    a tenth of a cold check (measured with bench/check_speed.py)."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def select(root: Path, paths: Iterable[str]) -> set[str]:
    """Paths given on the command line, relative to the root; files that are not documents are
    ignored (pre-commit passes whatever changed), files that do not exist are an error."""
    chosen = set()
    base = root.resolve()
    for given in paths:
        path = Path(given)
        full = (path if path.is_absolute() else Path.cwd() / path).resolve()
        if not full.exists():
            full = (base / given).resolve()
        if not full.exists():
            raise InvalidUsage(f"{given} does not exist")
        try:
            relative = full.relative_to(base).as_posix()
        except ValueError:
            raise InvalidUsage(f"{given} is outside the knowledge base at {root}") from None
        if relative == REGISTRY_FILE or locate(relative) is not None:
            chosen.add(relative)
    return chosen


def read_documents(
    inventory: Inventory, config: KnowledgeBaseConfig, cache: ResultCache
) -> dict[str, FileResult]:
    """Every document's per-file result, from the cache where the file has not changed."""
    sections = SectionRules(config.required_sections, config.section_names)
    results: dict[str, FileResult] = {}
    stale: list[Location] = []
    for path, stamp in inventory.stamps.items():
        cached = cache.file_result(path, stamp)
        if cached is None:
            stale.append(inventory.locations[path])
        else:
            results[path] = cached
    batches = []
    for batch in _analyse(inventory.root, stale, sections):
        results.update(zip(batch.paths, batch.results(), strict=True))
        batches.append(batch)
    ordered = {path: results[path] for path in inventory.stamps}
    cache.save_files(inventory.stamps, ordered, batches)
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
    with ProcessPoolExecutor(max_workers=processes) as pool:
        yield from pool.map(_analyse_batch, [root] * len(parts), parts, [sections] * len(parts))


def _analyse_batch(root: Path, locations: list[Location], sections: SectionRules) -> Batch:
    results = [analyse_file(root, location, sections) for location in locations]
    return Batch.of((location.path for location in locations), results)
