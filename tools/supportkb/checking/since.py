"""`kb check --since REF`: change control for the controlled documents a branch changes.

A controlled document (SOP, emergency plan, policy) whose content differs between the commit
REF and the working tree is a new version: it must raise its version (`version-not-bumped`).
A document whose content or version changed must have a revision-history row for its version
with a date and the change (`revision-missing`) and, when it claims to be published, carry an
approval (`approved_by`, `approved_on`) dated on or after the change (`approval-missing`).

What counts as content: the body and the front-matter, but not what records a review
(`last_reviewed`, `reviewers`, `review_by`), an approval (`status`, `approved_by`,
`approved_on`, `effective`), the version itself, nor the revision-history rows: a review
without a new version, or the approval of a version already raised, is not a new version.

The day of the change is the day of the first commit after REF whose file differs from REF's
in content or version (the commit's date), or the day of the check when the change is not
committed yet. An approval dated before it cannot be the approval of this change: it is the
previous version's.
A document absent at REF (new, or renamed: it is matched to REF's file by its id) needs a
revision row and an approval only when published.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from supportkb.checking.check import CheckResult, check
from supportkb.documents.fields import VERSIONED, build_document
from supportkb.documents.findings import Finding, error
from supportkb.documents.layout import locate
from supportkb.documents.model import Document, Status
from supportkb.documents.source import MAX_FILE_BYTES, Source, read_source
from supportkb.errors import FatalError, InvalidUsage
from supportkb.history.git import GitHistory, NotARepository, ShallowClone
from supportkb.history.revision_table import revision_rows
from supportkb.system.safe_read import read_regular

NOT_CONTENT = frozenset(
    {
        "last_reviewed",
        "reviewers",
        "review_by",
        "status",
        "approved_by",
        "approved_on",
        "effective",
        "version",
    }
)


@dataclass(frozen=True)
class _Side:
    """A controlled document's file on one side of the comparison."""

    path: str
    source: Source
    document: Document | None  # None when its front-matter does not make a document

    @classmethod
    def read(cls, path: str, raw: bytes | None) -> _Side | None:
        location = locate(path)
        if raw is None or location is None:
            return None
        source, _ = read_source(path, raw)
        if source is None:
            return None
        document, _ = build_document(location, source.front_matter, source.key_lines)
        return cls(path, source, document)

    def identity(self) -> tuple[Any, ...]:
        """What makes a version: its content and its version string."""
        return self.content(), self.source.front_matter.get("version")

    def content(self) -> tuple[Any, ...]:
        front = tuple(
            (key, repr(value))
            for key, value in self.source.front_matter.items()
            if key not in NOT_CONTENT
        )
        rows = {row.line for row in revision_rows(self.source.body)}
        lines = self.source.body.split("\n")
        return front, tuple(line for n, line in enumerate(lines, 1) if n not in rows)


def check_since(
    root: Path,
    as_of: date,
    ref: str,
    paths: Sequence[str] = (),
    use_cache: bool = True,
) -> CheckResult:
    """The check of the documents changed since `ref` (and of `paths`), with the change
    control findings of the controlled ones. `InvalidUsage` when git knows no `ref`;
    `ShallowClone` in a shallow clone (the comparison needs REF and the commits after it)."""
    git = _open(root)
    try:
        commit = git.resolve(ref)
    except FatalError as exc:
        if isinstance(exc, (NotARepository, ShallowClone)):
            raise
        raise InvalidUsage(f"--since {ref}: {exc}") from None
    changed = git.changed_since(commit)
    existing = [str(root / p) for p in changed if (root / p).is_file()]
    selection = [*paths, *existing]
    found = list(change_findings(git, root, commit, changed, as_of))
    if not selection:
        return CheckResult(as_of, 0, tuple(found))
    result = check(root, as_of, selection, use_cache=use_cache)
    findings = sorted({*result.findings, *found}, key=lambda f: f.sort_key)
    return CheckResult(as_of, result.documents, tuple(findings))


def _open(root: Path) -> GitHistory:
    try:
        return GitHistory.open(root)
    except ShallowClone:
        raise ShallowClone(
            "--since needs the commits since REF, and this checkout is a shallow clone: run "
            "`git fetch --unshallow` (in GitHub Actions: actions/checkout with fetch-depth: 0)"
        ) from None


def change_findings(
    git: GitHistory, root: Path, ref: str, changed: Sequence[str], as_of: date
) -> list[Finding]:
    """The change control findings of the controlled documents among `changed`."""
    controlled = [p for p in changed if _is_controlled(p)]
    now = {p: _Side.read(p, _read_file(root, p)) for p in controlled}
    before = {
        p: _Side.read(p, raw) for p, raw in zip(controlled, _at(git, ref, controlled), strict=True)
    }
    gone = [s for p, s in before.items() if s is not None and now[p] is None]
    by_id = {s.document.id: s for s in gone if s.document is not None}
    findings: list[Finding] = []
    for path in controlled:
        current = now[path]
        if current is None or current.document is None:
            continue  # deleted, or unreadable: `kb check` reports what is wrong with it
        previous = before[path] or by_id.get(current.document.id)
        if previous is not None and previous.identity() == current.identity():
            findings += _approval_rewritten(previous, current)
            continue  # neither the content nor the version changed
        first_day = _change_day(git, ref, path, previous, as_of)
        found = _findings(current, current.document, previous, first_day)
        if not found and current.document.status is Status.PUBLISHED:
            found = _edited_after_approval(git, ref, path, previous, current)
        findings += found
    return findings


APPROVAL_FIELDS = ("status", "approved_by", "approved_on", "effective")


def _approval_rewritten(previous: _Side, current: _Side) -> list[Finding]:
    """`approval-missing` when the approval of a version already approved at REF is
    rewritten (another approver, another day) with nothing else changed: an approval is
    recorded once, by `kb approve`, for the version it approves. Filling in a missing
    `approved_on` (an older knowledge base gaining the field) is not a rewrite."""
    old, new = previous.document, current.document
    if old is None or new is None or not (old.status is Status.PUBLISHED and old.approved_by):
        return []
    changed = [
        f"{name} {before} → {after}"
        for name, before, after in (
            ("approved_by", old.approved_by, new.approved_by),
            ("approved_on", old.approved_on, new.approved_on),
        )
        if before is not None and before != after
    ]
    if not changed:
        return []
    return [
        error(
            current.path,
            new.line_of("approved_by" if "approved_by" in changed[0] else "approved_on"),
            "approval-missing",
            f"the approval of version {new.version} was rewritten ({'; '.join(changed)}) "
            "without a new version: an approval is recorded once, for the version it approves",
            "put the approval back as it was; a new approval is for a new version "
            f"(kb review {new.id} --bump minor, then kb approve)",
        )
    ]


def _approval_of(side: _Side) -> tuple[str, ...]:
    return tuple(repr(side.source.front_matter.get(key)) for key in APPROVAL_FIELDS)


def _edited_after_approval(
    git: GitHistory, ref: str, path: str, previous: _Side | None, current: _Side
) -> list[Finding]:
    """`approval-missing` when the content changed after the approval was recorded: the
    states of the file since REF (its commits, then the working tree) show a content change
    with no change of the approval's fields from there on. An approval covers the text it
    was given for, not a later edit made the same day."""
    changes = []
    for change in git.file_changes(path):  # newest first, down to REF
        if change.commit.sha == ref or change.status == "D":
            break
        changes.append(change)
    raws = git.read_many([(c.commit.sha, c.path) for c in changes])
    states: list[tuple[str, _Side | None]] = [("REF", previous)]
    for change, raw in reversed(list(zip(changes, raws, strict=True))):
        states.append((change.commit.sha[:10], _Side.read(change.path, raw)))
    states.append(("the working tree", current))
    readable = [(name, side) for name, side in states if side is not None]
    last_edit = None
    for index in range(1, len(readable)):
        if readable[index][1].content() != readable[index - 1][1].content():
            last_edit = index
    if last_edit is None:
        return []
    approvals = {_approval_of(side) for _, side in readable[last_edit - 1 :]}
    if len(approvals) > 1:
        return []  # the approval was recorded with the last edit or after it
    document = current.document
    assert document is not None
    where = readable[last_edit][0]
    where = where if where == "the working tree" else f"commit {where}"
    return [
        error(
            path,
            document.line_of("approved_on"),
            "approval-missing",
            f"version {document.version} was edited after its approval (in {where}): the "
            "approval recorded is for the text before that edit",
            f"have the edited text approved and record it: kb approve {document.id} --by "
            "PERSON (or raise the version with kb review --bump)",
        )
    ]


def _is_controlled(path: str) -> bool:
    location = locate(path)
    return location is not None and location.type in VERSIONED


def _read_file(root: Path, relative: str) -> bytes | None:
    """The file in the working tree (None when absent, or not a regular file inside the
    checkout: `kb check` reports those)."""
    try:
        return read_regular(str(root / relative), MAX_FILE_BYTES, (str(root.resolve()),))
    except OSError:
        return None


def _at(git: GitHistory, commit: str, paths: Sequence[str]) -> list[bytes | None]:
    return git.read_many([(commit, p) for p in paths])


def _change_day(git: GitHistory, ref: str, path: str, previous: _Side | None, as_of: date) -> date:
    """The day of the first commit after REF whose file differs (in content) from REF's;
    the day of the check when the change is not committed yet."""
    changes = [c for c in git.file_changes(path) if c.status != "D"]
    if not changes:
        return as_of
    wanted = [(c.commit.sha, c.path) for c in changes]
    day = as_of
    for change, raw in zip(changes, git.read_many(wanted), strict=True):  # newest first
        if change.commit.sha == ref:
            break
        side = _Side.read(change.path, raw)
        if previous is not None and side is not None and side.identity() == previous.identity():
            break
        day = change.commit.date.date()
    return day


def _findings(
    current: _Side, document: Document, previous: _Side | None, changed_on: date
) -> list[Finding]:
    path = current.path
    found = []
    old = previous.document if previous is not None else None
    content_changed = previous is None or previous.content() != current.content()
    if (
        content_changed
        and old is not None
        and old.version is not None
        and old.version == document.version
    ):
        found.append(
            error(
                path,
                document.line_of("version"),
                "version-not-bumped",
                f"the content changed since the base, but the version is still {old.version}",
                f"raise the version (kb review {document.id} --bump minor, or major), which "
                "also adds its revision-history row",
            )
        )
    is_new = previous is None
    if not is_new or document.status is Status.PUBLISHED:
        found += _revision(current, document)
        found += _approval(document, changed_on, is_new)
    return found


def _revision(current: _Side, document: Document) -> list[Finding]:
    rows = [r for r in revision_rows(current.source.body) if r.version == document.version]
    complete = [r for r in rows if r.date is not None and r.change.strip()]
    if complete:
        return []
    line = current.source.body_line - 1 + rows[-1].line if rows else document.line_of("version")
    what = "has no date or no change" if rows else "is missing"
    return [
        error(
            current.path,
            line,
            "revision-missing",
            f"the revision-history row of version {document.version} {what}",
            f"add a row to the revision history (修訂紀錄): | {document.version} | YYYY-MM-DD | "
            "what changed | 待核准 pending |",
        )
    ]


def _approval(document: Document, changed_on: date, is_new: bool) -> list[Finding]:
    if document.status is not Status.PUBLISHED:
        return []
    approved_on = document.approved_on
    if approved_on is not None and approved_on >= changed_on and document.approved_by:
        return []
    what = "a new document" if is_new else f"changed on {changed_on}"
    if approved_on is None:
        reason = "has no approved_on"
    elif approved_on < changed_on:
        reason = f"was approved on {approved_on}, before the change"
    else:
        reason = "has no approved_by"
    return [
        error(
            document.path,
            document.line_of("approved_on" if approved_on else "status"),
            "approval-missing",
            f"version {document.version} ({what}) claims to be published but {reason}",
            f"have it approved and record it: kb approve {document.id} --by PERSON; until "
            "then write 'status: in-review'",
        )
    ]
