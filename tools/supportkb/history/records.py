"""What the history of a document is made of: its revisions (the file at each commit that
changed it), its versions (runs of revisions with one version string, approved or not) and
its reviews. `DocumentHistory.in_force_on` answers which version was in force on a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace

from supportkb.documents.model import DocType, Document, Status


@dataclass(frozen=True)
class Author:
    name: str
    email: str
    person: str | None  # the person of owners.yml with that e-mail

    @property
    def shown(self) -> str:
        return self.person or self.name


@dataclass(frozen=True)
class Revision:
    """The file as one commit left it."""

    commit: str
    date: dt.datetime  # the commit's (committer) date
    author: Author
    path: str  # its name then
    text: str
    document: Document | None  # None when that commit's file could not be read
    problem: str = ""  # why not, in one line


@dataclass(frozen=True)
class Version:
    """One version of a document: the consecutive revisions that carry one version string
    (for an article, which has none, each revision). An approved version's front-matter and
    text are those of its last approved revision; `revisions` are its approved revisions
    (all of them when it was never approved), oldest first."""

    version: str | None
    status: Status
    effective: dt.date | None
    approved_by: str | None
    approved_on: dt.date | None
    change: str  # from the revision-history row of this version
    commit: str
    date: dt.datetime
    author: Author
    path: str
    text: str
    approved: bool
    in_force_from: dt.date | None  # None when never approved
    withdrawn_on: dt.date | None  # deprecated or archived on that day
    revisions: tuple[Revision, ...]
    approval_withdrawn_on: dt.date | None = None  # its approval taken back (e.g. reverted)

    def text_on(self, day: dt.date) -> Revision:
        """The revision an auditor reads for `day`: the last one recorded by then, else
        the first (approved before it was recorded, e.g. an approval recorded late)."""
        recorded = [r for r in self.revisions if r.date.date() <= day]
        return recorded[-1] if recorded else self.revisions[0]


@dataclass(frozen=True)
class Review:
    on: dt.date  # the last_reviewed written
    reviewer: str
    commit: str
    date: dt.datetime
    author: Author
    version: str | None


@dataclass(frozen=True)
class DocumentHistory:
    id: str
    path: str
    type: DocType
    revisions: tuple[Revision, ...]  # newest first
    versions: tuple[Version, ...]  # newest first
    reviews: tuple[Review, ...]  # newest first

    def in_force_on(self, day: dt.date) -> Version | None:
        """The approved version with the latest start on or before `day` (its `effective`
        date, which may follow its approval); a later-recorded one wins a tie. None when
        nothing was in force: none approved yet, or withdrawn by then."""
        chosen: tuple[dt.date, int, Version] | None = None
        for order, version in enumerate(reversed(self.versions)):
            start = version.in_force_from
            if start is None or start > day:
                continue
            taken_back = version.approval_withdrawn_on
            if taken_back is not None and taken_back <= day:
                continue  # its approval was taken back: the version before it stands
            if chosen is None or (start, order) >= chosen[:2]:
                chosen = (start, order, version)
        if chosen is None:
            return None
        version = chosen[2]
        if version.withdrawn_on is not None and version.withdrawn_on <= day:
            return None
        return version

    def seen_by(self, may_read: Callable[[Document], bool]) -> DocumentHistory:
        """This history as an audience sees it: the versions, reviews and revisions whose
        text it may not read (a version restricted then, though not now) left out."""
        versions = tuple(
            v for v in self.versions if all(may_read(r.document) for r in v.revisions if r.document)
        )
        revisions = tuple(r for r in self.revisions if r.document is None or may_read(r.document))
        kept = {r.commit for r in revisions if r.document is not None}
        reviews = tuple(r for r in self.reviews if r.commit in kept)
        return replace(self, versions=versions, revisions=revisions, reviews=reviews)

    @property
    def current(self) -> Version | None:
        return self.versions[0] if self.versions else None

    def superseded(self, day: dt.date) -> tuple[Version, ...]:
        """Approved versions that took effect by `day` and are no longer in force on it
        (newest first): kept read-only, marked as not in force. A version approved to take
        effect later is neither in force nor superseded yet."""
        in_force = self.in_force_on(day)
        return tuple(
            v
            for v in self.versions
            if v.approved
            and v is not in_force
            and v.in_force_from is not None
            and v.in_force_from <= day
        )

    def version_named(self, name: str) -> Version | None:
        """The latest version called `name` (`1.2`), or the one at a commit (a sha prefix)."""
        for version in self.versions:
            if version.version == name:
                return version
        if len(name) >= 4:
            for version in self.versions:
                if any(r.commit.startswith(name) for r in version.revisions):
                    return version
        return None
