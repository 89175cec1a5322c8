"""One lock per checkout, held by the tools that write documents (`kb new`, `kb review`).

Two `kb new` at once must not hand out the same id, and two `kb review` of one document must
not each read the file, add their reviewer and write it back over the other's review. Both
read the knowledge base, decide and write while holding this lock, one after the other.

"One checkout" is one working tree: the files those commands read and write. A git worktree
(where `.git` is a file naming the worktree's own folder under the main repository's
`.git/worktrees/`) is a checkout of its own: it holds other files (another branch), so runs in
two worktrees never see each other's documents and serialising them would protect nothing.
The lock file is therefore:
- in the working tree's own git folder when there is one (`.git/supportkb.lock`, or
  `.git/worktrees/NAME/supportkb.lock` for a worktree): never shown by `git status`, shared by
  everyone who works in that checkout;
- otherwise (no git at all, or a `.git` file that leads nowhere) `.kb.lock` in the checkout's
  root, which `.gitignore` lists.
It is an operating-system lock (`flock`): the kernel releases it when its holder ends, however
it ends, so a killed run never blocks the next one. The file itself is never deleted (deleting
a lock file while another process waits on it would let a third one take a second lock).
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from supportkb.errors import FatalError

GIT_LOCK_NAME = "supportkb.lock"
ROOT_LOCK_NAME = ".kb.lock"


def lock_path(root: Path) -> Path:
    """Where the lock of the checkout at `root` lives (see the module's docstring)."""
    git_folder = _git_folder(root.resolve())
    if git_folder is not None:
        return git_folder / GIT_LOCK_NAME
    return root / ROOT_LOCK_NAME


def _git_folder(root: Path) -> Path | None:
    """The git folder of the working tree holding `root`, as git finds it: the nearest `.git`
    upwards, a folder, or a file that reads `gitdir: PATH` (worktrees, submodules)."""
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            try:
                line = dot_git.read_text(encoding="utf-8", errors="replace")[:4096].strip()
            except OSError:
                return None
            if not line.startswith("gitdir:"):
                return None
            target = folder / line.removeprefix("gitdir:").strip()
            return target if target.is_dir() else None
        if dot_git.exists() or dot_git.is_symlink():
            return None  # something else named .git: use the root's own lock file
    return None


@contextlib.contextmanager
def checkout_lock(root: Path) -> Iterator[None]:
    """Hold the checkout's lock for the duration of the block (waits for the holder)."""
    try:
        import fcntl
    except ImportError:  # Windows: no flock; `kb new` still never overwrites (exclusive create)
        yield
        return
    path = lock_path(root)
    descriptor = _open_lock_file(path)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


def _open_lock_file(path: Path) -> int:
    """Open (creating) the lock file, never through a symlink, never a FIFO or a device."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(path, flags, 0o666)
    except OSError as exc:
        raise FatalError(
            f"cannot open the checkout's lock file {path} ({exc.strerror}); "
            "it must be a regular file the tool may create and write"
        ) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise FatalError(f"the checkout's lock file {path} is not a regular file; remove it")
    return descriptor
