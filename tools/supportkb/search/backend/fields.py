"""What the index holds: its schema, the fields' analysis, and a document's field values.

`SupportTokenizer`, `IndexedText` and `IndexedKeyword` are stored by name (pickled) in the
index's table of contents: renaming or moving one needs `FORMAT` raised in `indexing/index`.
The cutting itself is Whoosh-free (`search.text`): the classes here only hand its words to
Whoosh the way Whoosh's own fields would.

- Text fields (title, headings, body, tags) are cut by the analyzer (OpenCC `tw2sp` + rjieba +
  sub-words), then `indexed_word` (lowercased, stop words out, English stemmed). Token offsets
  are those of the original text, so highlights show it.
- Keyword fields (id, type, tag, status, owner, product, category, kind, visibility) are the
  filters of the query syntax: `type:sop`, `tag:vpn`, `owner:network`, `product:ERP`; `number`
  holds an id's number (0014), which a query of that number alone looks for.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from whoosh import formats
from whoosh.analysis import Token, Tokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.system import pack_uint

from supportkb.documents.vocabulary import TYPE_TERMS, DocType
from supportkb.search.indexing.entry import IndexEntry
from supportkb.search.text.analysis import text_analyzer
from supportkb.search.text.words import indexed_word

TEXT_FIELDS = ("title", "headings", "body", "tags")
UNDATED = 0  # review_due of a document that has none


class SupportTokenizer(Tokenizer):  # type: ignore[misc]
    """Whoosh tokenizer over `search.text`: the analyzer cuts, `indexed_word` lowercases, drops
    stop words (English and Chinese) and stems English, with one cache for the three (Whoosh's
    own filters cost a generator step per word each). Documents get sub-words; queries do not
    (the query is expanded with them as alternatives instead, see `parsing.expand`)."""

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(type(self))

    def final(self, word: str) -> str:
        """The word as the index holds it (`search.text.words.indexed_word`)."""
        return indexed_word(word)

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
        final = indexed_word
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


class IndexedText(TEXT):  # type: ignore[misc]
    """Whoosh's TEXT field (positions, for phrases) whose postings for a document are made
    straight from the analyzer's terms: the same words, frequencies and encoded positions
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
        final = indexed_word
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
        return IndexedText(analyzer=SupportTokenizer(), stored=stored, phrase=True)

    def keyword() -> KEYWORD:
        return IndexedKeyword(stored=True, lowercase=True, commas=True, scorable=True)

    return Schema(
        path=ID(stored=True, unique=True),
        id=keyword(),
        number=IndexedKeyword(lowercase=True, commas=True, scorable=True),
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


# a type's value and aliases, what the `doctype` field holds for `type:plan` and `--type plan`
_DOCTYPE_NAMES = {t.value: ",".join((t.value, *TYPE_TERMS[t].aliases)) for t in DocType}


def fields_of(entry: IndexEntry) -> dict[str, Any]:
    return {
        "path": entry.path,
        "id": entry.id,
        "number": _id_number(entry.id),
        "title": entry.title,
        "headings": entry.headings,
        "body": entry.body,
        "tags": " ".join(entry.tags),
        "type": entry.type,
        "doctype": _DOCTYPE_NAMES.get(entry.type, entry.type),
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


def _id_number(doc_id: str) -> str:
    """`0014` of `KB-0014`: a query that is only a number looks for it (`searching`)."""
    prefix, _, number = doc_id.rpartition("-")
    return number if prefix and number.isdigit() else ""


def _category_levels(category: str) -> list[str]:
    """`applications/erp` is found by `category:applications` and `category:applications/erp`."""
    parts = category.split("/") if category else []
    return ["/".join(parts[: n + 1]) for n in range(len(parts))]
