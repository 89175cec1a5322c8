"""The feedback store: what readers said of a page, kept without personal data."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from supportkb.errors import FatalError
from supportkb.reporting.feedback import (
    FeedbackKind,
    FeedbackStore,
    feedback_counts,
    feedback_path,
    flagged,
    missing_requests,
)
from supportkb.reporting.search_log import SearchLog

from conftest import AS_OF

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
LONG_AGO = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
SINCE = date(2026, 10, 1)
MASKED = "<email> 或 <number>，身分證 <id>"


def test_bidirectional_controls_are_taken_out_of_comments(tmp_path: Path) -> None:
    """U+202E would make a report read backwards in `kb report`'s output."""
    store = FeedbackStore(tmp_path / "f.sqlite")
    store.record(FeedbackKind.WRONG, "KB-0001", "步驟\u202eevil\u2066 錯誤", when=NOW)
    (document,) = flagged(tmp_path / "f.sqlite", SINCE)
    assert document.comments == ("步驟 evil 錯誤",)


def test_a_symbolic_link_is_refused_even_when_it_points_nowhere(tmp_path: Path) -> None:
    """A dangling link was followed: the store was made wherever it pointed."""
    link = tmp_path / "searches.feedback.sqlite"
    link.symlink_to(tmp_path / "elsewhere" / "made-here.sqlite")
    with pytest.raises(FatalError, match="symbolic link"):
        FeedbackStore(link)
    with pytest.raises(FatalError, match="symbolic link"):
        SearchLog(link)
    assert not (tmp_path / "elsewhere").exists()


def test_the_file_sits_beside_the_search_log(tmp_path: Path) -> None:
    searches = tmp_path / ".kb-analytics" / "searches.sqlite"
    assert feedback_path(searches) == tmp_path / ".kb-analytics" / "searches.feedback.sqlite"


def test_comments_and_queries_are_masked_and_nothing_identifies_the_reader(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    comment = "步驟 3 錯了，請聯絡 amy.chen@corp.example 或 0912-345-678，身分證 A123456789"
    store.record(FeedbackKind.WRONG, "KB-0001", comment, when=NOW)
    store.record(FeedbackKind.MISSING, None, query="  印表機 0912345678 ", when=NOW)
    rows = sqlite3.connect(tmp_path / "f.sqlite").execute("SELECT * FROM feedback").fetchall()
    assert rows == [
        (
            "2026-11-20T09",
            "wrong",
            "KB-0001",
            "步驟 3 錯了，請聯絡 <email> 或 <number>，身分證 <id>",
            "",
        ),
        ("2026-11-20T09", "missing", "", "", "印表機 <number>"),
    ]  # the hour, the kind, the document, the masked text: no address, agent or cookie
    columns = [
        c[1] for c in sqlite3.connect(tmp_path / "f.sqlite").execute("PRAGMA table_info(feedback)")
    ]
    assert columns == ["hour", "kind", "document", "comment", "query"]


def test_long_comments_are_cut_and_control_characters_are_spaces(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite")
    store.record(FeedbackKind.WRONG, "KB-0001", "a\x00b\n" + "字" * 2000, when=NOW)
    (comment,) = sqlite3.connect(tmp_path / "f.sqlite").execute("SELECT comment FROM feedback")
    assert comment[0].startswith("a b 字") and len(comment[0]) == 1000


def test_rows_older_than_the_retention_are_purged(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite", retention_days=90)
    store.record(FeedbackKind.WRONG, "KB-0001", "old", when=LONG_AGO)
    store.record(FeedbackKind.WRONG, "KB-0001", "new", when=NOW)
    store.purge(NOW)
    assert store.rows() == {"feedback": 1}
    assert flagged(tmp_path / "f.sqlite", date(2025, 1, 1))[0].comments == ("new",)


def test_the_store_keeps_at_most_max_rows(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "f.sqlite", max_rows=3)
    for n in range(5):
        store.record(FeedbackKind.WRONG, "KB-0001", f"c{n}", when=NOW)
    store.purge(NOW)
    assert flagged(tmp_path / "f.sqlite", SINCE)[0].comments == ("c4", "c3", "c2")


def test_an_existing_file_that_is_not_the_store_is_refused_and_left_alone(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("# hello\n", encoding="utf-8")
    with pytest.raises(FatalError, match="not supportkb's feedback file"):
        FeedbackStore(readme)
    assert readme.read_text(encoding="utf-8") == "# hello\n"
    searches = tmp_path / "searches.sqlite"
    SearchLog(searches)  # another supportkb file is not this store either
    with pytest.raises(FatalError, match="feedback"):
        FeedbackStore(searches)
    with pytest.raises(FatalError, match="feedback"):
        flagged(searches, SINCE)


def test_writers_in_several_threads_and_stores_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    stores = [FeedbackStore(path), FeedbackStore(path)]  # two worker processes' stores

    def write(store: FeedbackStore) -> None:
        for _ in range(25):
            store.record(FeedbackKind.HELPFUL, "KB-0001", when=NOW)

    threads = [threading.Thread(target=write, args=(stores[n % 2],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert flagged(path, SINCE)[0].helpful == 200


def test_flags_per_document_and_a_review_closes_them(tmp_path: Path) -> None:
    path = tmp_path / "f.sqlite"
    store = FeedbackStore(path)
    store.record(FeedbackKind.NOT_HELPFUL, "KB-0001", when=NOW)
    store.record(FeedbackKind.WRONG, "KB-0001", "版本已過時", when=NOW)
    store.record(FeedbackKind.HELPFUL, "KB-0002", when=NOW)
    store.record(FeedbackKind.WRONG, "KB-0003", "舊的", when=datetime(2026, 10, 2, tzinfo=UTC))
    store.record(FeedbackKind.MISSING, None, query="碳粉", when=NOW)
    store.record(FeedbackKind.MISSING, None, query="碳粉", when=NOW)
    found = {f.id: f for f in flagged(path, SINCE)}
    assert (found["KB-0001"].not_helpful, found["KB-0001"].wrong) == (1, 1)
    assert found["KB-0001"].comments == ("版本已過時",)
    assert found["KB-0002"].flags == 0
    assert [(m.query, m.requests) for m in missing_requests(path, SINCE)] == [("碳粉", 2)]
    reviewed = {"KB-0003": date(2026, 10, 15)}  # reviewed after its flag
    assert feedback_counts(path, reviewed, as_of=AS_OF) == {"KB-0001": 2}
    assert feedback_counts(path, as_of=AS_OF) == {"KB-0001": 2, "KB-0003": 1}


def test_no_file_means_no_feedback_and_no_file_is_made(tmp_path: Path) -> None:
    path = tmp_path / "absent.sqlite"
    assert feedback_counts(path, as_of=AS_OF) == {}
    assert not path.exists()


def test_serve_creates_the_stores_before_its_workers_start(tmp_path: Path) -> None:
    """Two workers opening absent stores at once: one created the file, the other found it
    without its tables, refused it and died (uvicorn restarted it). `kb serve` claims both
    files first, which now leaves them with their tables, so every worker finds them ready."""
    from supportkb.reporting.feedback import claim_feedback_file, feedback_path
    from supportkb.reporting.hourly_store import claim_store_file
    from supportkb.reporting.search_log import TABLES as LOG_TABLES
    from supportkb.reporting.search_log import SearchLog, claim_log_file

    log = tmp_path / ".kb-analytics" / "searches.sqlite"
    claim_log_file(log)
    claim_feedback_file(feedback_path(log))
    claim_store_file(log, LOG_TABLES, SearchLog.WHAT)  # what a worker does first: accepted
    claim_store_file(feedback_path(log), FeedbackStore.TABLES, FeedbackStore.WHAT)
    assert log.is_file() and feedback_path(log).is_file()
