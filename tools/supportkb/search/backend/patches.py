"""Patches to Whoosh, applied by an explicit call (`apply_patches`) when an index is opened.

There is one: Whoosh opens each part of a segment as a `structfile.BufferFile` over the
memory-mapped file, and gives it a `BytesIO` of the part, which copies it: opening a searcher
on 10,000 documents and reading its first posting lists copied about 60 MB (60 ms, and that
memory in every `kb serve` worker). `_ReadStream` reads the mapped file itself.

Importing this module changes nothing (a test asserts it); `Engine.create` and `Engine.open`
call `apply_patches()`, which is idempotent. whoosh-reloaded is pinned (2.7.5): the names the
patch relies on are in `private_names`, and the backend's tests read every posting list both
ways.
"""

from __future__ import annotations

import io
import threading
from typing import Any

from whoosh.filedb import structfile

_ORIGINAL_BUFFER_FILE_INIT = structfile.BufferFile.__init__
_applying = threading.Lock()


class _ReadStream(io.RawIOBase):
    """A read-only stream over a buffer, without copying it (BytesIO copies a memoryview)."""

    def __init__(self, buffer: Any) -> None:
        super().__init__()
        self._buffer, self._position = buffer, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET and offset < 0:
            raise ValueError(f"negative seek value {offset}")
        base = (0, self._position, len(self._buffer))[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, target: Any) -> int:
        chunk = self._buffer[self._position : self._position + len(target)]
        target[: len(chunk)] = chunk
        self._position += len(chunk)
        return len(chunk)

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buffer) if size is None or size < 0 else self._position + size
        chunk = bytes(self._buffer[self._position : end])
        self._position += len(chunk)
        return chunk


def _buffer_file_init(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
    self._buf, self._name, self.onclose = buf, name, onclose
    self.file = _ReadStream(buf)
    self.is_real, self.is_closed = False, False


# Whoosh opens each part of a segment as a BufferFile over the memory-mapped file, and gives


def is_patched() -> bool:
    return structfile.BufferFile.__init__ is _buffer_file_init


def apply_patches() -> None:
    """Put the patches in place (once per process; calling again does nothing)."""
    with _applying:
        if not is_patched():
            structfile.BufferFile.__init__ = _buffer_file_init


def original_buffer_file_init() -> Any:
    """Whoosh's own `BufferFile.__init__` (for the tests that compare the two)."""
    return _ORIGINAL_BUFFER_FILE_INIT
