"""Worker processes that end with the process that started them, whatever ends it.

`kb index` and `kb check` fork workers (Whoosh's writer, a process pool). A worker waits on a
queue whose other end its siblings also hold, so when its parent is killed (`kill -9`, the
out-of-memory killer) it never sees the end of its input and waits forever; forked, it also
holds every descriptor its parent had, the build lock's included, so every later `kb index`
found "another build running". Two defences, both needed:

- each worker asks the kernel for SIGKILL when its parent dies (Linux's PR_SET_PDEATHSIG), then
  checks that its parent is still the process that forked it (the parent may have died before
  the request was made: then nobody would send the signal);
- descriptors the parent names (the build lock) are closed in the worker at once, so a lock
  never outlives the process that took it, even for the moment a worker takes to die.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
from collections.abc import Iterator

_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def end_with_parent(parent: int) -> None:
    """Run first thing in a worker: it is killed when `parent` (the process that started it)
    dies, and exits now if that has already happened."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            arguments = (signal.SIGKILL, 0, 0, 0)
            libc.prctl(ctypes.c_int(_PR_SET_PDEATHSIG), *map(ctypes.c_ulong, arguments))
    if os.getppid() != parent:  # orphaned before the request: adopted by init (or a reaper)
        os._exit(1)


class _Guard:
    """What forks made while `workers_end_with_me` is active do in the child."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.parent: int | None = None
        self.close: tuple[int, ...] = ()
        self.hooked = False

    def in_child(self) -> None:
        parent, close = self.parent, self.close
        self.parent, self.close = None, ()  # the worker's own children are its business
        if parent is None:
            return
        for descriptor in close:
            with contextlib.suppress(OSError):
                os.close(descriptor)  # a flock stays held by the parent's own descriptor
        end_with_parent(parent)


_GUARD = _Guard()


@contextlib.contextmanager
def workers_end_with_me(close: tuple[int, ...] = ()) -> Iterator[None]:
    """While active, every process forked from this one (Whoosh's index workers: they are
    started deep inside Whoosh, so no initializer can be passed) dies with this process and
    does not keep the descriptors in `close`."""
    with _GUARD.lock:
        if not _GUARD.hooked:
            os.register_at_fork(after_in_child=_GUARD.in_child)
            _GUARD.hooked = True
        earlier = (_GUARD.parent, _GUARD.close)
        _GUARD.parent, _GUARD.close = os.getpid(), (*_GUARD.close, *close)
    try:
        yield
    finally:
        with _GUARD.lock:
            _GUARD.parent, _GUARD.close = earlier
