"""The one door to git: what the history of documents reads from a checkout's repository.

Read-only, and every call is one `git` process with its arguments as a list (no shell).
Two readings:

- `file_changes(path)`: the commits that changed one file, following renames (case-only
  renames too), as `git log --follow` finds them;
- `folder_changes(folders)`: every change under the document folders in one pass, which a
  site build or an audit pack needs for all documents at once (`changes_of` then follows one
  file through it, renames included).

Then `read_many` reads the file as it was at each of those commits through one
`git cat-file --batch`. History needs every commit: a shallow clone is refused with one line
saying how to fix it (`ShallowClone`).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from supportkb.errors import FatalError

_LOG_FORMAT = "%x1e%H%x1f%cI%x1f%an%x1f%ae"
# The history of what the branch held: its first parents only, a merge seen as the change it
# brought (its diff against the branch it was merged into). Walking every commit instead
# interleaves the merged branch's commits with the branch's by date, and misses what a merge
# itself decided (a resolved conflict): a version merged in would look superseded.
_MAINLINE = ("--first-parent", "--diff-merges=first-parent")
_TIMEOUT = 300


class NotARepository(FatalError):
    """The checkout is not in a git repository (or git is missing): there is no history."""


class ShallowClone(FatalError):
    """A shallow clone holds only the last commits: a history read from it would be wrong."""


UNSHALLOW_FIX = (
    "run `git fetch --unshallow` (in GitHub Actions: actions/checkout with fetch-depth: 0)"
)


@dataclass(frozen=True)
class Commit:
    sha: str
    date: datetime  # the committer's date: when the change was recorded in the repository
    author_name: str
    author_email: str


@dataclass(frozen=True)
class FileChange:
    """One commit's change to one file: `status` is git's letter (A added, M modified,
    D deleted, R renamed, C copied, T type changed); `old_path` the name before a rename."""

    commit: Commit
    status: str
    path: str
    old_path: str | None = None


@dataclass(frozen=True)
class FileVersion:
    """A file as one commit left it: `path` its name then (it may have been renamed since)."""

    commit: Commit
    path: str


class GitHistory:
    """The git repository holding a knowledge base checkout. Paths given and returned are
    relative to the knowledge base's root (which may be a folder of a larger repository)."""

    def __init__(self, root: Path, top: Path) -> None:
        self.root = root
        self.top = top
        prefix = os.path.relpath(root.resolve(), top.resolve()).replace(os.sep, "/")
        self.prefix = "" if prefix == "." else prefix + "/"

    @classmethod
    def open(cls, root: Path, *, allow_shallow: bool = False) -> GitHistory:
        """The repository of `root`. `NotARepository` outside git; `ShallowClone` in a shallow
        clone unless `allow_shallow` (for what can say so rather than stop, like the site)."""
        try:
            done = subprocess.run(
                ["git", "rev-parse", "--show-toplevel", "--is-shallow-repository"],
                cwd=root,
                capture_output=True,
                timeout=_TIMEOUT,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise NotARepository(f"cannot run git to read the history: {exc}") from None
        if done.returncode != 0:
            raise NotARepository(
                f"{root} is not in a git repository: the history of documents is read from "
                "git (clone the repository rather than copying its files)"
            )
        top, shallow = _decode(done.stdout).splitlines()[:2]
        if shallow.strip() == "true" and not allow_shallow:
            raise ShallowClone(
                "this checkout is a shallow clone, so the history of documents is incomplete; "
                + UNSHALLOW_FIX
            )
        return cls(root, Path(top))

    def head(self) -> str | None:
        """HEAD's full sha (None before the first commit)."""
        done = self._run("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        return _decode(done.stdout).strip() or None if done.returncode == 0 else None

    def has_changes(self, paths: Sequence[str] = ()) -> bool:
        """Whether the working tree differs from HEAD (under `paths`, relative to the root)."""
        spec = [self._top_path(p) for p in paths] or [self.prefix]  # ":(top)": everything
        return bool(self._git("status", "--porcelain", "--", *(f":(top){p}" for p in spec)))

    def last_author(self, path: str) -> Commit | None:
        """The last commit that changed the file at `path` (following renames); None when
        it was never committed."""
        changes = self.file_changes(path)
        return changes[0].commit if changes else None

    def resolve(self, ref: str) -> str:
        """The commit `ref` names; `FatalError` (exit 2 is the caller's) when none."""
        if ref.startswith("-"):
            raise FatalError(f"{ref!r} is not a git revision")
        done = self._run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
        if done.returncode != 0:
            raise FatalError(f"git knows no commit named {ref!r}")
        return _decode(done.stdout).strip()

    def file_changes(self, path: str, mainline: bool = False) -> tuple[FileChange, ...]:
        """The commits that changed the file now at `path`, newest first, following renames.
        `mainline`: the branch's own line only (see `_MAINLINE`)."""
        if self.head() is None:
            return ()
        out = self._git(
            "log", "--follow", "-M", "-z", "--name-status", f"--format={_LOG_FORMAT}",
            *(_MAINLINE if mainline else ()), "HEAD", "--", f":(top){self._top_path(path)}",
        )  # fmt: skip
        return tuple(self._own(change) for change in _changes(out))

    def folder_changes(
        self, folders: Iterable[str], mainline: bool = False
    ) -> tuple[FileChange, ...]:
        """Every change under `folders` (relative to the root), newest commit first."""
        if self.head() is None:
            return ()
        spec = [f":(top){self._top_path(folder)}" for folder in folders]
        out = self._git(
            "log", "-M", "-z", "--name-status", f"--format={_LOG_FORMAT}",
            *(_MAINLINE if mainline else ()), "HEAD", "--", *spec,
        )  # fmt: skip
        return tuple(self._own(change) for change in _changes(out))

    def changed_since(self, ref: str) -> tuple[str, ...]:
        """Paths (relative to the root) whose content differs between `ref` and the working
        tree, untracked files included."""
        commit = self.resolve(ref)
        scope = f":(top){self.prefix}"  # ":(top)" alone: the whole repository
        changed = self._git("diff", "--no-renames", "-z", "--name-only", commit, "--", scope)
        paths = {self._from_top(p) for p in changed.split("\0") if p}
        # ls-files names them from the working directory, the root
        untracked = self._git("ls-files", "-z", "--others", "--exclude-standard")
        paths |= {p for p in untracked.split("\0") if p}
        return tuple(sorted(p for p in paths if p is not None))

    def read(self, commit: str, path: str) -> bytes | None:
        """The file at `path` (relative to the root) as `commit` left it; None when absent."""
        return self.read_many([(commit, path)])[0]

    def read_many(self, wanted: Sequence[tuple[str, str]]) -> list[bytes | None]:
        """Files as commits left them, in one `git cat-file --batch`."""
        readable = [(c, p) for c, p in wanted if "\n" not in c + p]  # one request a line
        if not readable:
            return [None] * len(wanted)
        lines = "".join(f"{commit}:{self._top_path(path)}\n" for commit, path in readable)
        done = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.top,
            input=lines.encode("utf-8", "surrogateescape"),
            capture_output=True,
            timeout=_TIMEOUT,
        )
        if done.returncode != 0:
            raise FatalError(f"git cat-file failed: {_decode(done.stderr).strip()}")
        found = dict(zip(readable, _batch_contents(done.stdout, len(readable)), strict=True))
        return [found.get(item) for item in wanted]

    def _own(self, change: FileChange) -> FileChange:
        path = self._from_top(change.path) or change.path
        old = self._from_top(change.old_path) if change.old_path else None
        return FileChange(change.commit, change.status, path, old)

    def _top_path(self, path: str) -> str:
        return self.prefix + path if path not in ("", ".") else self.prefix.rstrip("/") or "."

    def _from_top(self, path: str) -> str | None:
        if self.prefix and not path.startswith(self.prefix):
            return None
        return path[len(self.prefix) :]

    def _run(self, *args: str) -> subprocess.CompletedProcess[bytes]:
        try:
            return subprocess.run(
                ["git", "-c", "core.quotePath=false", *args],
                cwd=self.root,
                capture_output=True,
                timeout=_TIMEOUT,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise FatalError(f"git {args[0]} failed: {exc}") from None

    def _git(self, *args: str) -> str:
        done = self._run(*args)
        if done.returncode != 0:
            message = _decode(done.stderr).strip().splitlines()
            raise FatalError(f"git {args[0]} failed: {message[-1] if message else done.returncode}")
        return _decode(done.stdout)


def follow(changes: Sequence[FileChange], path: str) -> tuple[FileVersion, ...]:
    """The versions of the file now at `path`, newest first, from changes newest first (of
    one file or of whole folders): going back in time, a rename to the name followed
    continues under the old name; an addition is the file's beginning."""
    name = path
    versions: list[FileVersion] = []
    for change in changes:
        if change.path != name:
            continue
        if change.status == "D":
            if versions:  # deleted, then added again later: the later life is the one followed
                break
            continue
        versions.append(FileVersion(change.commit, change.path))
        if change.status in ("R", "C") and change.old_path is not None:
            if change.status == "C":
                break
            name = change.old_path
        elif change.status == "A":
            break
    return tuple(versions)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _commits(out: str) -> list[tuple[Commit, list[str]]]:
    """(commit, its -z name-status tokens) for each commit of a `git log` with _LOG_FORMAT."""
    found = []
    for chunk in out.split("\x1e"):
        if not chunk.strip():
            continue
        header, _, rest = chunk.partition("\0")
        sha, date, name, email = header.strip("\n").split("\x1f")[:4]
        commit = Commit(sha, datetime.fromisoformat(date), name, email)
        found.append((commit, rest.lstrip("\n").split("\0")))
    return found


def _changes(out: str) -> list[FileChange]:
    changes = []
    for commit, tokens in _commits(out):
        index = 0
        while index < len(tokens):
            status = tokens[index].strip()
            if not status:
                index += 1
                continue
            letter = status[0]
            if letter in ("R", "C") and index + 2 < len(tokens):
                old, new = tokens[index + 1], tokens[index + 2]
                changes.append(FileChange(commit, letter, new, old))
                index += 3
            else:
                changes.append(FileChange(commit, letter, tokens[index + 1]))
                index += 2
    return changes


def _batch_contents(out: bytes, count: int) -> list[bytes | None]:
    contents: list[bytes | None] = []
    position = 0
    for _ in range(count):
        end = out.index(b"\n", position)
        header = out[position:end].split()
        position = end + 1
        if len(header) < 3 or header[-1] == b"missing" or header[1] != b"blob":
            contents.append(None)
            continue
        size = int(header[2])
        contents.append(out[position : position + size])
        position += size + 1
    return contents
