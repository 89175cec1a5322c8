"""Writing files so that nothing is lost: a write either happens completely or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from supportkb.errors import FatalError


def write_atomic(
    path: Path, data: bytes | Iterable[bytes], *, exclusive: bool = False, durable: bool = True
) -> None:
    """Write `data` (or its pieces, in turn) to `path` through a temporary file in the same
    folder and a rename.

    With `exclusive`, refuse to replace an existing file (the check and the rename are one
    step: `os.link` fails if the name exists). An existing file keeps its permissions.
    `durable` flushes the data to disk before the rename (not needed for caches).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_of(path)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                handle.writelines(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        if exclusive:
            try:
                os.link(temporary, path)
            except FileExistsError:
                raise FatalError(f"{path} already exists; not overwriting it") from None
        else:
            os.replace(temporary, path)
        if durable:
            _sync_folder(path.parent)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _sync_folder(folder: Path) -> None:
    """The rename itself is durable only once the folder is flushed too."""
    with contextlib.suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _read_umask() -> int:
    umask = os.umask(0)  # the only way to read it; done once, at import, before any thread
    os.umask(umask)
    return umask


_UMASK = _read_umask()


def _mode_of(path: Path) -> int | None:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_UMASK
