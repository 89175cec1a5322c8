"""What people search for: the knowledge base's to-do list (the support rules ask that the KB be
improved from what people look for).

`kb serve` records, in a local SQLite file, each search's normalised text and result count, and
which result was opened. Nothing identifies a person: no address, no user name, no cookie; the
time is kept to the hour. `kb report` reads the file: "searches with no result" and "searched
but not opened".

What people type can still be personal: an e-mail address, a phone or card number pasted
into the box. Those are masked before anything is stored (`mask_personal`). The file is
bounded: rows older than the retention period (90 days by default) are deleted, and each table
keeps at most `max_rows` rows (the oldest go first), checked every `PURGE_EVERY` records.
"""

from __future__ import annotations

import re
import sqlite3
import stat
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from supportkb.errors import FatalError

DEFAULT_FILE = ".kb-analytics/searches.sqlite"
MAX_TEXT = 200
RETENTION_DAYS = 90
MAX_ROWS = 200_000  # per table: about 40 MB of file at most
PURGE_EVERY = 500  # records between two purges (a purge is a few indexed deletes)
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


class SearchLog:
    """The analytics file. Safe to share between threads; each process opens its own."""

    def __init__(
        self, path: Path, retention_days: int = RETENTION_DAYS, max_rows: int = MAX_ROWS
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._since_purge = 0
        claim_log_file(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=5)) as db, db:
            db.execute("PRAGMA journal_mode=WAL")  # readers and several workers at once
            yield db

    def record_search(self, text: str, results: int, when: datetime | None = None) -> None:
        query = normalise_query(text)
        if not query:
            return
        with self._lock, self._connection() as db:
            db.execute("INSERT INTO searches VALUES (?, ?, ?)", (_hour(when), query, results))
            self._purge_now_and_then(db, when)

    def record_opened(self, text: str, document: str, when: datetime | None = None) -> None:
        query = normalise_query(text)
        with self._lock, self._connection() as db:
            db.execute("INSERT INTO opened VALUES (?, ?, ?)", (_hour(when), query, document[:40]))
            self._purge_now_and_then(db, when)

    def purge(self, now: datetime | None = None) -> None:
        """Delete rows older than the retention period before `now`, then the oldest rows
        beyond `max_rows` in each table."""
        with self._lock, self._connection() as db:
            self._purge(db, now)

    def _purge_now_and_then(self, db: sqlite3.Connection, when: datetime | None) -> None:
        self._since_purge += 1
        if self._since_purge >= PURGE_EVERY:
            self._purge(db, when)

    def _purge(self, db: sqlite3.Connection, now: datetime | None) -> None:
        self._since_purge = 0
        oldest = _hour((now or datetime.now(UTC)) - timedelta(days=self.retention_days))
        for table in TABLES:  # names from this module, not from input
            db.execute(f"DELETE FROM {table} WHERE hour < ?", (oldest,))
            (count,) = db.execute(f"SELECT count(*) FROM {table}").fetchone()
            if count > self.max_rows:
                db.execute(
                    f"DELETE FROM {table} WHERE rowid IN "
                    f"(SELECT rowid FROM {table} ORDER BY hour, rowid LIMIT ?)",
                    (count - self.max_rows,),
                )

    def rows(self) -> dict[str, int]:
        """How many rows each table holds."""
        with self._connection() as db:
            return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}

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


def claim_log_file(path: Path, tables: tuple[str, ...] = TABLES, what: str = "search log") -> None:
    """Refuse (FatalError) an analytics path that is not absent or supportkb's search log (or
    the file `what` with `tables`): an existing file is opened only when it is a regular file
    holding a SQLite database with those tables (`--analytics README.md` would otherwise have
    been written into)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise FatalError(f"cannot use {path} as the analytics file: {error.strerror}") from None
    advice = "choose another --analytics file (absent, or one `kb serve` wrote)"
    if not stat.S_ISREG(info.st_mode):  # a FIFO is never opened, a device never read
        raise FatalError(f"{path} is not a regular file, so not an analytics file; {advice}")
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
        found: set[str] = set()
        if header == b"SQLite format 3\x00":
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                found = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    except (OSError, sqlite3.Error):
        found = set()
    if not set(tables) <= found:
        raise FatalError(
            f"{path} exists and is not supportkb's {what} (a SQLite file with its "
            f"{' and '.join(tables)} tables); nothing was written to it; {advice}"
        )


def _hour(when: datetime | None) -> str:
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H")


def since_days(as_of: date, days: int) -> date:
    return as_of - timedelta(days=days)
