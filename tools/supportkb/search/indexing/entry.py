"""`IndexEntry`: a document as the search index stores it, the record shared by the index
builder (`indexing.index`), the engine (`backend`) and the related lists (`related`). In a
module of its own so that `kb index` with nothing to do does not import the engine (Whoosh,
NumPy)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One document as the index stores it."""

    path: str
    id: str
    title: str
    type: str
    status: str
    owner: str
    owner_groups: tuple[str, ...]  # the owner and the teams the owner belongs to
    visibility: str
    headings: str = ""
    body: str = ""
    tags: tuple[str, ...] = ()
    category: str = ""
    kind: str = ""
    products: tuple[str, ...] = ()
    version: str = ""
    last_reviewed: date | None = None
    review_due: date | None = None  # None: not held to review (draft, retired) or undated
    url: str = ""
    digest: str = ""  # of the source file, for incremental builds
