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

import contextlib
import functools
import hashlib
import os
import pickle
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportkb import __version__
from supportkb.documents.findings import Finding
from supportkb.documents.records import fast_pickle
from supportkb.system.atomic import write_atomic
from supportkb.workspace.file_analysis import FileResult

_FORMAT = 2
_RACY_SECONDS = 2.0  # files changed this recently may change again within the same mtime tick
_ABANDONED_SECONDS = 3600.0  # a temporary file this old was left by a killed `kb check`


@dataclass(frozen=True, slots=True)
class Stamp:
    """What identifies a file's version without reading it. The change time and the inode
    catch what mtime misses (`cp -p`, `touch -r`, a chmod that makes a file readable)."""

    mtime_ns: int
    size: int
    ctime_ns: int = 0
    inode: int = 0

    @classmethod
    def of(cls, path: str) -> Stamp:
        try:
            stat = os.stat(path)
        except OSError:
            return cls(0, -1)
        return cls(stat.st_mtime_ns, stat.st_size, stat.st_ctime_ns, stat.st_ino)

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


@dataclass(frozen=True, slots=True)
class Batch:
    """The results of analysing some files, pickled once by the process that analysed them:
    the same bytes travel to the main process and go into the cache as they are."""

    paths: tuple[str, ...]
    blob: bytes
    stamps: tuple[Stamp, ...] = ()  # of the files as they were read

    @classmethod
    def of(
        cls, paths: Iterable[str], results: list[FileResult], stamps: Iterable[Stamp] = ()
    ) -> Batch:
        return cls(
            tuple(paths), pickle.dumps(results, protocol=pickle.HIGHEST_PROTOCOL), tuple(stamps)
        )

    def results(self) -> list[FileResult]:
        results: list[FileResult] = pickle.loads(self.blob)
        return results


fast_pickle(Batch)


class ResultCache:
    """`fingerprint` names the settings per-file results depend on (the required sections);
    with `read=False` the cache is not trusted (`--no-cache`) but still refreshed."""

    def __init__(self, root: Path, fingerprint: str = "", read: bool = True) -> None:
        digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]
        self.folder = _private_folder(cache_directory() / digest)
        if self.folder is not None:
            _remove_abandoned_writes(self.folder)
        self.fingerprint = fingerprint
        self.read = read
        self._index: dict[str, tuple[Stamp, int, int]] | None = None  # stamp, batch, position
        self._batches: list[Batch] = []
        self._unpacked: dict[int, list[FileResult]] = {}

    # per-file results

    def has_files(self) -> bool:
        """False on a first run: nothing to compare stamps with."""
        return self.read and self.folder is not None and (self.folder / "files.pickle").is_file()

    def file_result(self, relative: str, stamp: Stamp) -> FileResult | None:
        if self._index is None:
            self._index, self._batches = self._load("files") or ({}, [])
        entry = self._index.get(relative)
        if entry is None or entry[0] != stamp:
            return None
        if entry[1] not in self._unpacked:
            self._unpacked[entry[1]] = self._batches[entry[1]].results()
        return self._unpacked[entry[1]][entry[2]]

    def save_files(
        self, stamps: dict[str, Stamp], results: dict[str, FileResult], fresh: list[Batch]
    ) -> None:
        """Keep the cached batches still in use, add the fresh ones, compact when most of the
        stored entries are stale."""
        old_index, old_batches = self._index or {}, self._batches
        batches: list[Batch] = []
        renumbered: dict[int, int] = {}
        index: dict[str, tuple[Stamp, int, int]] = {}
        for batch in fresh:
            for position, path in enumerate(batch.paths):
                index[path] = (stamps[path], len(batches), position)
            batches.append(batch)
        for path, stamp in stamps.items():
            old = old_index.get(path)
            if path not in index and old is not None and old[0] == stamp:
                number = renumbered.setdefault(old[1], len(batches) + len(renumbered))
                index[path] = (stamp, number, old[2])
        batches += [old_batches[old] for old, _ in sorted(renumbered.items(), key=lambda i: i[1])]
        index = {  # a file that could not be read is tried again next time
            path: entry
            for path, entry in index.items()
            if entry[0].settled and not any(f.code == "unreadable" for f in results[path].findings)
        }
        if not fresh and index == old_index:
            return
        if sum(len(batch.paths) for batch in batches) > 2 * len(index) + 64:
            live = sorted(index)
            batches = [Batch.of(live, [results[path] for path in live])]
            index = {path: (index[path][0], 0, position) for position, path in enumerate(live)}
        self._store("files", (index, batches))
        self._index, self._batches, self._unpacked = index, batches, {}

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
        if self.folder is None or not self.read:
            return None
        try:
            with (self.folder / f"{name}.pickle").open("rb") as handle:
                stored = pickle.load(handle)
        except Exception:
            return None
        key = (_code_key(), self.fingerprint)
        return stored[1] if isinstance(stored, tuple) and stored[0] == key else None

    def _store(self, name: str, value: object) -> None:
        if self.folder is None:
            return
        data = pickle.dumps(
            ((_code_key(), self.fingerprint), value), protocol=pickle.HIGHEST_PROTOCOL
        )
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_atomic(self.folder / f"{name}.pickle", data, durable=False)


def _private_folder(folder: Path) -> Path | None:
    """The cache folder, created for this user only; None (no cache) if it is not ours:
    a cache is unpickled, so nobody else may be able to write to it."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None
    return folder


def _remove_abandoned_writes(folder: Path) -> None:
    """Temporary files of cache writes whose process was killed before its rename. Another
    `kb check` of the same checkout may be writing one right now: only old ones are removed
    (a cache write takes well under a second)."""
    too_old = time.time() - _ABANDONED_SECONDS
    for temporary in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            if temporary.lstat().st_mtime < too_old:
                temporary.unlink()


def cache_directory() -> Path:
    explicit = os.environ.get("SUPPORTKB_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "supportkb"


def code_files() -> list[Path]:
    """The modules whose change makes cached results stale: the whole package, since a
    cached `FileResult` holds records of `documents/` (a new `Document` field must not meet
    pickles of the old shape)."""
    return sorted(Path(__file__).parents[1].rglob("*.py"))


@functools.cache
def _code_key() -> str:
    """Changes whenever the checker's code changes (an upgrade, or an edit in a dev install)."""
    package = Path(__file__).parents[1]
    stamps = [
        (str(p.relative_to(package)), p.stat().st_mtime_ns, p.stat().st_size)
        for p in code_files()
    ]
    return hashlib.sha256(repr((_FORMAT, __version__, stamps)).encode()).hexdigest()[:16]
