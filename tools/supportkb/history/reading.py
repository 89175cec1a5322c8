"""Reading the history of documents from git: each commit's file parsed as `kb check` reads
it, grouped into versions, with the reviews recorded.

What decides the version in force is the document, not the commit date: a version is
approved (published, with `approved_by` where its type requires one) and is in force from
its `effective` date (else its `approved_on`, else the day its approval was committed), which
may come after the approval; the previous version stays in force until then. A version
brought back (a revert) takes effect again on the day it was committed. A version made
deprecated or archived is withdrawn from the day that was committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path

from supportkb.documents.fields import build_document
from supportkb.documents.layout import TYPE_FOLDERS, Location, locate
from supportkb.documents.model import DocType, Document, Status
from supportkb.documents.source import read_source
from supportkb.history.git import FileVersion, GitHistory, follow
from supportkb.history.records import Author, DocumentHistory, Review, Revision, Version
from supportkb.history.revision_table import row_for
from supportkb.workspace.knowledge_base import find_document, load_knowledge_base
from supportkb.workspace.owners import OwnerRegistry

APPROVER_REQUIRED = frozenset({DocType.SOP, DocType.POLICY})  # as the field table says
_WITHDRAWN = frozenset({Status.DEPRECATED, Status.ARCHIVED})
_UNREADABLE_CODES = frozenset({"field-type"})


def read_history(
    root: Path, document: Document, registry: OwnerRegistry, git: GitHistory | None = None
) -> DocumentHistory:
    """The history of one document (following renames). `ShallowClone` in a shallow clone."""
    git = git or GitHistory.open(root)
    files = follow(git.file_changes(document.path), document.path)
    return _history(document, files, git, registry)


def read_histories(
    root: Path,
    documents: Iterable[Document],
    registry: OwnerRegistry,
    git: GitHistory | None = None,
) -> dict[str, DocumentHistory]:
    """The history of many documents from one pass over the document folders' commits."""
    git = git or GitHistory.open(root)
    documents = list(documents)
    # the folders of these documents' types only (a site reads the controlled documents')
    changes = git.folder_changes(sorted({TYPE_FOLDERS[d.type] for d in documents}))
    files = {d.id: follow(changes, d.path) for d in documents}
    wanted = [(f.commit.sha, f.path) for found in files.values() for f in found]
    contents = dict(zip(wanted, git.read_many(wanted), strict=True))
    return {d.id: _history(d, files[d.id], git, registry, contents) for d in documents}


def _history(
    document: Document,
    files: Sequence[FileVersion],
    git: GitHistory,
    registry: OwnerRegistry,
    contents: dict[tuple[str, str], bytes | None] | None = None,
) -> DocumentHistory:
    if contents is None:
        wanted = [(f.commit.sha, f.path) for f in files]
        contents = dict(zip(wanted, git.read_many(wanted), strict=True))
    people = {p.email.casefold(): p.id for p in registry.people.values() if p.email}
    revisions = tuple(
        _revision(f, contents.get((f.commit.sha, f.path)), document, people) for f in files
    )
    oldest_first = list(reversed(revisions))
    versions = _versions(oldest_first, document.type)
    return DocumentHistory(
        document.id,
        document.path,
        document.type,
        revisions,
        tuple(reversed(versions)),
        tuple(reversed(_reviews(oldest_first))),
    )


def _revision(
    found: FileVersion, raw: bytes | None, current: Document, people: dict[str, str]
) -> Revision:
    commit = found.commit
    author = Author(
        commit.author_name, commit.author_email, people.get(commit.author_email.casefold())
    )
    if raw is None:
        return Revision(commit.sha, commit.date, author, found.path, "", None, "not readable")
    source, findings = read_source(found.path, raw)
    text = source.text if source is not None else raw.decode("utf-8", "replace")
    if source is None:
        return Revision(commit.sha, commit.date, author, found.path, text, None, _first(findings))
    location = locate(found.path) or Location(found.path, current.type, current.category)
    document, problems = build_document(location, source.front_matter, source.key_lines)
    bad = [f for f in problems if f.code in _UNREADABLE_CODES]
    if document is None or bad:
        return Revision(
            commit.sha, commit.date, author, found.path, text, None, _first(bad or problems)
        )
    return Revision(commit.sha, commit.date, author, found.path, text, document)


def _first(findings: Sequence[object]) -> str:
    for finding in findings:
        line, message = getattr(finding, "line", 0), getattr(finding, "message", "")
        return f"line {line}: {message}" if line else str(message)
    return "not readable"


def is_approved(document: Document) -> bool:
    """Published, with the approver its type requires."""
    if document.status is not Status.PUBLISHED:
        return False
    return document.approved_by is not None or document.type not in APPROVER_REQUIRED


def _versions(oldest_first: Sequence[Revision], doc_type: DocType) -> list[Version]:
    """Versions, oldest first: runs of readable revisions sharing a version string (for an
    unversioned document, each revision)."""
    runs: list[list[Revision]] = []
    for revision in oldest_first:
        if revision.document is None:
            continue
        name = revision.document.version
        if (
            runs
            and name is not None
            and runs[-1][-1].document is not None
            and (runs[-1][-1].document.version == name)
        ):
            runs[-1].append(revision)
        else:
            runs.append([revision])
    versions: list[Version] = []
    seen: set[str] = set()
    for run in runs:
        version = _version(
            run, reinstated=run[0].document is not None and run[0].document.version in seen
        )
        if version.version is not None:
            seen.add(version.version)
        versions.append(version)
    return versions


def _version(run: list[Revision], reinstated: bool) -> Version:
    approved = [r for r in run if r.document is not None and is_approved(r.document)]
    chosen = approved[-1] if approved else run[-1]
    document = chosen.document
    last = run[-1].document
    assert document is not None and last is not None
    start: date | None = None
    withdrawn: date | None = None
    if approved:
        first = approved[0]
        start = document.effective or _approved_on(document) or first.date.date()
        if reinstated:
            start = max(start, first.date.date())
        after = [
            r for r in run[run.index(first) :] if r.document and r.document.status in _WITHDRAWN
        ]
        withdrawn = after[0].date.date() if after else None
    row = row_for(chosen.text, document.version) if document.version else None
    return Version(
        version=document.version,
        status=last.status,
        effective=document.effective,
        approved_by=document.approved_by,
        approved_on=_approved_on(document),
        change=row.change if row is not None else "",
        commit=chosen.commit,
        date=chosen.date,
        author=chosen.author,
        path=chosen.path,
        text=chosen.text,
        approved=bool(approved),
        in_force_from=start,
        withdrawn_on=withdrawn,
        revisions=tuple(approved or run),
    )


def _approved_on(document: Document) -> date | None:
    value = getattr(document, "approved_on", None)  # the field arrives with `kb approve`
    return value if isinstance(value, date) else None


def _reviews(oldest_first: Sequence[Revision]) -> list[Review]:
    reviews: list[Review] = []
    previous: Document | None = None
    for revision in oldest_first:
        document = revision.document
        if document is None:
            continue
        before = previous.last_reviewed if previous is not None else None
        if document.last_reviewed is not None and document.last_reviewed != before:
            added = [
                p for p in document.reviewers if previous is None or p not in previous.reviewers
            ]
            reviewer = _reviewer(added, document, revision.author)
            reviews.append(
                Review(
                    document.last_reviewed,
                    reviewer,
                    revision.commit,
                    revision.date,
                    revision.author,
                    document.version,
                )
            )
        previous = document
    return reviews


def document_history(root: Path, doc_id: str) -> tuple[Document, DocumentHistory]:
    """The document with id `doc_id` in the checkout and its history (git is asked first, so
    a shallow clone or a folder outside git is said before anything is read)."""
    git = GitHistory.open(root)
    kb = load_knowledge_base(root)
    document = find_document(kb, doc_id)
    return document, read_history(root, document, kb.registry, git)


def _reviewer(added: list[str], document: Document, author: Author) -> str:
    """Who recorded a review: the one reviewer it added (`kb review` adds its reviewer),
    else its author when a reviewer, else the reviewers it added, else its author."""
    if len(added) == 1:
        return added[0]
    if author.person is not None and author.person in document.reviewers:
        return author.person
    return ", ".join(added) or author.shown
