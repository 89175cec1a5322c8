"""The document model: what a controlled document is once its front-matter has been validated."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from supportkb.documents.durations import Duration
from supportkb.documents.records import fast_pickle
from supportkb.documents.vocabulary import ARTICLE_KINDS, DocType, Status, Visibility

__all__ = ["ARTICLE_KINDS", "DocType", "Document", "Status", "Visibility"]


@dataclass(frozen=True, slots=True)
class Applicability:
    """`applies_to` entry: the product versions a document is written for."""

    product: str
    versions: str  # a PEP 440 specifier set, validated when the document was read

    def covers(self, version: Version) -> bool:
        return _covers(self.versions, version)


fast_pickle(Applicability)


@lru_cache(maxsize=4096)
def _covers(versions: str, version: Version) -> bool:
    return SpecifierSet(versions).contains(version, prereleases=True)


@dataclass(frozen=True, slots=True)
class Drill:
    date: date
    scenario: str
    report: str


fast_pickle(Drill)


@dataclass(frozen=True, slots=True)
class Heading:
    level: int
    text: str
    line: int


fast_pickle(Heading)


@dataclass(frozen=True, slots=True)
class Link:
    """A relative Markdown link in the body (external links are not recorded)."""

    target: str  # as written, without #fragment
    line: int


fast_pickle(Link)


@dataclass(frozen=True, slots=True)
class Document:
    """A document whose front-matter has been read. Each attribute is filled by a field of
    the table in `fields.FIELDS` (its `attribute`), except those its file fills
    (`fields.FROM_THE_FILE`: its path, the folder's type and category, the body's links and
    the front-matter's lines); a test holds the two lists to the attributes."""

    path: str  # relative to the knowledge base root, forward slashes
    type: DocType
    id: str
    title: str
    owner: str
    status: Status = Status.DRAFT
    reviewers: tuple[str, ...] = ()
    last_reviewed: date | None = None
    review_every: Duration | None = None
    review_by: date | None = None
    tags: tuple[str, ...] = ()
    category: str | None = None
    kind: str | None = None
    version: str | None = None
    effective: date | None = None
    approved_by: str | None = None
    approved_on: date | None = None
    visibility: Visibility = Visibility.INTERNAL
    applies_to: tuple[Applicability, ...] = ()
    related: tuple[str, ...] = ()
    supersedes: str | None = None
    drill_every: Duration | None = None
    drills: tuple[Drill, ...] = ()
    links: tuple[Link, ...] = ()
    # line of each front-matter key, so findings can point at it
    field_lines: Mapping[str, int] = field(default_factory=dict, compare=False)

    def line_of(self, name: str) -> int:
        return self.field_lines.get(name, 1)

    @property
    def last_drill(self) -> Drill | None:
        return max(self.drills, key=lambda drill: drill.date, default=None)


fast_pickle(Document)
