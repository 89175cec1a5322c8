"""`kb check`: validate every document and the owners registry, report every problem at once."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from supportkb.checking.rules import CrossCheck, PathProbe
from supportkb.documents.findings import Finding, Severity, error
from supportkb.documents.layout import locate
from supportkb.errors import InvalidUsage
from supportkb.workspace.cache import ResultCache
from supportkb.workspace.codeowners import CODEOWNERS_FILE
from supportkb.workspace.codeowners import drift as codeowners_drift
from supportkb.workspace.file_analysis import FileResult
from supportkb.workspace.knowledge_base import (
    Inventory,
    fewer_collections,
    ids_in_unreadable_files,
    read_documents,
)
from supportkb.workspace.owners import REGISTRY_FILE, load_registry
from supportkb.workspace.settings import KnowledgeBaseConfig, load_config


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


def check(
    root: Path, as_of: date, paths: Sequence[str] = (), use_cache: bool = True
) -> CheckResult:
    """Check the knowledge base at `root`; with `paths`, report only on those files (and on
    CODEOWNERS, which any new or moved document can leave behind)."""
    selected = select(root, paths) if paths else None
    config = load_config(root)
    cache = ResultCache(root, config.fingerprint(), read=use_cache)
    inventory = Inventory.take(root, with_stamps=cache.has_files())
    known = all(stamp is not None for stamp in inventory.stamps.values())
    key = inventory.key(config, as_of) if known else None
    findings = cache.snapshot(key) if key is not None else None
    if findings is None:
        probe = PathProbe(root)
        with fewer_collections():
            all_findings = _all_findings(inventory, config, as_of, cache, probe)
        findings = tuple(sorted(all_findings, key=lambda f: f.sort_key))
        if inventory.settled and not any(f.code == "unreadable" for f in findings):
            key = key or inventory.key(config, as_of)  # first run: stamps are known only now
            cache.save_snapshot(key, probe.seen, findings)
    if selected is not None and not selected & CONFIGURATION_FILES:
        # CODEOWNERS' drift is the whole run's finding on any selection: a new document is
        # what makes it drift, and a pull request's changes are all `--files-from` sees
        findings = tuple(f for f in findings if f.path in selected or f.path == CODEOWNERS_FILE)
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
    cross = CrossCheck(config, registry, as_of, probe)

    def each(result: FileResult) -> None:  # runs while workers are still reading files
        findings.extend(result.findings)
        if result.document is not None:
            findings.extend(cross.document_findings(result.document))

    findings.extend(
        error(
            path,
            0,
            "file-name-encoding",
            "the name is not UTF-8: it is left out (no link or page could name it)",
            "rename it with a UTF-8 name (in a terminal: mv with the name typed again)",
        )
        for path in inventory.unnamed
    )
    files = read_documents(inventory, config, cache, each)
    documents = tuple(result.document for result in files.values() if result.document is not None)
    unreadable = ids_in_unreadable_files(inventory.root, files)
    findings.extend(cross.collection_findings(documents, unreadable))
    owners_in_doubt = any(f.code in ("owner-unknown", "owner-inactive") for f in findings)
    if len(documents) == len(files) and not owners_in_doubt:  # else "regenerate" would mislead
        stale_codeowners = codeowners_drift(inventory.root, documents, registry)
        if stale_codeowners is not None:
            findings.append(stale_codeowners)
    return findings


CONFIGURATION_FILES = {REGISTRY_FILE, "mkdocs.yml", CODEOWNERS_FILE}


def select(root: Path, paths: Iterable[str]) -> set[str]:
    """Paths given on the command line, relative to the root; files that are not documents are
    ignored (pre-commit passes whatever changed), files that do not exist are an error. When a
    configuration file is among them, every finding is reported: it can affect any document."""
    chosen = set()
    base = root.resolve()
    for given in paths:
        if "\0" in given:
            raise InvalidUsage(f"{given!r} is not a path (it holds a NUL character)")
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
        if relative in CONFIGURATION_FILES or locate(relative) is not None:
            chosen.add(relative)
    return chosen
