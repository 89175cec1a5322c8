"""jieba's dictionary in a SQLite table, to cut a little text without loading all of it.

rjieba builds its whole dictionary (349,000 words) when it is imported: 0.15 to 0.25 s, the
largest part of a cold `kb search` or of `kb index` after one change. A jieba cut only ever
looks at the dictionary words that occur in the text, and at the sum of all frequencies.
So a table of the words (jieba's `dict.txt`, the dictionary jieba-rs embeds, with the domain
terms added as `Segmenter` adds them) is kept beside the index; to cut a short text, the
words that occur in it are looked up there and put in an empty rjieba with one filler word
that brings the total to the whole dictionary's. The cut is then the same, word for word:
`tests/search/text/test_word_table.py` compares them over the starter content and the query
set, and a table is only written after the same comparison on a sample passes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from supportkb.search.text.jieba_library import jieba_class

FORMAT = 2
SHORT = 4  # words up to this long are looked for everywhere (97 % of the dictionary)
CHUNK = 900  # SQLite's limit on parameters is 999 on older builds
MAX_SEEN = 500_000  # remembered candidates
FILLER = "\x00"  # never looked up: jieba cuts only Chinese, letters, digits and +#&._%-
# what jieba-rs looks up in its dictionary (its RE_HAN_DEFAULT, Basic Multilingual Plane)
_BLOCKS = re.compile(r"[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFFa-zA-Z0-9+#&._%\-]+")
SAMPLE = (
    "同仁回报打印机一直卡纸，重新启动打印队列服务后仍无法打印。VPN 连接出现错误 809，"
    "请先确认防火墙是否封锁了连接端口，再以系统管理员身份执行 ipconfig /flushdns。"
    "我们中出了一个叛徒。南京市长江大桥。结婚的和尚未结婚的。"
)


def jieba_dictionary() -> Path:
    """jieba's `dict.txt` (the `jieba` package is a dependency: Material's search uses it)."""
    spec = importlib.util.find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("jieba is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "dict.txt"


def table_key(domain_terms: str) -> str:
    """What the table depends on: jieba's and rjieba's files, OpenCC (the domain terms are
    normalised with it) and the domain terms themselves. File sizes and times, not contents:
    this is computed by every search."""
    parts = [str(FORMAT), hashlib.sha256(domain_terms.encode()).hexdigest()]
    for package, name in (("jieba", "dict.txt"), ("rjieba", ""), ("opencc", "__init__.py")):
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            return ""
        folder = Path(next(iter(spec.submodule_search_locations)))
        for path in sorted(folder.iterdir()) if not name else [folder / name]:
            if path.is_file():
                stat = path.stat()
                parts.append(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def read_dictionary(path: Path) -> Iterator[tuple[str, int]]:
    """(word, frequency) of a jieba dictionary file, as jieba-rs reads it."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if parts:
                yield parts[0], int(parts[1]) if len(parts) > 1 else 0


class WordTable:
    """The merged dictionary, read-only, looked up a text at a time."""

    def __init__(self, path: Path, jieba_class: Any) -> None:
        self._path = path
        self._db, self._pid = self._connect(), os.getpid()
        meta = dict(self._db.execute("SELECT name, value FROM meta"))
        self.total, self.longest = int(meta["total"]), int(meta["longest"])
        self._jieba_class = jieba_class
        self._seen: dict[str, int | None] = {}  # candidate -> frequency, None: not a word
        self._extends: set[str] = set()  # SHORT-character starts of longer words

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, check_same_thread=False)

    def lookup(self, candidates: Iterable[str]) -> dict[str, int]:
        """The candidates that are words, with their frequencies (remembered, so that cutting
        many short texts, or the same words again, asks the database once)."""
        if self._pid != os.getpid():  # a forked index worker: SQLite connections do not fork
            self._db, self._pid = self._connect(), os.getpid()
        if len(self._seen) > MAX_SEEN:
            self._seen.clear()
            self._extends.clear()
        wanted = list(candidates)
        unknown = [word for word in wanted if word not in self._seen]
        for start in range(0, len(unknown), CHUNK):
            chunk = unknown[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT word, freq, longer FROM words WHERE word IN ({marks})"
            self._seen.update(dict.fromkeys(chunk))
            for word, frequency, longer in self._db.execute(sql, chunk):
                self._seen[word] = frequency  # None for a start of longer words only
                if longer:
                    self._extends.add(word)
        return {word: f for word in wanted if (f := self._seen.get(word)) is not None}

    def prepare(self, texts: Iterable[str]) -> None:
        """Look up at once the words of texts about to be cut one by one."""
        self.lookup(set().union(*(self._candidates(text) for text in texts)))

    def tokenize(self, text: str) -> list[tuple[str, int, int]]:
        """jieba's default cut with the HMM, as the whole dictionary would give it."""
        found = self.lookup(self._candidates(text))
        jieba = self._jieba_class.empty()
        for word, frequency in found.items():
            jieba.add_word(word, frequency, "")
        jieba.add_word(FILLER, self.total - sum(found.values()), "")
        return list(jieba.tokenize(text, "default", True))

    def has_word(self, word: str) -> bool:
        if word in self._seen:  # asked for every piece of every long word: mostly seen
            return self._seen[word] is not None
        return bool(self.lookup([word]))

    def _candidates(self, text: str) -> set[str]:
        """Every piece of the text a dictionary word could be: all pieces up to SHORT
        characters, and longer ones where the table knows a longer word starting so."""
        short: set[str] = set()
        blocks = _BLOCKS.findall(text)
        for block in blocks:
            size = len(block)
            for start in range(size):
                for end in range(start + 1, min(size, start + SHORT) + 1):
                    short.add(block[start:end])
        self.lookup(short)
        longer: set[str] = set()
        for block in blocks:
            size = len(block)
            for start in range(size - SHORT):
                if block[start : start + SHORT] in self._extends:
                    for end in range(start + SHORT + 1, min(size, start + self.longest) + 1):
                        longer.add(block[start:end])
        return short | longer


def build_table(path: Path, entries: Iterable[tuple[str, int]]) -> None:
    """Write the merged dictionary (later entries override earlier ones, as jieba-rs does) to
    `path`, atomically."""
    merged = dict(entries)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        with sqlite3.connect(temporary) as db:
            db.execute(
                "CREATE TABLE words (word TEXT PRIMARY KEY, freq INTEGER, longer INTEGER) "
                "WITHOUT ROWID"
            )
            db.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
            starts = {word[:SHORT] for word in merged if len(word) > SHORT}
            rows: list[tuple[str, int | None, bool]]
            rows = [(word, freq, word in starts) for word, freq in merged.items()]
            rows += [(start, None, True) for start in starts if start not in merged]
            db.executemany("INSERT INTO words VALUES (?, ?, ?)", rows)
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("total", str(sum(merged.values()))), ("longest", str(max(map(len, merged))))],
            )
        db.close()
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


_WRITTEN: dict[str, Path] = {}  # key -> a table this process wrote (and checked)


def _copy(source: Path, target: Path) -> None:
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(source, temporary)
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def table_file(folder: Path, key: str) -> Path:
    return folder / f"words-{key}.sqlite"


def open_table(folder: Path, key: str) -> WordTable | None:
    """The table for `key` in `folder`, if there is one (a search never writes it)."""
    path = table_file(folder, key)
    if not key or not path.is_file():
        return None
    try:
        return WordTable(path, jieba_class())
    except (sqlite3.Error, ImportError, OSError, KeyError, ValueError, StopIteration):
        return None


def write_table(
    folder: Path,
    key: str,
    entries: Iterable[tuple[str, int]],
    reference: Callable[[str], list[tuple[str, int, int]]],
    known: Callable[[str], bool],
) -> WordTable | None:
    """The table for `key`, written first if missing. A new table is kept only if it agrees
    with the whole dictionary (`reference` cuts with it, `known` asks it): every 97th word is
    one it knows, and SAMPLE and texts made of those words are cut alike. Tables of other
    keys, and temporary files of a build that was stopped, are removed."""
    path = table_file(folder, key)
    for stale in [*folder.glob("words-*.sqlite"), *folder.glob(".words-*.tmp")]:
        if stale != path:
            stale.unlink(missing_ok=True)
    if key and not path.is_file():
        earlier = _WRITTEN.get(key)
        if earlier is not None and earlier.is_file():  # another index, same process: copy it
            _copy(earlier, path)
        else:
            merged = dict(entries)
            build_table(path, merged.items())
            table = open_table(folder, key)
            if table is None or not _agrees(table, list(merged)[::97], reference, known):
                path.unlink(missing_ok=True)
                return None
        _WRITTEN[key] = path
    return open_table(folder, key)


def _agrees(
    table: WordTable,
    words: list[str],
    reference: Callable[[str], list[tuple[str, int, int]]],
    known: Callable[[str], bool],
) -> bool:
    texts = [SAMPLE, *("".join(words[i : i + 40]) for i in range(0, len(words), 40))]
    return all(map(known, words)) and all(table.tokenize(t) == reference(t) for t in texts)
