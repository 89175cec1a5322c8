"""`kb review`: record that a document was reviewed, in place, touching only what must change."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import NoReturn

from supportkb.authoring.editing import FrontMatterEditor, one_line_text
from supportkb.authoring.identity import check_active_person, person_for_git_user
from supportkb.documents.body import read_body
from supportkb.documents.model import DocType, Document, Status
from supportkb.documents.sections import SECTION_ALIASES, normalise_heading
from supportkb.documents.source import MAX_FILE_BYTES, Source, read_source
from supportkb.errors import FatalError, InvalidUsage
from supportkb.system.atomic import write_atomic
from supportkb.system.checkout_lock import checkout_lock
from supportkb.system.safe_read import read_regular
from supportkb.workspace.knowledge_base import find_document, load_knowledge_base
from supportkb.workspace.owners import OwnerRegistry

BUMPS = ("minor", "major")
# What records a version's approval (`kb approve` writes them): a bump clears them, so that
# the new version cannot look approved by the previous version's approver.
APPROVAL_FIELDS = ("approved_by", "approved_on", "effective")
_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.\d+)*$")


@dataclass(frozen=True)
class ReviewRecord:
    path: Path
    document_id: str
    reviewer: str
    on: date
    version: str | None  # the new version when bumped
    status: Status | None = None  # the status a bump left (in-review; a draft stays one)
    cleared: tuple[str, ...] = ()  # the approval fields a bump removed


def record_review(
    root: Path,
    doc_id: str,
    reviewer: str | None,
    on: date,
    bump: str | None = None,
    note: str | None = None,
) -> ReviewRecord:
    """Record the review in the document's file. Runs in the same checkout wait for each
    other (the checkout lock), so none loses another's review; the edited file is read back
    as `kb check` reads it and written only when it says exactly what was intended."""
    if on > date.today():
        raise InvalidUsage(f"--date {on} is in the future: a review is recorded once it is done")
    if note is not None:
        one_line_text(note, "--note")
    if reviewer is not None:
        one_line_text(reviewer, "--by")
    with checkout_lock(root):
        kb = load_knowledge_base(root)
        document = find_document(kb, doc_id)
        version = bumped_version(document, bump) if bump is not None else None
        person = reviewer or person_for_git_user(kb.registry, root)
        _check_reviewer(kb.registry, person)
        path = file_to_edit(root, document.path)
        try:
            raw = read_regular(str(path), MAX_FILE_BYTES, (str(root.resolve()),))
        except OSError as exc:
            raise FatalError(f"{document.path}: cannot read it: {exc.strerror}") from None
        before = readable_source(document.path, raw)
        status: Status | None = None
        cleared: tuple[str, ...] = ()
        if version is not None:
            status = None if document.status is Status.DRAFT else Status.IN_REVIEW
            cleared = tuple(k for k in APPROVAL_FIELDS if k in before.front_matter)
        intended = _Intended(on, person, version, None, status, cleared)
        data, intended = _edit(document.path, raw, intended, note or _default_note(bump))
        _refuse_unintended(document.path, before, data, intended)
        write_atomic(path, data)
    return ReviewRecord(root / document.path, document.id, person, on, version, status, cleared)


def _edit(path: str, raw: bytes, intended: _Intended, note: str) -> tuple[bytes, _Intended]:
    """The file with the review's edits (and the revision row it added, when bumping)."""
    try:
        editor = FrontMatterEditor(raw.decode("utf-8"))
        editor.set_scalar(
            "last_reviewed",
            intended.on.isoformat(),
            after=("owner", "status", "title", "id"),
            plain=True,
        )
        editor.add_to_list("reviewers", intended.person, after=("owner", "title", "id"))
        if intended.version is not None:
            editor.set_scalar("version", intended.version, after=("last_reviewed", "owner"))
            if intended.status is not None:
                editor.set_scalar("status", intended.status.value, plain=True)
            for key in intended.cleared:
                editor.remove(key)
            row = _add_revision_row(editor, intended.version, intended.on, intended.person, note)
            intended = replace(intended, row=row)
    except FatalError as exc:
        raise FatalError(f"{path}: cannot record a review: {exc}; nothing was written") from None
    return editor.render().encode("utf-8"), intended


def file_to_edit(root: Path, relative: str) -> Path:
    """The regular file inside the checkout that holds the document. A symlink is followed
    (replacing the link by a file would leave its target unreviewed); one that leads out of
    the checkout, or to something that is not a regular file, is refused."""
    path = root / relative
    target = path.resolve()
    if not target.is_relative_to(root.resolve()):
        raise FatalError(f"{relative} is a link to a file outside the checkout; not editing it")
    if not target.is_file():
        raise FatalError(f"{relative} is not a regular file; not editing it")
    return target


def _check_reviewer(registry: OwnerRegistry, person: str) -> None:
    check_active_person(registry, person, "a review is recorded")


def readable_source(path: str, raw: bytes, record: str = "a review") -> Source:
    """The file's front-matter and body as `kb check` reads them; `FatalError` saying why not
    (`record` is what could not be recorded)."""
    source, findings = read_source(path, raw)
    if source is None:
        reason = findings[0].message if findings else "unreadable"
        raise FatalError(
            f"{path}:{findings[0].line if findings else 1}: cannot record {record}: {reason}"
        )
    return source


@dataclass(frozen=True)
class _Intended:
    """What a review changes: last_reviewed, the reviewers, and with a bump the version and
    one revision-history row."""

    on: date
    person: str
    version: str | None
    row: str | None
    status: Status | None = None
    cleared: tuple[str, ...] = ()


_CHANGED = ("last_reviewed", "reviewers", "version", "status", *APPROVAL_FIELDS)


def _refuse_unintended(path: str, before: Source, data: bytes, intended: _Intended) -> None:
    """Read the edited file back as `kb check` does; unless its front-matter is the old one
    with exactly the intended changes, and its body the old one (plus the revision row), the
    edit is refused and nothing is written. The editor handles the layouts people write; this
    guards the ones it does not know (and any disagreement with the checker's reading)."""
    source, findings = read_source(path, data)
    if source is None:
        problem = findings[0].message if findings else "unreadable"
        _refuse(path, f"the edited front-matter would not be readable ({problem})")
    old, new = before.front_matter, source.front_matter
    changed: tuple[str, ...] = _CHANGED if intended.version else _CHANGED[:2]
    if intended.status is None:
        changed = tuple(k for k in changed if k != "status")
    if [k for k in old if k not in changed] != [k for k in new if k not in changed]:
        _refuse(path, "the edit would change which fields the front-matter has")
    for key in old:
        if key not in changed and repr(old[key]) != repr(new[key]):
            _refuse(path, f"the edit would change '{key}'")
    if not is_date(new.get("last_reviewed"), intended.on):
        _refuse(path, "last_reviewed would not read as the review date")
    if new.get("reviewers") != _reviewers_after(old.get("reviewers"), intended.person):
        _refuse(path, "the reviewers list would not read as the old one plus the reviewer")
    if intended.version is None:
        if source.body != before.body:
            _refuse(path, "the edit would change the body")
        return
    if new.get("version") != intended.version:
        _refuse(path, f"version would not read as {intended.version}")
    if intended.status is not None and new.get("status") != intended.status.value:
        _refuse(path, f"status would not read as {intended.status.value}")
    if [k for k in APPROVAL_FIELDS if k in new] or [
        k for k in APPROVAL_FIELDS if k in old and k not in intended.cleared
    ]:
        _refuse(path, "the approval of the previous version would not be cleared")
    if not _only_added(before.body, source.body, intended.row or ""):
        _refuse(path, "the edit would change the body beyond the new revision row")


def _refuse(path: str, reason: str) -> NoReturn:
    raise FatalError(
        f"{path}: cannot record the review in this file's layout safely: {reason}; nothing "
        "was written (edit last_reviewed and reviewers by hand, or write the front-matter in "
        "the usual 'key: value' and '- item' form)"
    )


def is_date(value: object, on: date) -> bool:
    return value == on or value == on.isoformat()


def _reviewers_after(old: object, person: str) -> object:
    """The reviewers value `kb check` should read after the review."""
    if old is None or old == "":
        return [person]
    items = [old] if isinstance(old, str) else old
    if not isinstance(items, list):
        return object()  # not a list: the editor refuses before; never equal
    if any(isinstance(item, str) and item.strip() == person for item in items):
        return old
    return [*items, person]


def _only_added(old: str, new: str, row: str) -> bool:
    """True when `new` is `old` with lines inserted, one of them the revision row, and the
    inserted lines hold no heading but the revision-history one."""
    old_lines, new_lines = old.split("\n"), new.split("\n")
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    added: list[str] = []
    for tag, _, _, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            return False
        added += new_lines[j1:j2]
    headings = [line for line in added if line.lstrip().startswith("#")]
    return row in added and all(line == f"## {_NEW_HEADING}" for line in headings)


def bumped_version(document: Document, bump: str) -> str:
    if bump not in BUMPS:
        raise FatalError(f"--bump is minor or major, not {bump}")
    if document.version is None and document.type is DocType.ARTICLE:
        raise FatalError(
            f"{document.id} is an article: articles carry no version, so there is nothing to "
            "bump; record the review without --bump"
        )
    if document.version is None:
        raise FatalError(
            f"{document.path}: {document.id} has no version to bump; add 'version: \"1.0\"' "
            "to its front-matter, or record the review without --bump"
        )
    match = _VERSION.match(document.version)
    if match is None:
        raise FatalError(
            f"{document.path}: version {document.version!r} is not a number like 1.2; "
            "only versioned documents (SOPs, emergency plans, policies) can be bumped"
        )
    major, minor = int(match.group(1)), int(match.group(2) or 0)
    return f"{major + 1}.0" if bump == "major" else f"{major}.{minor + 1}"


def _default_note(bump: str | None) -> str:
    return "複審後改版（重大修訂）" if bump == "major" else "複審後改版"


_REVISION_HEADINGS = tuple(SECTION_ALIASES["revision-history"])
_COLUMNS = (
    ("version", ("版本", "version")),
    ("date", ("日期", "date")),
    ("note", ("說明", "说明", "內容", "摘要", "修訂內容", "description", "change", "summary")),
    ("pending", ("核准", "approv")),
    ("person", ("審", "人", "by", "review")),
)


_NEW_HEADING = "修訂紀錄"


def _add_revision_row(
    editor: FrontMatterEditor, version: str, on: date, person: str, note: str
) -> str:
    """Add the row for the new version to the revision history (a section and a table when
    there is none); returns the row."""
    values = {
        "version": version,
        "date": on.isoformat(),
        "note": note,
        "person": person,
        "pending": "待核准 pending",
    }  # the reviewer is not the approver
    text = editor.normalised
    body_start = (
        text.index("\n", editor.front_end) + 1 if "\n" in text[editor.front_end :] else len(text)
    )
    headings = read_body(text[body_start:], 1).headings
    heading = next(
        (h for h in headings if normalise_heading(h.text).startswith(_REVISION_HEADINGS)), None
    )
    lines = text[body_start:].split("\n")
    if heading is None:
        table = "| 版本 | 日期 | 說明 | 核准人 |\n| --- | --- | --- | --- |\n"
        row = _row(["版本", "日期", "說明", "核准人"], values)
        ending = "" if text.endswith("\n") else "\n"
        editor.insert(len(text), f"{ending}\n## {_NEW_HEADING}\n\n{table}{row}\n")
        return row
    index = heading.line  # first line after the heading (lines are 1-based)
    while index < len(lines) and not lines[index].lstrip().startswith("|"):
        if lines[index].lstrip().startswith("#"):
            break
        index += 1
    if index >= len(lines) or not lines[index].lstrip().startswith("|"):
        offset = body_start + sum(len(line) + 1 for line in lines[: heading.line]) - 1
        header = ["版本", "日期", "說明", "核准人"]
        row = _row(header, values)
        editor.insert(
            offset, "\n\n| " + " | ".join(header) + " |\n| --- | --- | --- | --- |\n" + row
        )
        return row
    header = [cell.strip() for cell in lines[index].strip().strip("|").split("|")]
    while index + 1 < len(lines) and lines[index + 1].lstrip().startswith("|"):
        index += 1
    offset = body_start + sum(len(line) + 1 for line in lines[: index + 1]) - 1
    row = _row(header, values)
    editor.insert(offset, "\n" + row)
    return row


def _row(header: list[str], values: dict[str, str]) -> str:
    cells = []
    for title in header:
        lowered = title.casefold()
        key = next((k for k, words in _COLUMNS if any(w in lowered for w in words)), None)
        cells.append(_cell(values.pop(key, "")) if key else "")
    return "| " + " | ".join(cells) + " |"


def _cell(text: str) -> str:
    """`text` as a Markdown table cell: a `|` would end the cell (and a backslash before it
    would undo its escape)."""
    return text.replace("\\", "\\\\").replace("|", "\\|")
