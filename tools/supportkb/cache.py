"""A per-user cache of per-file check results, so a second `kb check` only re-reads what changed.

The cache lives outside the checkout (`$SUPPORTKB_CACHE_DIR`, else `$XDG_CACHE_HOME/supportkb`,
else `~/.cache/supportkb`): a file committed to a knowledge base can never be loaded as a cache.
Entries are keyed by path, size and modification time; a corrupt or foreign cache is ignored,
and writes are atomic (temporary file + rename).
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from supportkb import __version__
from supportkb.analysis import FileResult

_FORMAT = 1
_RACY_SECONDS = 2.0  # files changed this recently may change again within the same mtime tick


@dataclass(frozen=True)
class Stamp:
    mtime_ns: int
    size: int


@dataclass
class ResultCache:
    path: Path | None
    fingerprint: str
    entries: dict[str, tuple[Stamp, FileResult]] = field(default_factory=dict)

    @classmethod
    def open(cls, root: Path, fingerprint: str, enabled: bool = True) -> ResultCache:
        if not enabled:
            return cls(None, fingerprint)
        path = cache_directory() / hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20] / "check.pickle"
        cache = cls(path, fingerprint)
        try:
            with path.open("rb") as handle:
                stored = pickle.load(handle)
            if stored.get("key") == cache._key():
                cache.entries = stored["entries"]
        except Exception:  # noqa: BLE001 (a missing, corrupt or old cache is simply rebuilt)
            cache.entries = {}
        return cache

    def get(self, relative: str, stamp: Stamp) -> FileResult | None:
        entry = self.entries.get(relative)
        return entry[1] if entry is not None and entry[0] == stamp else None

    def save(self, results: dict[str, tuple[Stamp, FileResult]]) -> None:
        """Replace the cache with `results`, leaving out files changed in the last moments."""
        if self.path is None:
            return
        racy_after = (time.time() - _RACY_SECONDS) * 1e9
        entries = {path: entry for path, entry in results.items() if entry[0].mtime_ns < racy_after}
        if entries == self.entries:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".check-", suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                pickle.dump({"key": self._key(), "entries": entries}, handle, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, self.path)
        except OSError:
            return  # a cache that cannot be written only costs time

    def _key(self) -> tuple[int, str, str, str]:
        return (_FORMAT, __version__, _code_stamp(), self.fingerprint)


def _code_stamp() -> str:
    """Changes whenever the checker's own code changes (editable installs, upgrades)."""
    package = Path(__file__).parent
    stamps = sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in package.rglob("*.py"))
    return hashlib.sha256(repr(stamps).encode()).hexdigest()[:16]


def cache_directory() -> Path:
    explicit = os.environ.get("SUPPORTKB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "supportkb"


def stamp_of(stat: os.stat_result) -> Stamp:
    return Stamp(stat.st_mtime_ns, stat.st_size)
