"""What people search for: the knowledge base's to-do list (the support rules ask that the KB be
improved from what people look for).

`kb serve` records, in a local SQLite file, each search's normalised text and result count, and
which result was opened. Nothing identifies a person: no address, no user name, no cookie; the
time is kept to the hour. `kb report` reads the file: "searches with no result" and "searched
but not opened".

What people type can still be personal: an e-mail address, a phone or card number pasted
into the box. Those are masked before anything is stored (`mask_personal`). The file is
bounded: rows older than the retention period (90 days by default) are deleted, and each table
keeps at most `max_rows` rows (the oldest go first): see `supportkb.reporting.hourly_store`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from supportkb.reporting.hourly_store import HourlyStore

DEFAULT_FILE = ".kb-analytics/searches.sqlite"
MAX_TEXT = 200
TABLES = ("searches", "opened")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*")  # with or without a dot (`john@corp`)
# a Taiwan national identification or resident certificate number: a letter, then 1, 2, 8 or 9
# and eight digits (A123456789); ten characters, too short for the digit-run rule below
_NATIONAL_ID = re.compile(r"(?<![A-Za-z0-9_])[A-Za-z][1289]\d{8}(?![A-Za-z0-9_])")
# six digits or more, alone or with spaces, dots or dashes between them (phone and card
# numbers), but not inside a word: error codes such as 0x80070005 or AADSTS50076 stay
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9_])\+?\d(?:[ .-]?\d){5,}(?![A-Za-z0-9_])")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS searches (
    hour TEXT NOT NULL,          -- UTC, 'YYYY-MM-DDTHH'
    query TEXT NOT NULL,         -- normalised: NFKC, lower case, spaces collapsed
    results INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS opened (
    hour TEXT NOT NULL,
    query TEXT NOT NULL,
    document TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS searches_hour ON searches (hour);
CREATE INDEX IF NOT EXISTS opened_hour ON opened (hour);
"""


@dataclass(frozen=True)
class QueryCount:
    query: str
    searches: int
    results: int  # for "no result": 0; for "not opened": the last result count


def normalise_query(text: str) -> str:
    """NFKC, lower case, spaces collapsed, personal data masked, at most MAX_TEXT long."""
    plain = " ".join(unicodedata.normalize("NFKC", text).lower().split())
    return mask_personal(plain)[:MAX_TEXT]


def mask_personal(text: str) -> str:
    """E-mail addresses as `<email>`, national identification numbers as `<id>`, runs of six
    digits or more as `<number>`."""
    text = _NATIONAL_ID.sub("<id>", _EMAIL.sub("<email>", text))
    return _DIGIT_RUN.sub("<number>", text)


class SearchLog(HourlyStore):
    """The analytics file: searches and the results opened."""

    TABLES = TABLES
    SCHEMA = _SCHEMA
    WHAT = "search log"

    def record_search(self, text: str, results: int, when: datetime | None = None) -> None:
        query = normalise_query(text)
        if not query:
            return
        self._insert("searches", (query, results), when)

    def record_opened(self, text: str, document: str, when: datetime | None = None) -> None:
        query = normalise_query(text)
        self._insert("opened", (query, document[:40]), when)

    def without_results(self, since: date, limit: int = 20) -> list[QueryCount]:
        """Queries that found nothing, most frequent first."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT query, count(*) FROM searches WHERE results = 0 AND hour >= ? "
                "GROUP BY query ORDER BY count(*) DESC, query LIMIT ?",
                (since.isoformat(), limit),
            ).fetchall()
        return [QueryCount(query, count, 0) for query, count in rows]

    def most_opened(self, since: date, limit: int = 200) -> list[tuple[str, int]]:
        """Documents opened from search results, most opened first: (id, times)."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT document, count(*) FROM opened WHERE hour >= ? "
                "GROUP BY document ORDER BY count(*) DESC, document LIMIT ?",
                (since.isoformat(), limit),
            ).fetchall()
        return [(document, count) for document, count in rows]

    def not_opened(self, since: date, limit: int = 20) -> list[QueryCount]:
        """Queries that found documents of which none was opened, most frequent first."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT s.query, count(*), max(s.results) FROM searches s "
                "WHERE s.results > 0 AND s.hour >= ? AND NOT EXISTS "
                "(SELECT 1 FROM opened o WHERE o.query = s.query AND o.hour >= ?) "
                "GROUP BY s.query ORDER BY count(*) DESC, s.query LIMIT ?",
                (since.isoformat(), since.isoformat(), limit),
            ).fetchall()
        return [QueryCount(query, count, results) for query, count, results in rows]


def claim_log_file(path: Path) -> None:
    """Refuse (FatalError) an analytics path that is not absent or supportkb's search log
    (`--analytics README.md` would otherwise have been written into), and create its tables
    before `kb serve`'s workers start (see `feedback.claim_feedback_file`)."""
    SearchLog(path)


def since_days(as_of: date, days: int) -> date:
    return as_of - timedelta(days=days)
