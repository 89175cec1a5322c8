"""`kb approve`: record the approval of a controlled document's current version, in place.

The approval is what makes a version the one in force (from its `effective` date): the
front-matter gets `approved_by`, `approved_on`, `status: published` and `effective`, and the
revision-history row of the version gets its approver when it says 待核准 pending. Every other
byte of the file is kept; the edited file is read back as `kb check` reads it and written only
when it says exactly that (as `kb review` does).

Segregation of duties: the approver should not be the author of the change. Approving one's
own change is not refused (a small centre may have one approver), but said on the way out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NoReturn

from supportkb.authoring.editing import FrontMatterEditor, one_line_text
from supportkb.authoring.identity import check_active_person, git_email, person_with_email
from supportkb.authoring.review import (
    APPROVAL_FIELDS,
    file_to_edit,
    is_date,
    readable_source,
)
from supportkb.documents.model import DocType, Document, Status
from supportkb.documents.source import MAX_FILE_BYTES, Source, read_source
from supportkb.errors import FatalError, InvalidUsage
from supportkb.history.git import GitHistory, NotARepository
from supportkb.history.revision_table import revision_rows
from supportkb.system.atomic import write_atomic
from supportkb.system.checkout_lock import checkout_lock
from supportkb.system.safe_read import read_regular
from supportkb.workspace.knowledge_base import find_document, load_knowledge_base
from supportkb.workspace.owners import OwnerRegistry

# the approver's cell of a row waiting for approval: "待核准 pending", "待核准" or "pending"
_PENDING_CELL = re.compile(r"(\|[ \t]*)(待核准(?:[ \t]+pending)?|pending)([ \t]*(?:\||$))", re.I)


@dataclass(frozen=True)
class ApprovalRecord:
    path: Path
    document_id: str
    version: str
    approver: str
    on: date  # approved_on
    effective: date
    row_filled: bool  # the revision row's 待核准 pending became the approver
    warnings: tuple[str, ...]  # said on standard error; the approval is recorded


def record_approval(
    root: Path, doc_id: str, approver: str, on: date, effective: date | None = None
) -> ApprovalRecord:
    """Record that `approver` approved the current version of `doc_id` on `on`, in force
    from `effective` (default: `on`). An effective date before the approval is refused: the
    version would be in force on days nobody had approved it, which is what an audit looks
    for (ISO 9001 7.5.3: approval before issue)."""
    one_line_text(approver, "--by")
    if on > date.today():
        raise InvalidUsage(f"--date {on} is in the future: an approval is recorded once given")
    effective = effective or on
    if effective < on:
        raise InvalidUsage(
            f"--effective {effective} is before the approval ({on}): a version cannot take "
            "effect before it is approved; give the approval's day with --date, or a later "
            "--effective"
        )
    with checkout_lock(root):
        kb = load_knowledge_base(root)
        document = find_document(kb, doc_id)
        version = _version_to_approve(document)
        check_approver(kb.registry, approver)
        path = file_to_edit(root, document.path)
        try:
            raw = read_regular(str(path), MAX_FILE_BYTES, (str(root.resolve()),))
        except OSError as exc:
            raise FatalError(f"{document.path}: cannot read it: {exc.strerror}") from None
        before = readable_source(document.path, raw, "the approval")
        warnings = [*_own_change(root, document.path, approver, kb.registry)]
        warnings += _dated_before_the_change(root, document.path, on)
        if document.status is Status.PUBLISHED and document.approved_by:
            when = f" on {document.approved_on}" if document.approved_on else ""
            warnings.append(
                f"{document.path}: version {version} was already approved (by "
                f"{document.approved_by}{when}, effective {document.effective or '—'}); this "
                "replaces that approval. If its text changed since, that is a new version: "
                f"kb review {document.id} --bump minor first, then kb approve"
            )
        if document.effective is not None and document.effective > effective:
            warnings.append(
                f"{document.path}: effective was {document.effective}; it is now {effective} "
                f"(give --effective {document.effective} to keep it)"
            )
        data, row = _edit(document.path, raw, approver, on, effective, version)
        if row is None and not any(r.version == version for r in revision_rows(before.body)):
            warnings.append(
                f"{document.path}: the revision history has no row for version {version}: add "
                "one (version, date, change), or kb check --since will report revision-missing"
            )
        _refuse_unintended(document.path, before, data, approver, on, effective, row)
        write_atomic(path, data)
    return ApprovalRecord(
        root / document.path,
        document.id,
        version,
        approver,
        on,
        effective,
        row is not None,
        tuple(warnings),
    )


def _version_to_approve(document: Document) -> str:
    if document.type is DocType.ARTICLE:
        raise FatalError(
            f"{document.id} is an article: articles carry no version, so there is no version "
            "to approve (publish it with status: published)"
        )
    if document.version is None:
        raise FatalError(
            f"{document.path}: {document.id} has no version; add 'version: \"1.0\"' to its "
            "front-matter, then approve it"
        )
    if document.status.is_retired:
        raise FatalError(
            f"{document.path}: {document.id} is {document.status.value}; approving it would "
            "put it back in force: raise its version first (kb review --bump)"
        )
    return document.version


def check_approver(registry: OwnerRegistry, person: str) -> None:
    """An approver is an active person of owners.yml: a team approves nothing."""
    check_active_person(
        registry, person, "a version is approved", ": an approver is an active person"
    )


def last_author(root: Path, relative: str, registry: OwnerRegistry) -> tuple[str | None, str]:
    """Who last changed the file, as a person of owners.yml (None when nobody's e-mail
    matches), and in words: git's user when the file has changes not committed yet, else
    the author of the last commit that changed it. (None, "") outside git or before any."""
    try:
        git = GitHistory.open(root, allow_shallow=True)  # the last commit is enough
    except NotARepository:
        return None, ""
    if git.has_changes([relative]):
        email = git_email(root)
        return person_with_email(registry, email), "the uncommitted change (git's user)"
    commit = git.last_author(relative)
    if commit is None:
        return None, ""
    where = f"the last commit of the file ({commit.sha[:7]}, {commit.date.date()})"
    return person_with_email(registry, commit.author_email), where


def _own_change(root: Path, relative: str, approver: str, registry: OwnerRegistry) -> list[str]:
    person, where = last_author(root, relative, registry)
    if person != approver:
        return []
    return [
        f"{relative}: {approver} is the author of {where}: the approver should not approve "
        "their own change (segregation of duties); have another person approve it, or record "
        "why not"
    ]


def _dated_before_the_change(root: Path, relative: str, on: date) -> list[str]:
    """An approval dated before the last commit of the text it approves (`--date` further
    back than the change): it cannot have approved that text."""
    try:
        last = GitHistory.open(root, allow_shallow=True).last_author(relative)
    except FatalError:
        return []
    if last is None or last.date.date() <= on:
        return []
    return [
        f"{relative}: the approval is dated {on}, before the file's last commit "
        f"({last.sha[:7]}, {last.date.date()}): it cannot have approved that text; give the "
        "day the approval was given with --date"
    ]


def _edit(
    path: str, raw: bytes, approver: str, on: date, effective: date, version: str
) -> tuple[bytes, str | None]:
    """The file with the approval recorded, and the revision row it filled (None if none)."""
    try:
        editor = FrontMatterEditor(raw.decode("utf-8"))
        after = ("version", "last_reviewed", "owner", "status", "title", "id")
        editor.set_scalar("status", Status.PUBLISHED.value, after=after[1:], plain=True)
        editor.set_scalar("approved_by", approver, after=after)
        editor.set_scalar("approved_on", on.isoformat(), after=("approved_by", *after), plain=True)
        editor.set_scalar(
            "effective", effective.isoformat(), after=("approved_on", "approved_by", *after),
            plain=True,
        )  # fmt: skip
        row = _fill_row(editor, version, approver)
    except FatalError as exc:
        raise FatalError(
            f"{path}: cannot record the approval: {exc}; nothing was written"
        ) from None
    return editor.render().encode("utf-8"), row


def _fill_row(editor: FrontMatterEditor, version: str, approver: str) -> str | None:
    """Put the approver in the pending cell of the version's last revision row."""
    text = editor.normalised
    newline = text.find("\n", editor.front_end)
    body_start = newline + 1 if newline >= 0 else len(text)
    body = text[body_start:]
    rows = [row for row in revision_rows(body) if row.version == version]
    if not rows:
        return None
    lines = body.split("\n")
    line = lines[rows[-1].line - 1]
    match = _PENDING_CELL.search(line)
    if match is None:
        return None
    offset = body_start + sum(len(each) + 1 for each in lines[: rows[-1].line - 1])
    cell = approver.replace("\\", "\\\\").replace("|", "\\|")
    editor.replace(offset + match.start(2), offset + match.end(2), cell)
    return line[: match.start(2)] + cell + line[match.end(2) :]


def _refuse_unintended(
    path: str,
    before: Source,
    data: bytes,
    approver: str,
    on: date,
    effective: date,
    row: str | None,
) -> None:
    """Read the edited file back: its front-matter must be the old one with the approval's
    fields only, and its body the old one (but the filled row)."""
    source, findings = read_source(path, data)
    if source is None:
        problem = findings[0].message if findings else "unreadable"
        _refuse(path, f"the edited front-matter would not be readable ({problem})")
    old, new = before.front_matter, source.front_matter
    changed = ("status", *APPROVAL_FIELDS)
    if [k for k in old if k not in changed] != [k for k in new if k not in changed]:
        _refuse(path, "the edit would change which fields the front-matter has")
    for key in old:
        if key not in changed and repr(old[key]) != repr(new[key]):
            _refuse(path, f"the edit would change '{key}'")
    if new.get("status") != Status.PUBLISHED.value:
        _refuse(path, "status would not read as published")
    if new.get("approved_by") != approver:
        _refuse(path, f"approved_by would not read as {approver}")
    if not is_date(new.get("approved_on"), on):
        _refuse(path, f"approved_on would not read as {on}")
    if not is_date(new.get("effective"), effective):
        _refuse(path, f"effective would not read as {effective}")
    old_lines, new_lines = before.body.split("\n"), source.body.split("\n")
    differ = [i for i, (a, b) in enumerate(zip(old_lines, new_lines, strict=False)) if a != b]
    if len(old_lines) != len(new_lines) or len(differ) > 1:
        _refuse(path, "the edit would change the body beyond the revision row")
    if differ and new_lines[differ[0]] != row:
        _refuse(path, "the edit would change the body beyond the revision row")


def _refuse(path: str, reason: str) -> NoReturn:
    raise FatalError(
        f"{path}: cannot record the approval in this file's layout safely: {reason}; nothing "
        "was written (write approved_by, approved_on, effective and status by hand)"
    )
