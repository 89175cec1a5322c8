"""Writing and reading a segment faster than Whoosh's W3 codec does, with the same bytes.

`Codec` is Whoosh's W3 codec whose field writer puts postings in blocks directly and whose
per-document reader reads a field's lengths at once. What is written is exactly what W3 writes
(a backend test compares every posting list, statistic and stored field). The private names
it relies on are listed in `private_names`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from whoosh.codec.base import OutOfOrderError
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3FieldWriter, W3PerDocReader
from whoosh.util.numeric import byte_to_length

BYTE_LENGTHS = [0, *(byte_to_length(b) for b in range(1, 256))]  # Whoosh stores a byte


class Codec(W3Codec):  # type: ignore[misc]
    """Whoosh's W3 codec, whose per-document reader reads each field's lengths at once: the
    writer asks the length of every posting's document (a column read and a conversion per
    call, millions of calls in a full build)."""

    def per_document_reader(self, storage: Any, segment: Any) -> Any:
        return PerDocReader(storage, segment)

    def field_writer(self, storage: Any, segment: Any) -> Any:
        return FieldWriter(self, storage, segment)


class FieldWriter(W3FieldWriter):  # type: ignore[misc]
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


class PerDocReader(W3PerDocReader):  # type: ignore[misc]
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


def _lengths(column: Any, count: int) -> list[int]:
    """A lengths column (a byte per document, 0 after the last it stores), read at once."""
    stored = min(column._count, count)
    raw = bytes(column._dbfile.get(column._basepos, stored))
    return [BYTE_LENGTHS[b] for b in raw] + [0] * (count - stored)
