"""The full-text engine: Whoosh (`whoosh-reloaded`), and the only module that imports it.

What the rest of supportkb sees is `Engine` (open, write, search a folder) and plain records:
`IndexEntry` in, `EngineResults` out. Replacing Whoosh means rewriting this module only.

- Text fields (title, headings, body, tags) are cut by `text_analysis` (OpenCC `tw2sp` +
  rjieba + sub-words), then lowercased, English stop words removed and English stemmed by
  Whoosh's own filters. Token offsets are those of the original text, so highlights show it.
- Keyword fields (id, type, tag, status, owner, product, category, kind, visibility) are the
  filters of the query syntax: `type:sop`, `tag:vpn`, `owner:network`, `product:ERP`.
- Ranking: Whoosh's BM25F with per-field weights, then a per-document factor: validated above
  not validated and drafts, overdue for review and deprecated lower (`RankingRules`).
- Matching and scoring run over whole posting lists with numpy (`vector_search`, fed by
  `_IndexArrays`): the same scores as Whoosh's own matcher, which scores a document at a time
  in Python and was 10 to 30 times slower. Whoosh stores the index, parses the query and keeps
  what the arrays cannot do (`searcher(vectorised=False)` is Whoosh alone, for comparison).
- Query words are OR-ed, with a bonus for matching more of them; each word also matches its
  synonyms and, for a long Chinese word, its dictionary sub-words (both a little lower).
"""

from __future__ import annotations

import bisect
import functools
import io
import itertools
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from supportkb.search.backend.imports import StandIn, stand_ins
from supportkb.search.indexing.entry import IndexEntry
from supportkb.search.text.analysis import chinese_stop_words, synonym_groups, text_analyzer

# Whoosh imports modules it has no use for here (see `imports`)
with stand_ins(
    StandIn("urllib.request", forwarded=("urlretrieve",)),
    StandIn("cached_property", given={"cached_property": functools.cached_property}),
):
    from whoosh import columns, formats, index, scoring
    from whoosh.analysis import STOP_WORDS, Token, Tokenizer
    from whoosh.codec.base import OutOfOrderError
    from whoosh.codec.whoosh3 import (
        LENGTHS_COLUMN,
        W3Codec,
        W3FieldWriter,
        W3LeafMatcher,
        W3PerDocReader,
    )
    from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
    from whoosh.filedb import structfile
    from whoosh.lang.porter import stem
    from whoosh.matching import FilterMatcher
    from whoosh.system import pack_uint
    from whoosh.util.numeric import byte_to_length


if TYPE_CHECKING:
    import numpy as np
    from whoosh import collectors, qparser, query

    from supportkb.search import snippets
    from supportkb.search.ranking import vector_search as vs
else:  # searching's modules: writing an index needs none of them (see `load_searching`)
    np = collectors = qparser = query = snippets = vs = None
_loading = threading.Lock()


def load_searching() -> None:
    """Import what searching needs (NumPy, Whoosh's searching side, the array matcher and the
    snippets): a searcher does it first. Writing an index needs none of it, and importing it
    was a third of `kb index` after a small change."""
    global np, collectors, qparser, query, snippets, vs
    with _loading:  # once, even when a server's threads open searchers side by side
        if vs is not None:
            return
        import numpy
        from whoosh import collectors as whoosh_collectors
        from whoosh import qparser as whoosh_qparser
        from whoosh import query as whoosh_query

        from supportkb.search import snippets as snippet_module
        from supportkb.search.ranking import vector_search

        np, collectors, qparser, query = numpy, whoosh_collectors, whoosh_qparser, whoosh_query
        snippets, vs = snippet_module, vector_search


class _ReadStream(io.RawIOBase):
    """A read-only stream over a buffer, without copying it (BytesIO copies a memoryview)."""

    def __init__(self, buffer: Any) -> None:
        super().__init__()
        self._buffer, self._position = buffer, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET and offset < 0:
            raise ValueError(f"negative seek value {offset}")
        base = (0, self._position, len(self._buffer))[whence]
        self._position = max(0, base + offset)
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, target: Any) -> int:
        chunk = self._buffer[self._position : self._position + len(target)]
        target[: len(chunk)] = chunk
        self._position += len(chunk)
        return len(chunk)

    def read(self, size: int | None = -1) -> bytes:
        end = len(self._buffer) if size is None or size < 0 else self._position + size
        chunk = bytes(self._buffer[self._position : end])
        self._position += len(chunk)
        return chunk


def _buffer_file_init(self: Any, buf: Any, name: Any = None, onclose: Any = None) -> None:
    self._buf, self._name, self.onclose = buf, name, onclose
    self.file = _ReadStream(buf)
    self.is_real, self.is_closed = False, False


# Whoosh opens each part of a segment as a BufferFile over the memory-mapped file, and gives
# it a BytesIO of the part, which copies it: opening a searcher on 10,000 documents and
# reading its first posting lists copied about 60 MB (60 ms, and that memory in every
# `kb serve` worker). The stream here reads the mapped file itself. (whoosh-reloaded is
# pinned; tests/test_vector_search.py reads every posting list both ways.)
structfile.BufferFile.__init__ = _buffer_file_init


TEXT_FIELDS = ("title", "headings", "body", "tags")
FIELD_WEIGHTS = {"id": 8.0, "title": 2.0, "tags": 2.0, "headings": 1.5, "body": 1.0}
FILTER_FIELDS = ("id", "type", "tag", "status", "owner", "product", "category", "kind")
# what the query syntax calls a field -> the field that answers it
_SYNTAX_FIELDS = {"type": "doctype", "owner": "owners", "tags": "tag", "products": "product"}
FACETS = ("type", "category", "status")
SYNONYM_BOOST = 0.5
SUBWORD_BOOST = 0.8
SUBWORDS_BELOW = 5  # a query word found in fewer documents also looks for its sub-words
SUGGEST_BELOW = 3  # results below which "did you mean" is offered
EVERY_WORD_ENOUGH = 10  # documents with every word needed to show only those (whatever the page)
LARGE_RESULT = 3000  # estimated matches above which only the top documents are scored
MAX_EXPANSION = 64  # terms a prefix* or wild?card query may stand for
UNDATED = 0  # review_due of a document that has none
# Whoosh's estimate of the postings a writer keeps in memory before sorting them out to a
# temporary file (and merging those files back, a posting at a time): 10,000 documents of
# 3 KB make about 190 "MB" per worker, and spilling cost a third of the build
POOL_MB = 512


@dataclass(frozen=True, slots=True)
class EngineHit:
    path: str
    id: str
    title: str
    type: str
    status: str
    owner: str
    url: str
    review_due: date | None
    score: float
    snippet: str  # HTML: the original text, escaped, matched words in <mark>


@dataclass(frozen=True, slots=True)
class EngineResults:
    total: int
    hits: tuple[EngineHit, ...]
    suggestion: str | None
    timed_out: bool = False
    facets: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class _Asked:
    """One search as asked of `EngineSearcher.search`."""

    text: str
    as_of: date
    filters: Mapping[str, Sequence[str]] | None
    exclude: Mapping[str, Sequence[str]] | None
    limit: int
    offset: int
    facets: bool
    time_limit: float


_METADATA = ("id", "title", "type", "status", "owner", "visibility", "version", "url", "path")


class QuerySyntaxError(ValueError):
    """The query could not be understood."""


# -- analysis -----------------------------------------------------------------------------


_FINAL: dict[str, str] = {}  # word as cut -> indexed text ("" for a stop word), per process


class SupportTokenizer(Tokenizer):  # type: ignore[misc]
    """Whoosh tokenizer over `text_analysis`, which also lowercases, drops stop words (English
    and Chinese) and stems English, with one cache for the three (Whoosh's own filters cost
    a generator step per word each). Documents get sub-words; queries do not (the query is
    expanded with them as alternatives instead, see `_expand`)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def final(self, word: str) -> str:
        found = _FINAL.get(word)
        if found is None:
            lowered = word.lower()
            if lowered in _stop_words():
                found = ""
            elif lowered.isascii() and lowered.isalpha():
                found = stem(lowered)
            else:
                found = lowered
            if len(_FINAL) > 500_000:
                _FINAL.clear()
            _FINAL[word] = found
        return found

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        final = self.final
        query_mode = mode == "query"
        terms = text_analyzer().terms(value, not query_mode, query=query_mode)
        for word, position, start, end, _ in terms:
            text = final(word)
            if not text:
                continue
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


@cache
def _stop_words() -> frozenset[str]:
    return frozenset(STOP_WORDS) | chinese_stop_words()


def _text_analyzer() -> Any:
    return SupportTokenizer()


# IndexedText, IndexedKeyword, SupportTokenizer and _Codec are stored by name (pickled) in the
# index's table of contents: renaming or moving one needs FORMAT raised in search_index.


class IndexedText(TEXT):  # type: ignore[misc]
    """Whoosh's TEXT field (positions, for phrases) whose postings for a document are made
    straight from `text_analysis`' terms: the same words, frequencies and encoded positions
    as Whoosh's `Positions.word_values` over the tokenizer, without a Token object and a
    generator step per word (half the cost of indexing a body after the analysis itself)."""

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        analyzer, fmt = self.analyzer, self.format
        if (
            kwargs
            or not isinstance(value, str)
            or not isinstance(analyzer, SupportTokenizer)
            or type(fmt) is not formats.Positions
        ):
            yield from super().index(value, **kwargs)
            return
        final = analyzer.final
        positions: dict[str, list[int]] = {}
        for word, position in text_analyzer().positions(value):
            text = final(word)
            if text:
                found = positions.get(text)
                if found is None:
                    positions[text] = [position]
                else:
                    found.append(position)
        boost = fmt.field_boost
        for text, places in positions.items():
            yield text.encode("utf-8"), len(places), len(places) * boost, fmt.encode(places)


class IndexedKeyword(KEYWORD):  # type: ignore[misc]
    """Whoosh's KEYWORD field, its values split (by commas or blanks), stripped and lowercased
    as its analyzer does, without a Token per value."""

    def __init__(self, *, lowercase: bool = False, commas: bool = False, **options: Any) -> None:
        super().__init__(lowercase=lowercase, commas=commas, **options)
        self.split = (commas, lowercase)

    def index(self, value: Any, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        if kwargs or not isinstance(value, str) or type(self.format) is not formats.Frequency:
            yield from super().index(value, **kwargs)
            return
        commas, lowercase = self.split
        counts: dict[str, int] = {}
        for piece in (_COMMA_PIECES if commas else _BLANK_PIECES).findall(value):
            text = piece.strip() if commas else piece
            text = text.lower() if lowercase else text
            counts[text] = counts.get(text, 0) + 1
        boost = self.format.field_boost
        for text, count in counts.items():
            yield text.encode("utf-8"), count, count * boost, pack_uint(count)


_COMMA_PIECES = re.compile(r"[^,]+")  # Whoosh's CommaSeparatedTokenizer, then stripped
_BLANK_PIECES = re.compile(r"[^ \t\r\n]+")  # its SpaceSeparatedTokenizer


def build_schema() -> Schema:
    def text(stored: bool = False) -> TEXT:
        return IndexedText(analyzer=_text_analyzer(), stored=stored, phrase=True)

    def keyword() -> KEYWORD:
        return IndexedKeyword(stored=True, lowercase=True, commas=True, scorable=True)

    return Schema(
        path=ID(stored=True, unique=True),
        id=keyword(),
        title=text(stored=True),
        headings=text(),
        body=text(stored=True),
        tags=text(),
        type=IndexedKeyword(stored=True, lowercase=True, sortable=True),
        doctype=IndexedKeyword(lowercase=True, commas=True),
        tag=keyword(),
        status=IndexedKeyword(stored=True, lowercase=True, sortable=True),
        owner=STORED(),
        owners=IndexedKeyword(lowercase=True, commas=True),
        product=IndexedKeyword(lowercase=True, commas=True),
        category=IndexedKeyword(stored=True, lowercase=True, commas=True, sortable=True),
        kind=keyword(),
        visibility=IndexedKeyword(stored=True, lowercase=True, sortable=True),
        version=STORED(),
        url=STORED(),
        digest=STORED(),
        last_reviewed=NUMERIC(int, stored=True),
        review_due=NUMERIC(int, stored=True, sortable=True, default=UNDATED),
    )


_TYPE_NAMES = {
    "article": "article,kb",
    "sop": "sop",
    "emergency-plan": "emergency-plan,ep,plan",
    "policy": "policy,pol",
}


def _fields_of(entry: IndexEntry) -> dict[str, Any]:
    return {
        "path": entry.path,
        "id": entry.id,
        "title": entry.title,
        "headings": entry.headings,
        "body": entry.body,
        "tags": " ".join(entry.tags),
        "type": entry.type,
        "doctype": _TYPE_NAMES.get(entry.type, entry.type),
        "tag": ",".join(entry.tags),
        "status": entry.status,
        "owner": entry.owner,
        "owners": ",".join(entry.owner_groups),
        "product": ",".join(entry.products),
        "category": ",".join(_category_levels(entry.category)),
        "kind": entry.kind,
        "visibility": entry.visibility,
        "version": entry.version,
        "url": entry.url,
        "digest": entry.digest,
        "last_reviewed": entry.last_reviewed.toordinal() if entry.last_reviewed else UNDATED,
        "review_due": entry.review_due.toordinal() if entry.review_due else UNDATED,
    }


def _category_levels(category: str) -> list[str]:
    """`applications/erp` is found by `category:applications` and `category:applications/erp`."""
    parts = category.split("/") if category else []
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]


# -- ranking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingRules:
    """Per-document factors applied to the BM25F score."""

    status: Mapping[str, float] = field(
        default_factory=lambda: {
            "published": 1.0,
            "in-review": 0.8,
            "draft": 0.7,
            "deprecated": 0.5,
            "archived": 0.4,
        }
    )
    overdue: float = 0.8  # review overdue: still found, but below current documents

    def factor(self, status: str, review_due: int, today: int) -> float:
        """The factor of a document with this status and review date (ordinals)."""
        factor = self.status.get(status, 1.0)
        held = status in ("published", "in-review")
        if held and review_due != UNDATED and review_due < today:
            factor *= self.overdue
        return factor


@cache
def _bm25() -> vs.BM25F:
    return vs.BM25F(k1=1.2, b=0.75, field_b=(("title", 0.4), ("tags", 0.2)))


class _RankedBM25F(scoring.BM25F):  # type: ignore[misc]
    """Whoosh's own BM25F with the factors: what the engine uses for phrases it cannot read
    as arrays, and the reference `vector_search` is tested against."""

    use_final = True

    def __init__(self, rules: RankingRules, as_of: date) -> None:
        bm25 = _bm25()
        field_b = {f"{name}_B": b for name, b in bm25.field_b}
        super().__init__(B=bm25.b, K1=bm25.k1, **field_b)
        self.rules = rules
        self.today = as_of.toordinal()
        self._columns: tuple[Any, Any, Any] | None = None

    def final(self, searcher: Any, docnum: int, score: float) -> float:
        reader = searcher.reader()
        if self._columns is None or self._columns[0] is not reader:
            self._columns = (
                reader,
                reader.column_reader("status"),
                reader.column_reader("review_due"),
            )
        _, status, due = self._columns
        return float(score) * self.rules.factor(status[docnum], due[docnum], self.today)


# -- the engine ---------------------------------------------------------------------------


class _Codec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec, whose per-document reader reads each field's lengths at once: the
    writer asks the length of every posting's document (a column read and a conversion per
    call, millions of calls in a full build)."""

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return _PerDocReader(storage, segment)

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return _FieldWriter(self, storage, segment)


class _FieldWriter(W3FieldWriter):  # type: ignore[misc]
    """W3's field writer, whose loop over the sorted postings (millions in a full build)
    puts each posting in the current block itself: Whoosh's goes through two calls and four
    type assertions per posting. Blocks, term statistics and files are Whoosh's own."""

    def add_postings(self, schema: Any, lengths: Any, items: Iterable[Any]) -> None:
        dfl = lengths.doc_field_length if lengths else (lambda docnum, fieldname: 0)
        lastfn: str | None = None
        lasttext: bytes | None = None
        writer: Any = None
        for fieldname, btext, docnum, weight, value in items:
            if fieldname != lastfn:
                if lastfn is not None and fieldname < lastfn:
                    raise OutOfOrderError(f"Field {lastfn!r} .. {fieldname!r}")
                if lasttext is not None:
                    self.finish_term()
                if lastfn is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                writer, limit = self._postwriter, self._postwriter._blocklimit
                lastfn, lasttext = fieldname, None
            if docnum == -1:  # spelling words (none here): Whoosh skips them too
                continue
            if btext != lasttext:
                if lasttext is not None:
                    if btext < lasttext:
                        raise OutOfOrderError(f"Term {fieldname}:{lasttext!r} .. {btext!r}")
                    self.finish_term()
                self.start_term(btext)
                lasttext = btext
            length = dfl(docnum, fieldname)
            if len(writer._ids) >= limit:
                writer._write_block()
            writer._ids.append(docnum)
            writer._weights.append(weight)
            if weight > writer._maxweight:
                writer._maxweight = weight
            if value:
                writer._values.append(value)
            if length:
                if writer._minlength is None or length < writer._minlength:
                    writer._minlength = length
                if length > writer._maxlength:
                    writer._maxlength = length
        if lasttext is not None:
            self.finish_term()
        if lastfn is not None:
            self.finish_field()


class _PerDocReader(W3PerDocReader):  # type: ignore[misc]
    def doc_field_length(self, docnum: int, fieldname: str, default: Any = 0) -> Any:
        """As Whoosh's: `default` for a field without lengths, None for a length of 0."""
        if docnum > self._doccount:
            raise IndexError(f"Asked for docnum {docnum!r} of {self._doccount}")
        lengths: dict[str, list[int] | None] = self.__dict__.setdefault("_lengths", {})
        if fieldname not in lengths:
            column = self._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
            lengths[fieldname] = None if column is None else _lengths(column, self._doccount)
        found = lengths[fieldname]
        if found is None:
            return default
        return (found[docnum] if docnum < len(found) else 0) or None


_BYTE_LENGTHS = [0, *(byte_to_length(b) for b in range(1, 256))]  # Whoosh stores a byte


def _lengths(column: Any, count: int) -> list[int]:
    """A lengths column (a byte per document, 0 after the last it stores), read at once."""
    stored = min(column._count, count)
    raw = bytes(column._dbfile.get(column._basepos, stored))
    return [_BYTE_LENGTHS[b] for b in raw] + [0] * (count - stored)


class Engine:
    """A Whoosh index in one folder."""

    def __init__(self, folder: Path, handle: Any) -> None:
        self.folder = folder
        self._index = handle

    @classmethod
    def create(cls, folder: Path) -> Engine:
        folder.mkdir(parents=True, exist_ok=True)
        return cls(folder, index.create_in(str(folder), build_schema()))

    @classmethod
    def open(cls, folder: Path) -> Engine:
        return cls(folder, index.open_dir(str(folder)))

    def write(
        self,
        added: Iterable[IndexEntry],
        removed: Iterable[str],
        processes: int = 1,
        fresh: bool = False,
        during_commit: Callable[[], None] | None = None,
    ) -> None:
        """Add or replace `added` (by path) and delete `removed`, in one commit. `fresh`: the
        index is new, so nothing needs replacing. `during_commit` runs in a thread while the
        workers sort and write their postings (this process only waits for them then)."""
        if processes > 1:
            writer = self._index.writer(
                procs=processes, multisegment=True, limitmb=POOL_MB, codec=_Codec()
            )
        else:
            writer = self._index.writer(limitmb=POOL_MB, codec=_Codec())
        try:
            added = list(added) if not fresh else added
            if not fresh:
                _delete_paths(writer, [*removed, *(entry.path for entry in added)])
            for entry in added:
                writer.add_document(**_fields_of(entry))
        except BaseException:
            writer.cancel()
            raise
        # A process forked while another thread holds a lock (an import's, SQLite's) can hang
        # on it: the thread runs only if Whoosh has already started every worker it will.
        workers = getattr(writer, "tasks", None)
        if during_commit is None or workers is None or len(workers) < writer.procs:
            writer.commit(optimize=False)
            if during_commit is not None:
                during_commit()
            return
        with ThreadPoolExecutor(1) as pool:
            meanwhile = pool.submit(during_commit)
            try:
                writer.commit(optimize=False)
            finally:
                failed = meanwhile.exception()  # waits for it; the commit's error comes first
            if failed is not None:
                raise failed

    def searcher(
        self, rules: RankingRules | None = None, vectorised: bool = True
    ) -> EngineSearcher:
        """`vectorised=False`: Whoosh's own matching and scoring (slower; for comparison)."""
        return EngineSearcher(self._index, rules or RankingRules(), vectorised)

    def doc_count(self) -> int:
        return int(self._index.doc_count())


def _delete_paths(writer: Any, paths: list[str]) -> None:
    """Delete the documents of `paths`: Whoosh's `delete_by_term` through a reader, without
    the searcher it would make (importing Whoosh's searching side for it was a tenth of
    `kb index` after a small change)."""
    if not paths:
        return
    reader = writer.reader()
    try:
        for path in paths:
            if ("path", path) in reader:
                for docnum in reader.postings("path", path).all_ids():  # deleted ones left out
                    writer.delete_document(docnum)
    finally:
        reader.close()


class _Run:
    """One pass of a query through Whoosh's collectors: filters and masks first, then a time
    limit, then the top documents (and facet counts)."""

    def __init__(self, searcher: Any, asked: _Asked) -> None:
        self.searcher, self.limit, self.facets, self.time_limit = (
            searcher,
            asked.offset + asked.limit,
            asked.facets,
            asked.time_limit,
        )
        self.filter, self.mask = _any_of(asked.filters), _none_of(asked.exclude)
        self.timed_out = False

    def __call__(self, expanded: Any) -> tuple[Any, int]:
        """(results, exact number of matching documents)."""
        everything = isinstance(expanded, query.Every)  # `*` alone: a list, nothing to rank
        large = everything or expanded.estimate_size(self.searcher.reader()) > LARGE_RESULT
        # Small sets: score them all (the count comes free). Large sets: keep only the top
        # (Whoosh skips blocks that cannot reach it), then count without scoring.
        collector = self.searcher.collector(
            limit=self.limit if large else None,
            groupedby=list(FACETS) if self.facets else None,
            scored=not everything,
        )
        timed = collectors.TimeLimitCollector(
            collector, timelimit=self.time_limit, use_alarm=_alarm_allowed()
        )
        # the filter wraps the time limit (not the other way round) so that it sees every document
        outer = collectors.FilterCollector(timed, self.filter, self.mask)
        try:
            self.searcher.search_with_collector(expanded, outer)
        except collectors.TimeLimit:
            self.timed_out = True
        results = outer.results()
        return results, self._count(expanded) if large and not self.timed_out else len(results)

    def _count(self, expanded: Any) -> int:
        unscored = collectors.FilterCollector(
            collectors.UnsortedCollector(), self.filter, self.mask
        )
        self.searcher.search_with_collector(expanded, unscored)
        return int(unscored.count())


def _every_word(parsed: Any) -> Any:
    """The query with every word required, when it is a plain list of words (`印表機 離線`):
    documents with all the words come first, and finding them is much cheaper than scoring
    every document that has any one of them. None when there is nothing to require.

    The multi-field parser gives one flat Or of (field, word) terms; the words are grouped
    back by their text (the id field, which takes the query as typed, stays optional)."""
    node, filters = parsed, []
    if isinstance(node, query.And) and isinstance(node.subqueries[-1], query.Or):
        filters, node = list(node.subqueries[:-1]), node.subqueries[-1]
    if not isinstance(node, query.Or):
        return None
    words: dict[str, list[Any]] = {}
    for clause in node.subqueries:
        if not isinstance(clause, query.Term):
            return None  # phrases, groups, wildcards: leave the query as written
        if clause.fieldname in TEXT_FIELDS:
            words.setdefault(clause.text, []).append(clause)
    if len(words) < 2:
        return None
    return query.And([*filters, *(_union(terms) for terms in words.values())])


def _union(terms: list[Any]) -> Any:
    """An Or that is matched lazily (a tree of unions that can skip ahead), never preloaded:
    inside an And, only the documents that have the other words are looked at."""
    return _union_type()(terms)


@cache
def _union_type() -> type:
    class Union(query.Or):  # type: ignore[misc]
        matcher_type = query.Or.DEFAULT_MATCHER

    return Union


# -- the index as arrays, for vector_search ------------------------------------------------


_CACHE_BYTES = 32_000_000  # posting lists kept per searcher: a word is read once
_POSTING_BYTES = 16  # an id and a weight
_POSITION_BYTES = 90  # a posting's positions as Python objects (measured), when a phrase asks


class _IndexArrays:
    """One searcher's index as `vector_search.Corpus`: posting lists read a block at a time
    (kept for the next queries), field lengths, and per-document status, review date and
    facet values, each read once for the searcher's life."""

    def __init__(self, searcher: Any) -> None:
        self._searcher = searcher
        self._reader = searcher.reader()
        self._leaves = list(self._reader.leaf_readers())
        self.size = int(self._reader.doc_count_all())
        self.live = np.ones(self.size, dtype=bool)
        for reader, offset in self._leaves:
            deleted = getattr(reader, "deleted_docs_set", None)
            if deleted is None:  # not a segment: ask document by document
                deleted = [n for n in range(reader.doc_count_all()) if reader.is_deleted(n)]
            self.live[[offset + n for n in deleted]] = False
        self._postings: dict[tuple[str, str], vs.Postings | None] = {}
        self._costs: dict[tuple[str, str], int] = {}  # bytes held per word
        self._cached = 0  # bytes held in self._postings
        self.lexicon = _Lexicon(self._reader)
        self._lengths: dict[str, vs.Floats | None] = {}
        self._factors: tuple[RankingRules, int, vs.Floats] | None = None
        self._distinct: dict[str, tuple[list[str], Any]] = {}

    # Corpus
    def postings(self, fieldname: str, text: str) -> vs.Postings | None:
        key = (fieldname, text)
        if key in self._postings:
            found = self._postings.pop(key)  # the most recently used goes last
            self._postings[key] = found
            return found
        found = self._read_postings(fieldname, text)
        self._postings[key] = found
        self._charge(key, _POSTING_BYTES * (len(found.ids) if found is not None else 0))
        return found

    def _charge(self, key: tuple[str, str], size: int) -> None:
        """Count `size` bytes against the cache, dropping the least recently used words."""
        self._costs[key] = self._costs.get(key, 0) + size
        self._cached += size
        while len(self._postings) > 1 and self._cached > _CACHE_BYTES:
            oldest = next(iter(self._postings))
            del self._postings[oldest]
            self._cached -= self._costs.pop(oldest, 0)

    def lengths(self, fieldname: str) -> vs.Floats | None:
        if fieldname not in self._lengths:
            self._lengths[fieldname] = self._read_lengths(fieldname)
        return self._lengths[fieldname]

    def average_length(self, fieldname: str) -> float:
        return float(self._searcher.avg_field_length(fieldname) or 0.0)

    def doc_frequency(self, fieldname: str, text: str) -> int:
        return int(self._reader.doc_frequency(fieldname, text))

    # per document
    def factors(self, rules: RankingRules, as_of: date) -> vs.Floats:
        """Each document's ranking factor (`RankingRules.factor`) on the date."""
        today = as_of.toordinal()
        if self._factors is None or self._factors[:2] != (rules, today):  # the last one is kept
            names, codes = self._values("status")
            due = self._dates("review_due")
            overdue = (due != UNDATED) & (due < today)
            current = np.array([rules.factor(name, UNDATED, today) for name in names])
            late = np.array([rules.factor(name, today - 1, today) for name in names])
            self._factors = (rules, today, np.where(overdue, late[codes], current[codes]))
        return self._factors[2]

    def having(self, fieldname: str) -> vs.Ids | None:
        """The documents with anything in the field (`field:*`), or None when that would mean
        reading too many posting lists."""
        lengths = self.lengths(fieldname)
        if lengths is not None:
            return np.flatnonzero(lengths > 0)
        words = self.lexicon(fieldname)
        if len(words) > MAX_EXPANSION:
            return None
        lists = [self.postings(fieldname, word) for word in words]
        found = [p.ids for p in lists if p is not None]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def facet_counts(self, name: str, found: vs.Flags) -> dict[str, int]:
        """Documents of `found` per value of the facet (the field's column, as Whoosh's
        FieldFacet groups them)."""
        names, codes = self._values(name)
        counts = np.bincount(codes[found], minlength=len(names))
        return {n: int(c) for n, c in zip(names, counts, strict=True) if n and c}

    def _values(self, fieldname: str) -> tuple[list[str], Any]:
        """The distinct values of a text column and each document's value among them."""
        if fieldname not in self._distinct:
            values = np.array(self._column(fieldname, b"", raw=True), dtype=object)
            distinct, codes = np.unique(values, return_inverse=True)
            field = self._searcher.schema[fieldname]
            names = [str(field.from_column_value(value) or "") for value in distinct]
            self._distinct[fieldname] = (names, codes)
        return self._distinct[fieldname]

    # reading
    def _read_postings(self, fieldname: str, text: str) -> vs.Postings | None:
        try:
            field = self._searcher.schema[fieldname]
            word = field.to_bytes(text)
        except (KeyError, ValueError):
            return None
        leaves = [(r, offset) for r, offset in self._leaves if (fieldname, word) in r]
        if not leaves:
            return None
        ids, weights = [], []
        for reader, offset in leaves:
            found_ids, found_weights, _ = _read_all(_raw_postings(reader, fieldname, word))
            ids.append(found_ids + offset)
            weights.append(found_weights)
        values: list[Any] = []

        def positions(number: int) -> Sequence[int]:
            """Read (once) when a phrase asks: most words never need them."""
            if not values:
                for reader, _ in leaves:
                    values.extend(_read_all(_raw_postings(reader, fieldname, word), True)[2])
                if (fieldname, text) in self._postings:
                    self._charge((fieldname, text), _POSITION_BYTES * len(values))
            return field.format.decode_positions(values[number])  # type: ignore[no-any-return]

        return vs.Postings(np.concatenate(ids), np.concatenate(weights), positions)

    def _read_lengths(self, fieldname: str) -> vs.Floats | None:
        if fieldname not in self._searcher.schema or not self._searcher.schema[fieldname].scorable:
            return None
        lengths, table = np.zeros(self.size), np.array(_BYTE_LENGTHS, dtype=np.float64)
        for reader, offset in self._leaves:
            count = int(reader.doc_count_all())
            lengths[offset : offset + count] = table[_length_bytes(reader, fieldname, count)]
        return lengths

    def _dates(self, fieldname: str) -> Any:
        """A date field's day numbers (UNDATED where none), as an array: the column's sortable
        integers made signed again (`from_sortable`, at once)."""
        field = self._searcher.schema[fieldname]
        days = np.full(self.size, UNDATED, dtype=np.int64)
        for reader, offset in self._leaves:
            count = int(reader.doc_count_all())
            column = reader.column_reader(fieldname, translate=False)
            if not isinstance(column, columns.NumericColumn.Reader):
                days[offset : offset + count] = self._column(fieldname, UNDATED)[offset:][:count]
                continue
            found = _numbers(column, count).astype(np.int64)
            if field.signed:
                found -= 1 << (field.bits - 1)
            days[offset : offset + count] = found
        return days

    def _column(self, fieldname: str, default: Any, raw: bool = False) -> list[Any]:
        """Every document's value of a sortable field (`raw`: as the column keeps it)."""
        field = self._searcher.schema[fieldname]
        values: list[Any] = [default] * self.size
        for reader, offset in self._leaves:
            count = int(reader.doc_count_all())
            found = _column_bytes(reader.column_reader(fieldname, translate=False), count)
            values[offset : offset + count] = found if raw else map(field.from_column_value, found)
        return values


def _column_bytes(column: Any, count: int) -> list[Any]:
    """A column's values, read at once where Whoosh's reader allows it."""
    if isinstance(column, columns.VarBytesColumn.Reader):
        data = bytes(column._dbfile.get(column._basepos, sum(column._lengths)))
        spans = zip(column._offsets, column._lengths, strict=True)
        return [data[o : o + n] for o, n in spans][:count]
    if isinstance(column, columns.NumericColumn.Reader):
        found: list[Any] = _numbers(column, count).tolist()
        return found
    return list(column)[:count]


def _numbers(column: Any, count: int) -> Any:
    """A numeric column's values as an array, read at once (the column's default after the
    last document it stores)."""
    stored = min(column._count, count)
    raw = bytes(column._dbfile.get(column._basepos, stored * column._fixedlen))
    values = np.frombuffer(raw, dtype=">" + column._typecode)
    result = np.full(count, column._default, dtype=values.dtype.newbyteorder("="))
    result[:stored] = values
    return result


def _raw_postings(reader: Any, fieldname: str, word: bytes) -> Any:
    matcher = reader.postings(fieldname, word)
    if isinstance(matcher, FilterMatcher):
        matcher = matcher.child  # deleted documents too: `live` takes them out
        matcher.reset()  # the filter has moved it past the deleted documents at the start
    return matcher


def _read_all(matcher: Any, values: bool = False) -> tuple[Any, Any, list[Any]]:
    """A posting list's ids and weights (arrays) and, if asked, raw values: a block at a time
    from Whoosh's own block reader (the pinned `whoosh-reloaded` 2.7.5 codec: a block is a
    pickled tuple of delta-coded ids, weights and values), else a posting at a time."""
    ids: list[Any] = []
    weights: list[Any] = []
    raw: list[Any] = []
    if isinstance(matcher, W3LeafMatcher) and not matcher._byteids:
        while not matcher._atend:
            matcher._read_data()
            block_ids, block_weights = matcher._data[:2]
            count = matcher._blocklength
            ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)))
            if block_weights is None or isinstance(block_weights, float):
                weights.append(np.full(count, 1.0 if block_weights is None else block_weights))
            else:
                weights.append(np.asarray(block_weights, dtype=np.float64))
            if values:
                matcher._read_values()
                raw.extend(matcher._values)
            matcher._next_block()
        if ids:
            return np.concatenate(ids), np.concatenate(weights), raw
    while matcher.is_active():
        ids.append(matcher.id())
        weights.append(matcher.weight())
        if values:
            raw.append(matcher.value())
        matcher.next()
    return np.asarray(ids, dtype=np.int64), np.asarray(weights, dtype=np.float64), raw


def _length_bytes(reader: Any, fieldname: str, count: int) -> Any:
    """Each document's length byte of the field (Whoosh keeps lengths as one byte each)."""
    column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
    return _numbers(column, count) if column is not None else np.zeros(count, dtype=np.uint8)


class _Plain:
    """A parsed Whoosh query as `vector_search` nodes. A form it does not know is matched by
    Whoosh itself, a segment at a time as Whoosh's own search does, and handed over as its
    matches (`Given`); past the evaluator's deadline that stops and the answer says so."""

    def __init__(self, searcher: Any, arrays: _IndexArrays, evaluate: vs.Evaluator) -> None:
        self._searcher = searcher
        self._arrays = arrays
        self._evaluate = evaluate

    def __call__(self, node: Any) -> vs.Node:
        kind = type(node)
        if node is query.NullQuery:
            return vs.NOTHING
        if kind is query.Term:
            return vs.Word(node.fieldname, node.text, node.boost)
        if kind in (query.Or, _union_type()) and not node.scale:
            return self._compound(vs.AnyOf, node)
        if kind is query.And:
            return self._compound(vs.AllOf, node)
        if kind is query.Not:
            return vs.Inverse(self(node.query))
        if kind is query.AndNot:
            return vs.AllBut(self(node.a), self(node.b))
        if kind is query.Phrase:
            return vs.Phrase(node.fieldname, tuple(node.words), node.slop, node.boost)
        if kind is query.Every and node.fieldname in (None, "", "*"):
            return vs.Everything()
        if kind is query.Every:  # `field:*`: the documents with anything in the field
            having = self._arrays.having(node.fieldname)
            if having is not None:
                return vs.Given(having, np.full(len(having), float(node.boost)))
        return self._given(node)

    def _compound(self, make: Any, node: Any) -> vs.Node:
        children = tuple(self(child) for child in node.subqueries)
        if len(children) == 1:  # Whoosh matches a lone child as itself (its boost is lost)
            return children[0]
        return make(children, node.boost)  # type: ignore[no-any-return]

    def _given(self, node: Any) -> vs.Node:
        context = self._searcher.context(needs_current=False)
        ids: list[int] = []
        scores: list[float] = []
        for searcher, offset in self._searcher.leaf_searchers():
            if self._evaluate.late():
                break
            matcher = node.matcher(searcher, context)
            while matcher.is_active():
                if len(ids) % 512 == 511 and self._evaluate.late():
                    break
                ids.append(offset + matcher.id())
                scores.append(matcher.score())
                matcher.next()
        return vs.Given(np.asarray(ids, dtype=np.int64), np.asarray(scores, dtype=np.float64))


class EngineSearcher:
    """An open searcher: keep it for many queries (opening costs more than a query)."""

    def __init__(self, handle: Any, rules: RankingRules, vectorised: bool = True) -> None:
        load_searching()
        self._index = handle
        self._rules = rules
        self._searcher = handle.searcher()
        self._parser = _query_parser(handle.schema)
        self._arrays = _IndexArrays(self._searcher) if vectorised else None

    def close(self) -> None:
        self._searcher.close()

    def search(
        self,
        text: str,
        *,
        as_of: date,
        filters: Mapping[str, Sequence[str]] | None = None,
        exclude: Mapping[str, Sequence[str]] | None = None,
        limit: int = 10,
        offset: int = 0,
        facets: bool = False,
        time_limit: float = 1.5,
    ) -> EngineResults:
        try:
            return self._search(
                _Asked(text, as_of, filters, exclude, limit, offset, facets, time_limit)
            )
        except QuerySyntaxError:
            raise
        except (IndexError, KeyError, ValueError, TypeError, AttributeError) as exc:
            # a query Whoosh parsed but cannot run (`NOT NOT vpn`): a message, not a traceback
            raise QuerySyntaxError(f"cannot run the query ({type(exc).__name__})") from None

    def _search(self, asked: _Asked) -> EngineResults:
        parsed = self._parse(asked.text)
        if self._searcher.doc_count_all() == 0:  # an audience with no document (yet)
            empty: dict[str, dict[str, int]] = {name: {} for name in FACETS} if asked.facets else {}
            return EngineResults(0, (), None, False, empty)
        self._searcher.weighting = _RankedBM25F(self._rules, asked.as_of)
        if self._arrays is not None:
            return self._search_arrays(asked, parsed)
        return self._search_whoosh(asked, parsed)

    def _search_whoosh(self, asked: _Asked, parsed: Any) -> EngineResults:
        """Whoosh's own matching and scoring, through its collectors."""
        reader = self._searcher.reader()
        offset, limit = asked.offset, asked.limit
        run = _Run(self._searcher, asked)
        strict = _every_word(parsed)
        chosen = _expand(strict, reader) if strict is not None else None
        results, total = run(chosen) if chosen is not None else (None, 0)
        if results is None or (total < EVERY_WORD_ENOUGH and not run.timed_out):
            chosen = _expand(parsed, reader)  # too few documents have every word: any will do
            results, total = run(chosen)
        words = _marked_words(chosen)
        hits = tuple(
            _hit(hit.fields(), hit.score, words) for hit in results[offset : offset + limit]
        )
        suggestion = self._suggest(parsed, asked.text, total)
        counts = {name: dict(results.groups(name)) for name in FACETS} if asked.facets else {}
        return EngineResults(total, hits, suggestion, run.timed_out, _counts(counts))

    def _search_arrays(self, asked: _Asked, parsed: Any) -> EngineResults:
        """The same search over whole posting lists with numpy (`vector_search`)."""
        arrays = self._arrays
        assert arrays is not None
        evaluate = vs.Evaluator(arrays, _bm25(), time.perf_counter() + asked.time_limit)
        plain = _Plain(self._searcher, arrays, evaluate)
        allowed = arrays.live.copy()
        if (wanted := _any_of(asked.filters)) is not None:
            allowed &= evaluate(plain(wanted)).found
        if (unwanted := _none_of(asked.exclude)) is not None:
            allowed &= ~evaluate(plain(unwanted)).found
        reader = self._searcher.reader()
        chosen = _every_word(parsed)
        found, total, matches = allowed, 0, None
        if chosen is not None:
            chosen = _expand(chosen, reader, arrays.lexicon)
            matches = evaluate(plain(chosen))
            found = matches.found & allowed
            total = int(found.sum())
        if matches is None or (total < EVERY_WORD_ENOUGH and not evaluate.timed_out):
            chosen = _expand(parsed, reader, arrays.lexicon)  # too few have every word: any will do
            matches = evaluate(plain(chosen))
            found = matches.found & allowed
            total = int(found.sum())
        scores = matches.scores * arrays.factors(self._rules, asked.as_of)
        if isinstance(chosen, query.Every):  # `*` or `field:*` alone: a list, nothing to rank
            scores = np.zeros(arrays.size)
        best = vs.ranked(scores, found, asked.offset + asked.limit)[asked.offset :]
        words = _marked_words(chosen)
        stored = self._searcher.stored_fields
        hits = tuple(_hit(stored(int(n)), float(scores[n]), words) for n in best)
        counts = {name: arrays.facet_counts(name, found) for name in FACETS} if asked.facets else {}
        suggestion = self._suggest(parsed, asked.text, total)
        return EngineResults(total, hits, suggestion, evaluate.timed_out, counts)

    def stored(self, doc_id: str) -> dict[str, Any] | None:
        """A document's metadata by id (not its text), or None."""
        fields = self._searcher.document(id=doc_id.lower())
        if fields is None:
            return None
        result = {name: fields.get(name, "") for name in _METADATA}
        for name in ("last_reviewed", "review_due"):
            value = fields.get(name) or UNDATED
            result[name] = date.fromordinal(value) if value != UNDATED else None
        return result

    def _parse(self, text: str) -> Any:
        if text.strip() in ("*", "*:*"):
            return query.Every()  # everything, listed without ranking (scoring all is slow)
        # stored-only fields (url:, version:) are not searchable: read `url:x` as words
        text = _STORED_ONLY.sub(lambda m: m.group(1) + " ", text)
        try:
            parsed = self._parser.parse(text)
        except Exception:  # Whoosh's parser is lenient; anything it still rejects
            raise QuerySyntaxError(
                "cannot read the query: check its quotes, brackets and AND/OR/NOT"
            ) from None
        return _filters_required(parsed, text)

    def _suggest(self, parsed: Any, text: str, total: int) -> str | None:
        """'Did you mean': when the query found little (SUGGEST_BELOW documents), its English
        words that no document has (not even as an id, owner or tag) are replaced by the
        nearest word of the index. Chinese words are not corrected: a wrong character cuts
        differently, and the nearest indexed word is rarely what was meant."""
        if total >= SUGGEST_BELOW:
            return None
        reader = self._searcher.reader()
        corrector = self._searcher.corrector("body")
        changes: list[tuple[int, int, str]] = []
        for term in _body_terms(parsed):
            word = term.text
            if _CJK.search(word) or len(word) < 4 or term.startchar is None:
                continue
            known = [word, *(w[0] for w in _synonyms("body").get(word, ()))]
            fields = ("body", "title", "tags", "headings")
            if any(reader.doc_frequency(f, w) for w in known for f in fields):
                continue
            if reader.doc_frequency("id", word) or reader.doc_frequency("owners", word):
                continue
            found = corrector.suggest(word, limit=1, maxdist=1 if len(word) < 6 else 2, prefix=1)
            if found:
                changes.append((term.startchar, term.endchar, found[0]))
        return _rewrite(text, changes) if changes else None


_CJK = re.compile(r"[\u3400-\u9fff]")


def _rewrite(text: str, changes: list[tuple[int, int, str]]) -> str:
    analyzer = text_analyzer()
    traditional = analyzer.is_traditional(text)
    result = text
    for start, end, word in sorted(set(changes), reverse=True):
        shown = analyzer.normaliser.traditional(word) if traditional else word
        result = result[:start] + shown + result[end:]
    return result


def _filters_required(parsed: Any, text: str) -> Any:
    """Words are OR-ed, but a field filter must hold: `type:sop 停電` is SOPs about power cuts,
    not everything about power cuts plus every SOP. Filters on the same field are one choice
    (`type:sop type:ep` and `type:sop OR type:ep` are SOPs or plans), filters on different
    fields all hold. An OR written between words (`VPN OR 停電`) is kept as written."""
    if not isinstance(parsed, query.Or):
        return parsed
    negations = [q for q in parsed.subqueries if isinstance(q, query.Not)]
    by_field: dict[str, list[Any]] = {}
    for clause in parsed.subqueries:
        if _is_filter(clause):
            by_field.setdefault(_field_of(clause), []).append(clause)
    words = [q for q in parsed.subqueries if not isinstance(q, query.Not) and not _is_filter(q)]
    if not by_field and not negations:
        return parsed
    if " OR " in text and words and by_field and "(" not in text:
        return parsed  # `type:sop OR 停電`: the OR was meant
    filters = [group[0] if len(group) == 1 else query.Or(group) for group in by_field.values()]
    required = [*filters, *negations]
    if not words:
        return query.And(required) if len(required) > 1 else required[0]
    rest = words[0] if len(words) == 1 else query.Or(words, scale=parsed.scale)
    return query.And([*required, rest])


def _field_of(clause: Any) -> str:
    return ",".join(
        sorted(
            {leaf.fieldname for leaf in clause.leaves()}
            if not clause.is_leaf()
            else {clause.fieldname}
        )
    )


_STORED_ONLY = re.compile(r"(?<![\w:])(url|version|digest):", re.IGNORECASE)


def _is_filter(node: Any) -> bool:
    names = (
        {leaf.fieldname for leaf in node.leaves()}
        if node.is_leaf() is False
        else {getattr(node, "fieldname", None)}
    )
    return bool(names) and all(name in _KEYWORD_FIELDS for name in names)


_KEYWORD_FIELDS = {
    "doctype",
    "tag",
    "status",
    "owners",
    "product",
    "category",
    "kind",
    "visibility",
}


def _body_terms(parsed: Any) -> list[Any]:
    return (
        [
            leaf
            for leaf in parsed.leaves()
            if isinstance(leaf, query.Term) and leaf.fieldname == "body"
        ]
        if parsed is not query.NullQuery
        else []
    )


def _query_parser(schema: Schema) -> Any:
    parser = qparser.MultifieldParser(
        list(FIELD_WEIGHTS),
        schema,
        fieldboosts=FIELD_WEIGHTS,
        group=qparser.OrGroup.factory(0.9),
    )
    aliases: dict[str, list[str]] = {}
    for alias, target in _SYNTAX_FIELDS.items():
        aliases.setdefault(target, []).append(alias)
    parser.add_plugin(qparser.FieldAliasPlugin(aliases))
    return parser


def _any_of(conditions: Mapping[str, Sequence[str]] | None) -> Any:
    """(field -> values): a document matching one value of every field."""
    if not conditions:
        return None
    parts = []
    for name, values in conditions.items():
        fieldname = _SYNTAX_FIELDS.get(name, name)
        terms = [query.Term(fieldname, value.lower()) for value in values]
        parts.append(query.Or(terms) if len(terms) > 1 else terms[0])
    return query.And(parts) if len(parts) > 1 else parts[0]


def _none_of(conditions: Mapping[str, Sequence[str]] | None) -> Any:
    """(field -> values): the documents to leave out, those matching any value of any field."""
    terms = [
        query.Term(_SYNTAX_FIELDS.get(name, name), value.lower())
        for name, values in (conditions or {}).items()
        for value in values
    ]
    return query.Or(terms) if terms else None


def _alarm_allowed() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _counts(raw: Mapping[str, Mapping[Any, Any]]) -> dict[str, dict[str, int]]:
    return {
        name: {
            str(key): len(value) if isinstance(value, list) else int(value)
            for key, value in groups.items()
            if key
        }
        for name, groups in raw.items()
    }


def _marked_words(expanded: Any) -> set[str]:
    if expanded is query.NullQuery:
        return set()
    return {text for fieldname, text in expanded.all_terms() if fieldname in TEXT_FIELDS}


def _hit(fields: Mapping[str, Any], score: float | None, words: set[str]) -> EngineHit:
    due = fields.get("review_due") or UNDATED
    return EngineHit(
        path=fields["path"],
        id=fields.get("id", ""),
        title=fields.get("title", ""),
        type=fields.get("type", ""),
        status=fields.get("status", ""),
        owner=fields.get("owner", ""),
        url=fields.get("url", ""),
        review_due=date.fromordinal(due) if due != UNDATED else None,
        score=round(float(score or 0.0), 4),
        snippet=snippets.snippet(fields.get("body", ""), words),
    )


# -- query expansion ----------------------------------------------------------------------


def _expand(parsed: Any, reader: Any, lexicon: _Lexicon | None = None) -> Any:
    """Each word also matches its synonyms and sub-words; prefix* and wild?card patterns stand
    for at most MAX_EXPANSION words of the index (Whoosh would expand them all), looked up in
    `lexicon` when given (else in Whoosh's, a word at a time)."""
    if parsed is query.NullQuery:
        return parsed

    def visit(node: Any) -> Any:
        if isinstance(node, query.Term) and node.fieldname in TEXT_FIELDS:
            return _alternatives(node, reader)
        if isinstance(node, (query.Prefix, query.Wildcard)) and lexicon is not None:
            return _listed(_normalised(node), lexicon)
        if isinstance(node, (query.Prefix, query.Wildcard, query.FuzzyTerm)):
            return _bounded(_normalised(node), reader)
        if isinstance(node, query.TermRange):  # [a TO c]: at most MAX_EXPANSION words too
            return _bounded(node, reader)
        return node

    return parsed.accept(visit)


def _alternatives(term: Any, reader: Any) -> Any:
    """The word, its synonyms and, when the index knows the word in few documents, its
    sub-words (documents that cut it differently); a frequent word needs no help, and every
    alternative costs a posting list to score."""
    options = [term]
    for words in _synonyms(term.fieldname).get(term.text, ()):
        if len(words) == 1:
            options.append(query.Term(term.fieldname, words[0], boost=term.boost * SYNONYM_BOOST))
        else:
            options.append(
                query.Phrase(term.fieldname, list(words), boost=term.boost * SYNONYM_BOOST)
            )
    parts = text_analyzer().subwords(term.text)
    if parts and reader.doc_frequency(term.fieldname, term.text) < SUBWORDS_BELOW:
        boost = term.boost * SUBWORD_BOOST
        if term.text.isascii():  # corp_vpn, outlook2019: all the pieces, in any order
            pieces = [query.Term(term.fieldname, part) for part in parts]
            options.append(query.And(pieces, boost=boost))
        else:
            options.extend(query.Term(term.fieldname, part, boost=boost) for part in parts)
    return _union(options) if len(options) > 1 else term


def _normalised(node: Any) -> Any:
    """`憑證*` is looked up as the index stores it (凭证*): the pattern is not analysed."""
    if node.fieldname not in TEXT_FIELDS:
        return node
    copy = node.copy()
    copy.text = text_analyzer().normalise(node.text, query=True).lower()
    return copy


def _bounded(node: Any, reader: Any) -> Any:
    words = []
    for word in node._btexts(reader):
        words.append(word.decode("utf-8") if isinstance(word, bytes) else word)
        if len(words) >= MAX_EXPANSION:
            break
    if not words:
        return query.NullQuery
    return query.Or([query.Term(node.fieldname, word, boost=node.boost) for word in words])


class _Lexicon:
    """Each field's words, sorted, read from the index once (for prefix* and wild?card)."""

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._words: dict[str, list[str]] = {}

    def __call__(self, fieldname: str) -> list[str]:
        if fieldname not in self._words:
            words: list[str] = []
            if fieldname in self._reader.schema:
                field = self._reader.schema[fieldname]
                words = [field.from_bytes(w) for w in self._reader.lexicon(fieldname)]
            self._words[fieldname] = sorted(words)
        return self._words[fieldname]


def _listed(node: Any, lexicon: _Lexicon) -> Any:
    """A prefix* or wild?card pattern as an Or of at most MAX_EXPANSION words of `lexicon`."""
    words = lexicon(node.fieldname)
    start = node.text if isinstance(node, query.Prefix) else node._find_prefix(node.text)
    following = itertools.islice(words, bisect.bisect_left(words, start), None)
    candidates: Iterator[str] = itertools.takewhile(lambda w: w.startswith(start), following)
    if isinstance(node, query.Wildcard):
        candidates = filter(re.compile(node._get_pattern()).match, candidates)
    found = list(itertools.islice(candidates, MAX_EXPANSION))
    if not found:
        return query.NullQuery
    return query.Or([query.Term(node.fieldname, word, boost=node.boost) for word in found])


def synonym_words(text: str) -> tuple[str, ...]:
    """The indexed words of `text` cut as a document, without sub-words."""
    final = SupportTokenizer().final
    cut = (final(term.text) for term in text_analyzer().terms(text, with_subwords=False))
    return tuple(word for word in cut if word)


def _synonyms(fieldname: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    """normalised word -> the other words of its synonym groups, as the field cuts them
    (every text field cuts alike)."""
    return _synonym_table()


@cache
def _synonym_table() -> dict[str, tuple[tuple[str, ...], ...]]:
    """The synonym list (Traditional Chinese and English) is cut as documents are: as a query
    would be, without the Simplified-character step and the OpenCC configuration it loads
    (0.13 s of a cold search). `synonym_words` is what a test compares with the query cut."""
    result: dict[str, list[tuple[str, ...]]] = {}
    groups = synonym_groups()
    text_analyzer().prepare([word for group in groups for word in group])
    for group in groups:
        cut = [words for words in map(synonym_words, group) if words]
        for words in cut:
            if len(words) == 1:
                others = [w for w in cut if w != words]
                result.setdefault(words[0], []).extend(others)
    return {word: tuple(dict.fromkeys(others)) for word, others in result.items()}
