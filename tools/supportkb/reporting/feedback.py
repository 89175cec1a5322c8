"""What readers say of a page: the knowledge base improved from use (the support rules).

At the end of every document page the reader answers "有幫助嗎？" (helpful, not helpful) or
reports the content as wrong or out of date, with an optional comment; a search with no result
may ask for the missing article (its query). `kb serve` records these in a SQLite file beside
the search log (`feedback_path`), with the same care: nothing identifies a person (no
address, no user agent, no cookie; the time is kept to the hour), comments and queries are
masked as searches are (`supportkb.reporting.search_log.mask_personal`), rows older than the
retention period go, and an existing file is written to only when it is this store
(`claim_feedback_file`). `kb report` reads it: per owner, the documents flagged with their
comments, and the articles asked for.

A flag is open until the document is reviewed: flags recorded after its last review day
count (`feedback_counts`, `flagged`).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from supportkb.reporting.hourly_store import RETENTION_DAYS, HourlyStore
from supportkb.reporting.search_log import mask_personal, normalise_query

MAX_COMMENT = 1000
MAX_COMMENTS = 10  # per document in a report: the latest
TABLES = ("feedback",)
# control characters, and the bidirectional controls that can make a report read other than it
# is written (U+202A-U+202E, U+2066-U+2069)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    hour TEXT NOT NULL,          -- UTC, 'YYYY-MM-DDTHH'
    kind TEXT NOT NULL,          -- a FeedbackKind
    document TEXT NOT NULL,      -- the document's id; '' for a missing article
    comment TEXT NOT NULL,       -- masked, at most MAX_COMMENT characters
    query TEXT NOT NULL          -- for a missing article: the query, normalised and masked
);
CREATE INDEX IF NOT EXISTS feedback_hour ON feedback (hour);
"""


class FeedbackKind(StrEnum):
    HELPFUL = "helpful"
    NOT_HELPFUL = "not-helpful"
    WRONG = "wrong"  # the content is wrong or out of date
    MISSING = "missing"  # a search found nothing: the article is asked for

    @property
    def is_flag(self) -> bool:
        """What the owner has to look at (helpful is counted, not flagged)."""
        return self in (FeedbackKind.NOT_HELPFUL, FeedbackKind.WRONG)


@dataclass(frozen=True)
class DocumentFeedback:
    """What readers said of one document since its last review."""

    id: str
    helpful: int
    not_helpful: int
    wrong: int
    comments: tuple[str, ...]  # the latest first, at most MAX_COMMENTS

    @property
    def flags(self) -> int:
        return self.not_helpful + self.wrong


@dataclass(frozen=True)
class MissingRequest:
    query: str
    requests: int


def feedback_path(analytics: Path) -> Path:
    """The feedback file beside the search log: `searches.sqlite` → `searches.feedback.sqlite`."""
    return analytics.with_name(f"{analytics.stem}.feedback{analytics.suffix or '.sqlite'}")


def claim_feedback_file(path: Path) -> None:
    """Refuse (FatalError) a path that is not absent or this store's file, and create its
    tables: `kb serve` calls it before its workers start, so that two workers never both
    find a file being created without its tables (one refused it, died and was restarted)."""
    FeedbackStore(path)


def clean_comment(text: str) -> str:
    """NFC, control characters as spaces, spaces collapsed, personal data masked, at most
    MAX_COMMENT long."""
    plain = " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", text)).split())
    return mask_personal(plain)[:MAX_COMMENT]


class FeedbackStore(HourlyStore):
    """The feedback file."""

    TABLES = TABLES
    SCHEMA = _SCHEMA
    WHAT = "feedback file"

    def record(
        self,
        kind: FeedbackKind,
        document: str | None,
        comment: str = "",
        query: str = "",
        when: datetime | None = None,
    ) -> None:
        text = (clean_comment(comment), normalise_query(query))
        self._insert("feedback", (kind.value, (document or "")[:40], *text), when)


def flagged(
    path: Path, since: date, reviewed: Mapping[str, date | None] | None = None
) -> list[DocumentFeedback]:
    """Each document's feedback recorded from `since` and after its last review day (a review
    closes the flags before it), the most flagged first. Nothing when the file is absent."""
    tallies: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    comments: dict[str, list[str]] = defaultdict(list)
    for hour, kind, document, comment in _read(
        path,
        "SELECT hour, kind, document, comment FROM feedback "
        "WHERE document != '' AND hour >= ? ORDER BY hour DESC, rowid DESC",
        (since.isoformat(),),
    ):
        last = (reviewed or {}).get(document)
        if last is not None and hour[:10] <= last.isoformat():
            continue
        tallies[document][kind] += 1
        if comment and len(comments[document]) < MAX_COMMENTS:
            comments[document].append(comment)
    found = [
        DocumentFeedback(
            document,
            counts[FeedbackKind.HELPFUL],
            counts[FeedbackKind.NOT_HELPFUL],
            counts[FeedbackKind.WRONG],
            tuple(comments[document]),
        )
        for document, counts in tallies.items()
    ]
    return sorted(found, key=lambda f: (-f.flags, -f.helpful, f.id))


def missing_requests(path: Path, since: date, limit: int = 20) -> list[MissingRequest]:
    """Articles asked for from searches with no result, most asked first."""
    rows = _read(
        path,
        "SELECT query, count(*) FROM feedback WHERE kind = ? AND query != '' AND hour >= ? "
        "GROUP BY query ORDER BY count(*) DESC, query LIMIT ?",
        (FeedbackKind.MISSING.value, since.isoformat(), limit),
    )
    return [MissingRequest(query, count) for query, count in rows]


def feedback_counts(
    path: Path,
    reviewed: Mapping[str, date | None] | None = None,
    as_of: date | None = None,
    days: int = RETENTION_DAYS,
) -> Mapping[str, int]:
    """Document id → its open flags (not helpful or wrong, in the `days` before `as_of` and
    after the document's last review), for pages such as the review calendar; only documents
    with flags. Nothing when the file is absent."""
    since = (as_of or datetime.now(UTC).date()) - timedelta(days=days)
    return {f.id: f.flags for f in flagged(path, since, reviewed) if f.flags}


def _read(path: Path, sql: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
    """Rows of the file, opened read-only after it is claimed; none when it is absent."""
    if not path.is_file():
        return []
    claim_feedback_file(path)
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
        return db.execute(sql, parameters).fetchall()
