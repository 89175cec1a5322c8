"""`kb check`: validate every document and the owners registry, report every problem at once."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from functools import partial
from pathlib import Path

from supportkb.analysis import FileResult, SectionRules, analyse_file
from supportkb.cache import ResultCache, Stamp, stamp_of
from supportkb.config import KnowledgeBaseConfig, load_config
from supportkb.errors import InvalidUsage
from supportkb.fields import Location
from supportkb.findings import Finding, Severity
from supportkb.layout import discover, locate
from supportkb.model import Document
from supportkb.owners import REGISTRY_FILE, OwnerRegistry, load_registry
from supportkb.rules import CrossCheck

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
class KnowledgeBase:
    """A checkout's configuration, registry and documents, read once."""

    root: Path
    config: KnowledgeBaseConfig
    registry: OwnerRegistry
    registry_findings: tuple[Finding, ...]
    files: dict[str, FileResult]

    @property
    def documents(self) -> tuple[Document, ...]:
        return tuple(r.document for r in self.files.values() if r.document is not None)


def load_knowledge_base(root: Path, use_cache: bool = True) -> KnowledgeBase:
    config = load_config(root)
    registry, registry_findings = load_registry(root)
    return KnowledgeBase(root, config, registry, tuple(registry_findings),
                         read_documents(root, config, use_cache))


def check(root: Path, as_of: date, paths: Sequence[str] = (), use_cache: bool = True) -> CheckResult:
    """Check the knowledge base at `root`; with `paths`, report only on those files."""
    selected = select(root, paths) if paths else None
    kb = load_knowledge_base(root, use_cache)
    cross = CrossCheck(root, kb.config, kb.registry, kb.documents, as_of)
    findings = [*kb.registry_findings]
    for result in kb.files.values():
        findings.extend(result.findings)
    findings.extend(cross.findings())
    if selected is not None:
        findings = [f for f in findings if f.path in selected]
    count = len(kb.files) if selected is None else len(selected & kb.files.keys())
    return CheckResult(as_of, count, tuple(sorted(findings, key=lambda f: f.sort_key)))


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


def read_documents(root: Path, config: KnowledgeBaseConfig, use_cache: bool = True) -> dict[str, FileResult]:
    """Every document's per-file result, from the cache where the file has not changed."""
    sections = SectionRules(config.required_sections, config.section_names)
    cache = ResultCache.open(root, config.fingerprint(), enabled=use_cache)
    stamps: dict[str, Stamp] = {}
    results: dict[str, FileResult] = {}
    stale: list[Location] = []
    for location in discover(root):
        try:
            stamp = stamp_of(os.stat(root / location.path))
        except OSError:
            stamp = Stamp(0, -1)
        stamps[location.path] = stamp
        cached = cache.get(location.path, stamp)
        if cached is None:
            stale.append(location)
        else:
            results[location.path] = cached
    for location, result in zip(stale, _analyse(root, stale, sections), strict=True):
        results[location.path] = result
    ordered = {path: results[path] for path in stamps}
    cache.save({path: (stamps[path], result) for path, result in ordered.items() if stamps[path].size >= 0})
    return ordered


def _analyse(root: Path, locations: list[Location], sections: SectionRules) -> list[FileResult]:
    work = partial(analyse_file, root, sections=sections)
    workers = min(os.cpu_count() or 1, 8)
    if len(locations) < PARALLEL_THRESHOLD or workers < 2:
        return [work(location) for location in locations]
    chunk = max(16, len(locations) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, locations, chunksize=chunk))
