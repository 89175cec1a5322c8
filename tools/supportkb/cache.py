"""A per-user cache that lets a second `kb check` skip the work whose inputs did not change.

Two levels:
- per file: each document's `FileResult`, keyed by path, size and modification time, so only
  changed files are read again;
- per run: the complete list of findings, keyed by every file's stamp, the owners registry,
  the configuration and the as-of date, plus the existence of every path the rules looked at
  (link targets, drill reports); when nothing changed, that list is the answer.

The cache lives outside the checkout (`$SUPPORTKB_CACHE_DIR`, else `$XDG_CACHE_HOME/supportkb`,
else `~/.cache/supportkb`): a file committed to a knowledge base can never be loaded as a cache.
A missing, corrupt or foreign cache is ignored; writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportkb import __version__
from supportkb.analysis import FileResult
from supportkb.findings import Finding
from supportkb.records import fast_pickle

_FORMAT = 2
_RACY_SECONDS = 2.0  # files changed this recently may change again within the same mtime tick


@dataclass(frozen=True, slots=True)
class Stamp:
    mtime_ns: int
    size: int

    @classmethod
    def of(cls, path: str) -> Stamp:
        try:
            stat = os.stat(path)
        except OSError:
            return cls(0, -1)
        return cls(stat.st_mtime_ns, stat.st_size)

    @property
    def settled(self) -> bool:
        """False for a missing file or one modified in the last moments."""
        return self.size >= 0 and self.mtime_ns < (time.time() - _RACY_SECONDS) * 1e9


fast_pickle(Stamp)


@dataclass(frozen=True, slots=True)
class Snapshot:
    key: str
    probes: dict[str, bool]  # path -> existed when the findings were computed
    findings: tuple[Finding, ...]


fast_pickle(Snapshot)


class ResultCache:
    def __init__(self, root: Path, enabled: bool = True) -> None:
        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
        self.folder = cache_directory() / digest if enabled else None
        self._files: dict[str, tuple[Stamp, FileResult]] | None = None

    # per-file results

    def file_result(self, relative: str, stamp: Stamp) -> FileResult | None:
        if self._files is None:
            self._files = self._load("files") or {}
        entry = self._files.get(relative)
        return entry[1] if entry is not None and entry[0] == stamp else None

    def save_files(self, results: dict[str, tuple[Stamp, FileResult]]) -> None:
        settled = {path: entry for path, entry in results.items() if entry[0].settled}
        if settled != self._files:
            self._store("files", settled)
            self._files = settled

    # whole-run snapshot

    def snapshot(self, key: str) -> tuple[Finding, ...] | None:
        stored = self._load("snapshot")
        if not isinstance(stored, Snapshot) or stored.key != key:
            return None
        if any(os.path.exists(path) != existed for path, existed in stored.probes.items()):
            return None
        return stored.findings

    def save_snapshot(self, key: str, probes: dict[str, bool], findings: Iterable[Finding]) -> None:
        self._store("snapshot", Snapshot(key, probes, tuple(findings)))

    # storage

    def _load(self, name: str) -> Any:
        if self.folder is None:
            return None
        try:
            with (self.folder / f"{name}.pickle").open("rb") as handle:
                stored = pickle.load(handle)
        except Exception:
            return None
        return stored[1] if isinstance(stored, tuple) and stored[0] == _code_key() else None

    def _store(self, name: str, value: object) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.folder, prefix=f".{name}-", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    pickle.dump((_code_key(), value), handle, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(temporary, self.folder / f"{name}.pickle")
            except BaseException:
                os.unlink(temporary)
                raise
        except OSError:
            return  # a cache that cannot be written only costs time


def cache_directory() -> Path:
    explicit = os.environ.get("SUPPORTKB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "supportkb"


@functools.cache
def _code_key() -> str:
    """Changes whenever the checker's code changes (an upgrade, or an edit in a dev install)."""
    package = Path(__file__).parent
    stamps = sorted(
        (str(p.relative_to(package)), p.stat().st_mtime_ns, p.stat().st_size)
        for p in package.rglob("*.py")
    )
    return hashlib.sha256(repr((_FORMAT, __version__, stamps)).encode()).hexdigest()[:16]
