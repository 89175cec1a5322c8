"""Every private name of Whoosh the backend uses, in one place, each with why.

whoosh-reloaded is pinned (2.7.5); `tests/search/backend/test_private_names.py` asserts that
each name below exists on the installed version, so an upgrade that moves one fails there
first, by name, rather than somewhere in a search. The modules listed are Whoosh's internal
ones (its codec, columns, matchers, structfile); a name is either an attribute of the class
(`ATTRIBUTE`), one its instances are given in the class's code (`INSTANCE`, `self.x = ...`),
or a public name of an internal module (`INTERNAL`: Whoosh documents none of them).
Only code in `search/backend` and its tests may use these names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ATTRIBUTE: Literal["attribute"] = "attribute"
INSTANCE: Literal["instance"] = "instance"
INTERNAL: Literal["internal"] = "internal"
Kind = Literal["attribute", "instance", "internal"]


@dataclass(frozen=True)
class PrivateName:
    module: str
    path: str  # dotted, from the module: `BufferFile.__init__`, `W3LeafMatcher._data`
    kind: Kind
    why: str


def _names(module: str, kind: Kind, *entries: tuple[str, str]) -> tuple[PrivateName, ...]:
    return tuple(PrivateName(module, path, kind, why) for path, why in entries)


_STRUCTFILE = "whoosh.filedb.structfile"
_W3 = "whoosh.codec.whoosh3"
_COLUMNS = "whoosh.columns"
_TERMS = "whoosh.query.terms"

PRIVATE_NAMES: tuple[PrivateName, ...] = (
    # internal modules: the codec, columns, matchers and numbers the backend builds on
    *_names(
        _W3,
        INTERNAL,
        ("W3Codec", "subclassed by `codec.Codec` (the index's codec)"),
        ("W3FieldWriter", "subclassed by `codec.FieldWriter` (postings into blocks directly)"),
        ("W3PerDocReader", "subclassed by `codec.PerDocReader` (lengths read at once)"),
        ("W3PostingsWriter", "the block writer `codec.FieldWriter` fills"),
        ("W3LeafMatcher", "a segment's posting list, read a block at a time by `arrays`"),
        ("LENGTHS_COLUMN", "the column type of a field's lengths (a byte per document)"),
    ),
    *_names(
        "whoosh.codec.base",
        INTERNAL,
        ("OutOfOrderError", "raised by `codec.FieldWriter` as W3's writer does"),
    ),
    *_names(
        _COLUMNS,
        INTERNAL,
        ("VarBytesColumn.Reader", "a text column (status, type, category), read at once"),
        ("NumericColumn.Reader", "a numeric column (dates, lengths), read at once"),
        ("FixedBytesColumn.Reader", "the numeric reader's base, which holds its file"),
    ),
    *_names(
        "whoosh.matching",
        INTERNAL,
        (
            "FilterMatcher",
            "a posting list with deleted documents filtered out: `arrays` reads "
            "its child (deleted ones too; the live flags take them out)",
        ),
    ),
    *_names("whoosh.matching", INSTANCE, ("FilterMatcher.child", "the unfiltered posting list")),
    *_names(
        "whoosh.query",
        ATTRIBUTE,
        ("Or.DEFAULT_MATCHER", "a lazy union (`parsing.union`), never preloaded"),
        ("Or.matcher_type", "set on that union's class"),
    ),
    *_names("whoosh.system", INTERNAL, ("pack_uint", "a keyword posting's encoded count")),
    *_names(
        "whoosh.util.numeric",
        INTERNAL,
        ("byte_to_length", "a length byte as the length it stands for"),
    ),
    *_names("whoosh.filedb", INTERNAL, ("structfile", "Whoosh's file structures (`patches`)")),
    *_names(_STRUCTFILE, INTERNAL, ("BufferFile", "a segment part over the mapped file")),
    # patches: a segment's parts read from the mapped file without a copy
    *_names(
        _STRUCTFILE,
        ATTRIBUTE,
        ("BufferFile.__init__", "replaced by `patches.apply_patches` (no BytesIO copy)"),
    ),
    *_names(
        _STRUCTFILE,
        INSTANCE,
        ("BufferFile._buf", "the buffer the patched __init__ keeps, read by `get`"),
        ("BufferFile._name", "the name the patched __init__ keeps, as Whoosh's does"),
    ),
    # codec: writing postings into blocks directly, reading lengths at once
    *_names(
        _W3,
        ATTRIBUTE,
        ("W3PostingsWriter._write_block", "`codec.FieldWriter` closes a full block itself"),
        ("W3PerDocReader._cached_reader", "the lengths column of a field, read at once"),
        ("W3LeafMatcher._read_data", "`arrays` reads a posting list a block at a time"),
        ("W3LeafMatcher._read_values", "a block's raw values (positions), when a phrase asks"),
        ("W3LeafMatcher._next_block", "the next block of a posting list"),
    ),
    *_names(
        _W3,
        INSTANCE,
        ("W3FieldWriter._postwriter", "the postings writer of the current term"),
        ("W3PostingsWriter._blocklimit", "postings per block"),
        ("W3PostingsWriter._ids", "the current block's document numbers"),
        ("W3PostingsWriter._weights", "the current block's weights"),
        ("W3PostingsWriter._values", "the current block's encoded values"),
        ("W3PostingsWriter._maxweight", "the block's statistics, kept as Whoosh's add does"),
        ("W3PostingsWriter._minlength", "the block's shortest document"),
        ("W3PostingsWriter._maxlength", "the block's longest document"),
        ("W3PerDocReader._doccount", "documents in the segment (the lengths' bound)"),
        ("W3LeafMatcher._byteids", "ids stored as bytes: then read a posting at a time"),
        ("W3LeafMatcher._atend", "the last block has been read"),
        ("W3LeafMatcher._data", "the decoded block: delta-coded ids, weights, values"),
        ("W3LeafMatcher._blocklength", "postings in the current block"),
        ("W3LeafMatcher._values", "the current block's raw values"),
    ),
    # columns: per-document values (status, dates, lengths) read at once
    *_names(
        _COLUMNS,
        INSTANCE,
        ("VarBytesColumn.Reader._dbfile", "the mapped file a text column is read from"),
        ("VarBytesColumn.Reader._basepos", "where the column's values start"),
        ("VarBytesColumn.Reader._lengths", "each document's value length"),
        ("VarBytesColumn.Reader._offsets", "each document's value offset"),
        ("FixedBytesColumn.Reader._dbfile", "the mapped file a numeric column is read from"),
        ("FixedBytesColumn.Reader._basepos", "where the column's values start"),
        ("FixedBytesColumn.Reader._count", "documents the column stores"),
        ("FixedBytesColumn.Reader._fixedlen", "bytes per value"),
        ("NumericColumn.Reader._typecode", "the struct code of the values (an array's dtype)"),
        ("NumericColumn.Reader._default", "the value of a document after the last stored"),
    ),
    # reading: a segment's per-document reader (the lengths columns)
    *_names(
        "whoosh.reading",
        INSTANCE,
        ("SegmentReader._perdoc", "the segment's per-document reader, for its columns"),
        ("SegmentReader._segment", "the segment (a test builds W3's reader beside ours)"),
        ("SegmentReader._storage", "the segment's storage (the same test)"),
    ),
    # the parser's query nodes: patterns expanded to at most MAX_EXPANSION words
    *_names(
        _TERMS,
        ATTRIBUTE,
        ("MultiTerm._btexts", "the words a pattern stands for, stopped at MAX_EXPANSION"),
        ("PatternQuery._find_prefix", "a wild?card's fixed start, looked up in the lexicon"),
        ("Wildcard._get_pattern", "a wild?card as a regular expression"),
    ),
)
