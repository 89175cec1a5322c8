"""What people search for: the knowledge base's to-do list (the support rules ask that the KB be
improved from what people look for).

`kb serve` records, in a local SQLite file, each search's normalised text and result count, and
which result was opened. Nothing identifies a person: no address, no user name, no cookie; the
time is kept to the hour. `kb report` reads the file: "searches with no result" and "searched
but not opened".
"""

from __future__ import annotations

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
    return " ".join(unicodedata.normalize("NFKC", text).lower().split())[:MAX_TEXT]


class SearchLog:
    """The analytics file. Safe to share between threads; each process opens its own."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
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

    def record_opened(self, text: str, document: str, when: datetime | None = None) -> None:
        query = normalise_query(text)
        with self._lock, self._connection() as db:
            db.execute("INSERT INTO opened VALUES (?, ?, ?)", (_hour(when), query, document[:40]))

    def without_results(self, since: date, limit: int = 20) -> list[QueryCount]:
        """Queries that found nothing, most frequent first."""
        with self._connection() as db:
            rows = db.execute(
                "SELECT query, count(*) FROM searches WHERE results = 0 AND hour >= ? "
                "GROUP BY query ORDER BY count(*) DESC, query LIMIT ?",
                (since.isoformat(), limit),
            ).fetchall()
        return [QueryCount(query, count, 0) for query, count in rows]

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
    """Refuse (FatalError) an analytics path that is not absent or supportkb's search log: an
    existing file is opened only when it is a regular file holding a SQLite database with this
    schema's tables (`--analytics README.md` would otherwise have been written into)."""
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
        tables: set[str] = set()
        if header == b"SQLite format 3\x00":
            with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
                tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
    except (OSError, sqlite3.Error):
        tables = set()
    if not {"searches", "opened"} <= tables:
        raise FatalError(
            f"{path} exists and is not supportkb's search log (a SQLite file with its "
            f"searches and opened tables); nothing was written to it; {advice}"
        )


def _hour(when: datetime | None) -> str:
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H")


def since_days(as_of: date, days: int) -> date:
    return as_of - timedelta(days=days)
