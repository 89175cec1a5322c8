"""Reading files from a checkout that may hold anything: FIFOs, devices, links out of it.

A knowledge base checkout is written by many people, and a file named `x.md` may be a named
pipe (opening it for reading blocks forever), a link to `/dev/zero` (reading it never ends) or
a link to `/etc/passwd` (publishing it leaks it). Every reader of a document, an attachment or
a list of paths goes through `read_regular`: the file is looked at before it is opened, opened
without blocking and without following a last-moment link, looked at again once open, and read
only up to the size limit. Problems are `UnsafeFile` errors, a kind of `OSError`, so that a
caller that already treats an unreadable file as unreadable needs no change.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import BinaryIO

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
)


class UnsafeFile(OSError):
    """A file that is not read: `code`, `message` and `hint` make a `kb check` finding."""

    code = "not-regular-file"

    def __init__(self, path: str, message: str, hint: str) -> None:
        super().__init__(message)
        self.strerror = message
        self.filename = path
        self.message = message
        self.hint = hint


class NotRegularFile(UnsafeFile):
    code = "not-regular-file"


class OutsideCheckout(UnsafeFile):
    code = "file-outside-checkout"


class TooLarge(UnsafeFile):
    code = "file-too-large"

    def __init__(self, path: str, size: int, limit: int) -> None:
        super().__init__(
            path,
            f"file is {size // 1024} KB; files over {limit // 1024} KB are not read",
            "split the document, or move attachments and logs out of the Markdown file",
        )
        self.size = size


def kind_of(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def is_within(path: str, folders: tuple[str, ...]) -> bool:
    """Whether `path` (a resolved, absolute path) lies in one of `folders` (resolved too)."""
    return any(
        path == folder or path.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders
    )


def is_regular_inside(path: str, within: tuple[str, ...]) -> bool:
    """Whether `path`, with every link in it followed, is a regular file in one of `within`:
    what may be published. Nothing is opened."""
    try:
        resolved = os.path.realpath(path)
        return is_within(resolved, within) and stat.S_ISREG(os.stat(resolved).st_mode)
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return False


Folders = tuple[str, ...] | Callable[[], tuple[str, ...]]  # resolved; a callable if costly


def regular_target(path: str, within: Folders | None = None) -> str:
    """The path to open for `path`: itself, or where its link points. Raises `UnsafeFile`
    when it is not a regular file, or (with `within`, resolved folders, asked for only when
    `path` is a link) when its link leads out of those folders. Nothing is opened: a FIFO is
    never opened for reading."""
    info = os.lstat(path)
    target = path
    if stat.S_ISLNK(info.st_mode):
        target = os.path.realpath(path)
        folders = within() if callable(within) else within
        if folders is not None and not is_within(target, folders):
            raise OutsideCheckout(
                path,
                f"the file is a link to {target}, outside the checkout: it is not read",
                "copy the file into the checkout instead of linking to it, or remove the link",
            )
        info = os.stat(target)
    if not stat.S_ISREG(info.st_mode):
        raise _not_regular(path, info.st_mode)
    return target


def read_regular(path: str, limit: int, within: Folders | None = None) -> bytes:
    """At most `limit` bytes of a regular file (`TooLarge` beyond), checked as
    `regular_target` says before it is opened and again once it is open."""
    descriptor = _open_regular(path, within)
    try:
        info = os.fstat(descriptor)
        if info.st_size > limit:
            raise TooLarge(path, info.st_size, limit)
        chunks = []
        left = limit + 1  # one byte more tells a file that grew past the limit
        while left > 0 and (chunk := os.read(descriptor, min(left, 1 << 20))):
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(descriptor)
    if len(data) > limit:
        raise TooLarge(path, len(data), limit)
    return data


def _open_regular(path: str, within: Folders | None) -> int:
    """A descriptor of the regular file `path` is (or links to), open for reading."""
    descriptor = os.open(regular_target(path, within), _OPEN_FLAGS)
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):  # replaced between the look and the opening
        os.close(descriptor)
        raise _not_regular(path, mode)
    return descriptor


def _not_regular(path: str, mode: int) -> NotRegularFile:
    return NotRegularFile(
        path,
        f"the file is {kind_of(mode)}, not a regular file: it is not read",
        "replace it with a regular file, or remove it",
    )


def read_head(path: str, size: int, within: Folders | None = None) -> bytes:
    """The first `size` bytes of a regular file, however long it is (checked as
    `read_regular` checks)."""
    descriptor = _open_regular(path, within)
    try:
        return os.read(descriptor, size)
    finally:
        os.close(descriptor)


def read_stream(stream: BinaryIO, limit: int) -> bytes:
    """At most `limit` bytes from an open binary stream such as stdin (`TooLarge` beyond)."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise TooLarge("-", len(data), limit)
    return data
