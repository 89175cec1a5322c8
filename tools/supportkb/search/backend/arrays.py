"""The index as arrays for `ranking.vector_search`, and a Whoosh query as its nodes.

Matching and scoring run over whole posting lists with numpy: the same scores as Whoosh's own
matcher, which scores a document at a time in Python and was 10 to 30 times slower. Whoosh
stores the index and parses the query; `IndexArrays` reads posting lists a block at a time
from Whoosh's W3 codec, field lengths and per-document columns at once (the private names it
relies on are listed in `private_names`); `PlainQuery` turns a parsed query into
`vector_search` nodes, and lets Whoosh match a form it does not know.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from whoosh import columns, query
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.matching import FilterMatcher

from supportkb.search.backend.codec import BYTE_LENGTHS
from supportkb.search.backend.fields import UNDATED
from supportkb.search.backend.parsing import MAX_EXPANSION, Lexicon, union_type
from supportkb.search.ranking import vector_search as vs
from supportkb.search.ranking.rules import RankingRules

CACHE_BYTES = 32_000_000  # posting lists kept per searcher: a word is read once
_POSTING_BYTES = 16  # an id and a weight
_POSITION_BYTES = 90  # a posting's positions as Python objects (measured), when a phrase asks


class IndexArrays:
    """One searcher's index as `vector_search.Corpus`: posting lists read a block at a time
    (kept for the next queries), field lengths, and per-document status, review date and
    facet values, each read once for the searcher's life."""

    def __init__(self, searcher: Any, cache_bytes: int = CACHE_BYTES) -> None:
        self._searcher = searcher
        self._cache_bytes = cache_bytes
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
        self.lexicon = Lexicon(self._reader)
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
        while len(self._postings) > 1 and self._cached > self._cache_bytes:
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
            overdue = (due != UNDATED) & (due < today)  # the dates `is_overdue` would call late
            yesterday = as_of - timedelta(days=1)
            current = np.array([rules.factor(name, None, as_of) for name in names])
            late = np.array([rules.factor(name, yesterday, as_of) for name in names])
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
        lengths, table = np.zeros(self.size), np.array(BYTE_LENGTHS, dtype=np.float64)
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


class PlainQuery:
    """A parsed Whoosh query as `vector_search` nodes. A form it does not know is matched by
    Whoosh itself, a segment at a time as Whoosh's own search does, and handed over as its
    matches (`Given`); past the evaluator's deadline that stops and the answer says so.
    `whoosh`: every form is matched and scored by Whoosh (the reference, for comparison)."""

    def __init__(
        self, searcher: Any, arrays: IndexArrays, evaluate: vs.Evaluator, whoosh: bool = False
    ) -> None:
        self._searcher = searcher
        self._arrays = arrays
        self._evaluate = evaluate
        self._whoosh = whoosh

    def __call__(self, node: Any) -> vs.Node:
        kind = type(node)
        if node is query.NullQuery:
            return vs.NOTHING
        if self._whoosh:
            return self._given(node)
        if kind is query.Term:
            return vs.Word(node.fieldname, node.text, node.boost)
        if kind in (query.Or, union_type()) and not node.scale:
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
