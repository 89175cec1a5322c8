"""A SQLite file of rows kept to the hour, bounded, and never written unless it is ours: what
`kb serve` records of its use (`search_log.SearchLog`: searches and opened results;
`feedback.FeedbackStore`: what readers said of a page). Each store declares its tables and
schema; this module holds what they share: the file claimed before use, one connection per
call (WAL, so that several workers write at once), and the purge: rows older than the retention
period go, and each table keeps at most `max_rows` rows (the oldest first), checked every
`PURGE_EVERY` records.
"""

from __future__ import annotations

import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

from supportkb.errors import FatalError

RETENTION_DAYS = 90
MAX_ROWS = 200_000  # per table: about 40 MB of file at most
PURGE_EVERY = 500  # records between two purges (a purge is a few indexed deletes)


class HourlyStore:
    """One store's file. Safe to share between threads; each process opens its own."""

    TABLES: ClassVar[tuple[str, ...]]  # each with an `hour` column (UTC, 'YYYY-MM-DDTHH')
    SCHEMA: ClassVar[str]
    WHAT: ClassVar[str]  # what the file is called in messages

    def __init__(
        self, path: Path, retention_days: int = RETENTION_DAYS, max_rows: int = MAX_ROWS
    ) -> None:
        self.path = path
        self.retention_days = retention_days
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._since_purge = 0
        claim_store_file(path, self.TABLES, self.WHAT)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as db:
            db.executescript(self.SCHEMA)

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=5)) as db, db:
            db.execute("PRAGMA journal_mode=WAL")  # readers and several workers at once
            yield db

    def _insert(self, table: str, row: tuple[object, ...], when: datetime | None) -> None:
        """One row (its hour first), and now and then a purge."""
        marks = ", ".join("?" * (len(row) + 1))
        with self._lock, self._connection() as db:
            db.execute(f"INSERT INTO {table} VALUES ({marks})", (hour_of(when), *row))
            self._since_purge += 1
            if self._since_purge >= PURGE_EVERY:
                self._purge(db, when)

    def purge(self, now: datetime | None = None) -> None:
        """Delete rows older than the retention period before `now`, then the oldest rows
        beyond `max_rows` in each table."""
        with self._lock, self._connection() as db:
            self._purge(db, now)

    def _purge(self, db: sqlite3.Connection, now: datetime | None) -> None:
        self._since_purge = 0
        oldest = hour_of((now or datetime.now(UTC)) - timedelta(days=self.retention_days))
        for table in self.TABLES:  # names from the store's class, not from input
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
            return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in self.TABLES}


def claim_store_file(path: Path, tables: tuple[str, ...], what: str) -> None:
    """Refuse (FatalError) a path that is not absent or supportkb's file `what` with `tables`
    (the search log, the feedback file): an existing file is opened only when it is a regular file
    holding a SQLite database with those tables (`--analytics README.md` would otherwise have
    been written into)."""
    if path.is_symlink():  # a dangling link would have made a file wherever it points
        raise FatalError(
            f"{path} is a symbolic link, so not an analytics file; choose another --analytics "
            "file (absent, or one `kb serve` wrote)"
        )
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


def hour_of(when: datetime | None) -> str:
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H")
