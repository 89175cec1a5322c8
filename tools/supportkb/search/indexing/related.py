"""The five documents most like each document, for the site's "read next" list.

Each document is described by the words of its title (twice), tags, category, headings and the
opening of its body, cut as the index cuts them (`search.text`: the analyzer, then
`indexed_word`: lowercased, stop words out, English stemmed), weighted by TF-IDF; two
documents are as related as the cosine of their vectors (Whoosh's more-like-this idea; running
10,000 more-like-this searches through Whoosh would take minutes). Words found in more than
5 % of the documents say nothing about relatedness and are left out.

A full build computes everything at once with NumPy. The state is kept in a SQLite database
beside the generations (`.kb-index/related.sqlite`), so that an incremental build reads and
writes only what a change touches: the changed documents get new vectors and lists and, since
the similarity is symmetric, the lists they enter or leave are updated. Vectors of unchanged
documents keep the weights of the build that computed them. The database names the generation
it describes; an incremental build checks that it is the live one (a build stopped between
its commit here and its switch of CURRENT leaves another name) and otherwise starts over.

The result for the site is `related.json` in each generation:
{id: [{id, title, url, score}, ...]}.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path

from supportkb.documents.vocabulary import Status, Visibility
from supportkb.errors import FatalError
from supportkb.search.indexing.entry import IndexEntry
from supportkb.search.text.analysis import text_analyzer
from supportkb.search.text.words import indexed_word
from supportkb.system.atomic import write_atomic

RELATED = "related.json"
STATE = "related.sqlite"
TOP = 5
MIN_SCORE = 0.08
COMMON = 0.05  # words in more than this share of documents say nothing about relatedness
OPENING = 200  # characters of the body that describe the document

_SCHEMA = """
CREATE TABLE state (generation TEXT);
CREATE TABLE docs (path TEXT PRIMARY KEY, id TEXT, title TEXT, url TEXT, counts TEXT);
CREATE TABLE df (term TEXT PRIMARY KEY, n INTEGER);
CREATE TABLE vectors (term TEXT, path TEXT, weight REAL);
CREATE INDEX vectors_term ON vectors (term);
CREATE INDEX vectors_path ON vectors (path);
CREATE TABLE lists (path TEXT PRIMARY KEY, items TEXT);
CREATE TABLE members (member TEXT, path TEXT);
CREATE INDEX members_member ON members (member);
CREATE INDEX members_path ON members (path);
CREATE TABLE fragments (id TEXT, path TEXT, entry BLOB, PRIMARY KEY (id, path)) WITHOUT ROWID;
CREATE INDEX fragments_path ON fragments (path);
"""

Scored = list[tuple[str, float]]


class StateDamaged(FatalError):
    """The state cannot be read or updated: a full build starts it again."""


def update_related(
    folder: Path, generation: Path, entries: list[IndexEntry], removed: list[str], full: bool
) -> None:
    """Bring the state of `folder` up to date for the new `generation` and write its
    `related.json`. An incremental update needs the state to describe the live generation
    (`describes`); a full one starts a new database and puts it in place."""
    hidden = [e.path for e in entries if not _shown(e)]
    entries = [e for e in entries if _shown(e)]
    removed = [*removed, *hidden]  # a document that became restricted leaves every list
    public: list[bytes] | None
    if full:
        fresh = folder / (STATE + ".new")
        fresh.unlink(missing_ok=True)
        _compute_all(fresh, entries, generation.name)
        with closing(_connect(fresh, fresh=True)) as db:
            public = _public(db)
        try:
            for leftover in ("-wal", "-shm"):  # the old database's log must not meet the new one
                (folder / (STATE + leftover)).unlink(missing_ok=True)
            fresh.replace(folder / STATE)
        except OSError as error:
            raise FatalError(f"cannot replace {folder / STATE}: {error.strerror}") from None
    else:
        try:
            public = _update_some(folder / STATE, generation, entries, removed)
        except (sqlite3.DatabaseError, ValueError, TypeError) as error:  # damaged
            raise StateDamaged(f"{folder / STATE} is damaged ({error})") from None
    if public is not None:
        write_atomic(generation / RELATED, public, durable=False)


def _update_some(
    database: Path, generation: Path, entries: list[IndexEntry], removed: list[str]
) -> list[bytes] | None:
    """The incremental update, in one transaction; related.json's pieces, or None when it
    stays as it is."""
    with closing(_connect(database)) as db, db:
        if removed or not (generation / RELATED).is_file() or _described_anew(db, entries):
            stored = _compute_some(db, entries, removed)
            changed = [e.path for e in entries]
            marks = ",".join("?" * len(changed))
            listing = db.execute(f"SELECT path FROM members WHERE member IN ({marks})", changed)
            _refresh(db, [*stored, *(path for (path,) in listing)])  # titles shown in lists
            public = _public(db)
        else:  # related.json came hard-linked from the live generation, and still holds
            public = None
        db.execute("UPDATE state SET generation = ?", (generation.name,))
    return public


def describes(folder: Path) -> str | None:
    """The generation the state in `folder` was last brought up to date for, if readable."""
    if not (folder / STATE).is_file():
        return None
    try:
        with closing(_connect(folder / STATE)) as db:
            row = db.execute("SELECT generation FROM state").fetchone()
    except sqlite3.Error:
        return None
    return str(row[0]) if row else None


def _described_anew(db: sqlite3.Connection, entries: list[IndexEntry]) -> bool:
    """Whether any of `entries` now differs in what the lists are made of (its words, id,
    title or page): an edit further down the body changes no list."""
    for entry in entries:
        row = db.execute(
            "SELECT id, title, url, counts FROM docs WHERE path = ?", (entry.path,)
        ).fetchone()
        if row is None or tuple(row[:3]) != (entry.id, entry.title, entry.url):
            return True
        if json.loads(row[3]) != describe(entry):
            return True
    return False


def _shown(entry: IndexEntry) -> bool:
    """Restricted and archived documents are in no related list, and have none: the lists are
    published with the site, which leaves them out."""
    return entry.visibility != Visibility.RESTRICTED and entry.status != Status.ARCHIVED


def describe(entry: IndexEntry) -> dict[str, int]:
    text = "\n".join(
        [entry.title, entry.title, " ".join(entry.tags), entry.headings, entry.body[:OPENING]]
    )
    words = text_analyzer().positions(text, with_subwords=False)
    counts = Counter(filter(None, (indexed_word(word) for word, _ in words)))
    if entry.category:
        counts["category:" + entry.category] += 2
    return dict(counts)


# -- a full build -------------------------------------------------------------------------


def _compute_all(database: Path, entries: list[IndexEntry], generation: str) -> None:
    counts = {entry.path: describe(entry) for entry in entries}
    df: Counter[str] = Counter()
    for words in counts.values():
        df.update(words.keys())
    ceiling = _ceiling(len(counts))
    vectors = {path: _vector(words, df, len(counts), ceiling) for path, words in counts.items()}
    lists = _Matrix(vectors).all_lists()
    with closing(_connect(database, fresh=True)) as db, db:
        db.executescript(_SCHEMA)
        db.execute("INSERT INTO state VALUES (?)", (generation,))
        db.executemany(
            "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
            ((e.path, e.id, e.title, e.url, json.dumps(counts[e.path])) for e in entries),
        )
        db.executemany("INSERT INTO df VALUES (?, ?)", df.items())
        db.executemany(
            "INSERT INTO vectors VALUES (?, ?, ?)",
            (
                (term, path, weight)
                for path, vector in vectors.items()
                for term, weight in vector.items()
            ),
        )
        db.executemany(
            "INSERT INTO lists VALUES (?, ?)", ((p, _encoded(i)) for p, i in lists.items())
        )
        db.executemany(
            "INSERT INTO members VALUES (?, ?)",
            ((member, path) for path, items in lists.items() for member, _ in items),
        )
        shown = {e.path: (e.id, e.title, e.url) for e in entries}
        db.executemany(
            "INSERT INTO fragments VALUES (?, ?, ?)",
            ((shown[p][0], p, _fragment(shown[p][0], items, shown)) for p, items in lists.items()),
        )


def _fragment(doc_id: str, items: Scored, shown: dict[str, tuple[str, str, str]]) -> bytes:
    """One document's member of related.json, `"id":[...]`, encoded: writing the file after a
    change then joins ten thousand of them as they are."""
    listed = [
        {"id": shown[p][0], "title": shown[p][1], "url": shown[p][2], "score": round(s, 3)}
        for p, s in items
        if p in shown
    ]
    pair = json.dumps({doc_id: listed}, ensure_ascii=False, separators=(",", ":"))
    return pair[1:-1].encode("utf-8")


class _Matrix:
    """All vectors as one posting array per word, for NumPy."""

    def __init__(self, vectors: dict[str, dict[str, float]]) -> None:
        import numpy as np

        self.np = np
        self.paths = list(vectors)
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for row, path in enumerate(self.paths):
            for word, weight in vectors[path].items():
                rows, weights = postings.setdefault(word, ([], []))
                rows.append(row)
                weights.append(weight)
        self.vectors = [list(vectors[path].items()) for path in self.paths]
        self.postings = {
            w: (np.array(r, dtype=np.int32), np.array(v, dtype=np.float32))
            for w, (r, v) in postings.items()
        }

    def all_lists(self) -> dict[str, Scored]:
        return {path: self.top(row) for row, path in enumerate(self.paths)}

    def top(self, row: int) -> Scored:
        scores = self.np.zeros(len(self.paths), dtype=self.np.float32)
        for word, weight in self.vectors[row]:
            rows, weights = self.postings[word]
            scores[rows] += weight * weights
        scores[row] = 0.0
        count = min(TOP, len(scores) - 1)
        if count <= 0:
            return []
        best = self.np.argpartition(-scores, count - 1)[:count]
        ranked = sorted(best.tolist(), key=lambda r: (-scores[r], self.paths[r]))
        return [(self.paths[r], float(scores[r])) for r in ranked if scores[r] >= MIN_SCORE]


# -- an incremental build -----------------------------------------------------------------


def _compute_some(
    db: sqlite3.Connection, entries: list[IndexEntry], removed: list[str]
) -> set[str]:
    """Update the database for the changed and removed documents; returns the documents
    whose lists were rewritten."""
    stored: set[str] = set()
    for path in [*removed, *(e.path for e in entries)]:
        _forget(db, path)
    total = db.execute("SELECT count(*) FROM docs").fetchone()[0] + len(entries)
    touched: set[str] = set()
    for entry in entries:
        vector = _add(db, entry, total)
        touched |= _relate(db, entry.path, vector, stored)
    for member in removed:
        rows = db.execute("SELECT path FROM members WHERE member = ?", (member,)).fetchall()
        touched.update(path for (path,) in rows)
    for path in touched - {e.path for e in entries} - set(removed):
        _recompute(db, path, stored)
    return stored


def _add(db: sqlite3.Connection, entry: IndexEntry, total: int) -> dict[str, float]:
    counts = describe(entry)
    db.execute(
        "INSERT INTO docs VALUES (?, ?, ?, ?, ?)",
        (entry.path, entry.id, entry.title, entry.url, json.dumps(counts)),
    )
    db.executemany(
        "INSERT INTO df VALUES (?, 1) ON CONFLICT(term) DO UPDATE SET n = n + 1",
        ((term,) for term in counts),
    )
    marks = ",".join("?" * len(counts))
    df = dict(db.execute(f"SELECT term, n FROM df WHERE term IN ({marks})", list(counts)))
    vector = _vector(counts, df, total, _ceiling(total))
    db.executemany(
        "INSERT INTO vectors VALUES (?, ?, ?)",
        ((term, entry.path, weight) for term, weight in vector.items()),
    )
    return vector


def _forget(db: sqlite3.Connection, path: str) -> None:
    row = db.execute("SELECT counts FROM docs WHERE path = ?", (path,)).fetchone()
    if row is None:
        return
    for term in json.loads(row[0]):
        db.execute("UPDATE df SET n = n - 1 WHERE term = ?", (term,))
    db.execute("DELETE FROM docs WHERE path = ?", (path,))
    db.execute("DELETE FROM vectors WHERE path = ?", (path,))
    db.execute("DELETE FROM lists WHERE path = ?", (path,))
    db.execute("DELETE FROM members WHERE path = ?", (path,))
    db.execute("DELETE FROM fragments WHERE path = ?", (path,))


def _relate(
    db: sqlite3.Connection, path: str, vector: dict[str, float], stored: set[str]
) -> set[str]:
    """Give `path` its list, and put it into the lists of documents it now belongs to.
    Returns the documents whose lists lost it (they need recomputing)."""
    scores = _similar(db, path, vector)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    _store_lists(db, {path: [(p, s) for p, s in ranked[:TOP] if s >= MIN_SCORE]}, stored)
    stale = set()
    for (other,) in db.execute("SELECT path FROM members WHERE member = ?", (path,)).fetchall():
        stale.add(other)  # it was in their list: recompute them, its score may have dropped
    for other, score in ranked:
        if score < MIN_SCORE:
            break
        items = [(p, s) for p, s in _list(db, other) if p != path]
        if len(items) < TOP or score > items[-1][1]:
            items = sorted([*items, (path, score)], key=lambda item: -item[1])[:TOP]
            _store_lists(db, {other: items}, stored)
            stale.discard(other)
    return stale


def _recompute(db: sqlite3.Connection, path: str, stored: set[str]) -> None:
    vector = dict(db.execute("SELECT term, weight FROM vectors WHERE path = ?", (path,)).fetchall())
    scores = _similar(db, path, vector)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    _store_lists(db, {path: [(p, s) for p, s in ranked[:TOP] if s >= MIN_SCORE]}, stored)


def _similar(db: sqlite3.Connection, path: str, vector: dict[str, float]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for term, weight in vector.items():
        for other, theirs in db.execute("SELECT path, weight FROM vectors WHERE term = ?", (term,)):
            if other != path:
                scores[other] = scores.get(other, 0.0) + weight * theirs
    return scores


def _encoded(items: Scored) -> str:
    return json.dumps([[p, round(s, 4)] for p, s in items])


def _list(db: sqlite3.Connection, path: str) -> Scored:
    row = db.execute("SELECT items FROM lists WHERE path = ?", (path,)).fetchone()
    return [(p, float(s)) for p, s in json.loads(row[0])] if row else []


def _store_lists(
    db: sqlite3.Connection, lists: dict[str, Scored], stored: set[str] | None = None
) -> None:
    for path, items in lists.items():
        if stored is not None:
            stored.add(path)
        db.execute(
            "INSERT INTO lists VALUES (?, ?) "
            "ON CONFLICT(path) DO UPDATE SET items = excluded.items",
            (path, _encoded(items)),
        )
        db.execute("DELETE FROM members WHERE path = ?", (path,))
        db.executemany("INSERT INTO members VALUES (?, ?)", ((p, path) for p, _ in items))


# -- shared -------------------------------------------------------------------------------


def _connect(database: Path, fresh: bool = False) -> sqlite3.Connection:
    """Write-ahead logging: a change writes the pages it touches, and a build killed half way
    leaves the last committed state. A `fresh` database is not in place yet: no journal."""
    db = sqlite3.connect(database)
    if fresh:
        db.execute("PRAGMA journal_mode = OFF")
        db.execute("PRAGMA synchronous = OFF")
    else:
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
    return db


def _ceiling(total: int) -> int:
    return max(10, int(total * COMMON))


def _vector(
    counts: dict[str, int], df: dict[str, int] | Counter[str], total: int, ceiling: int
) -> dict[str, float]:
    weights = {
        word: (1 + math.log(count)) * (math.log((total + 1) / (df[word] + 1)) + 1.0)
        for word, count in counts.items()
        if 0 < df.get(word, 0) <= ceiling
    }
    norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
    return {word: value / norm for word, value in weights.items()}


def _refresh(db: sqlite3.Connection, paths: list[str]) -> None:
    """Encode the lists of `paths` as they appear in related.json (kept per document, so that
    writing the file after a change does not encode ten thousand lists again)."""
    for path in set(paths):
        row = db.execute("SELECT id FROM docs WHERE path = ?", (path,)).fetchone()
        if row is None:
            continue
        items = _list(db, path)
        shown: dict[str, tuple[str, str, str]] = {}
        for other, _ in items:
            found = db.execute("SELECT id, title, url FROM docs WHERE path = ?", (other,))
            listed = found.fetchone()
            if listed is not None:
                shown[other] = (listed[0], listed[1], listed[2])
        db.execute("DELETE FROM fragments WHERE path = ?", (path,))
        db.execute(
            "INSERT INTO fragments VALUES (?, ?, ?)",
            (row[0], path, _fragment(row[0], items, shown)),
        )


def _public(db: sqlite3.Connection) -> list[bytes]:
    """related.json, in pieces: {id: [{id, title, url, score}, ...]}, ids in order (the
    table's order). Not one more copy of its megabytes: new memory is slow to touch."""
    parts = []
    last = None
    for doc_id, entry in db.execute("SELECT id, entry FROM fragments ORDER BY id, path"):
        if doc_id != last:  # duplicate ids (kb check reports them): the first one
            parts.append(entry)
            last = doc_id
    return [b"{", b",".join(parts), b"}"]
