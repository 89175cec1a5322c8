"""A query's text as a Whoosh query: parsing, required filters, expansion.

- A plain list of words is graded (`word_list`, then `EngineSearcher`): a document needs
  enough of the words, not all, and ranks higher the more it has; a field filter must hold
  (`type:sop 停電`); AND, phrases and groups mean what they say.
- Each word also matches its synonyms and, for a word found in few documents, its dictionary
  sub-words (both a little lower); prefix* and wild?card patterns stand for at most
  MAX_EXPANSION words of the index.
- `any_of` / `none_of`: a request's filters and exclusions (the `type` filter is the `doctype`
  field, which holds every name of the type: `type:plan` and `types=("plan",)` alike).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from whoosh import qparser, query
from whoosh.fields import Schema

from supportkb.errors import QuerySyntaxError
from supportkb.search.backend.fields import TEXT_FIELDS
from supportkb.search.text.analysis import synonym_groups, text_analyzer
from supportkb.search.text.words import indexed_word

FIELD_WEIGHTS = {"id": 8.0, "title": 4.0, "tags": 2.0, "headings": 1.5, "body": 1.0}
# what the query syntax calls a field -> the field that answers it
SYNTAX_FIELDS = {"type": "doctype", "owner": "owners", "tags": "tag", "products": "product"}
SYNONYM_BOOST = 0.5
SUBWORD_BOOST = 0.8
SUBWORDS_BELOW = 5  # a query word found in fewer documents also looks for its sub-words
MAX_EXPANSION = 64  # terms a prefix* or wild?card query may stand for


def parse(parser: Any, text: str) -> Any:
    """The query as Whoosh reads it, its filters required (`_filters_required`)."""
    if text.strip() in ("*", "*:*"):
        return query.Every()  # everything, listed without ranking (scoring all is slow)
    # stored-only fields (url:, version:) are not searchable: read `url:x` as words
    text = _STORED_ONLY.sub(lambda m: m.group(1) + " ", text)
    try:
        parsed = parser.parse(text)
    except Exception:  # Whoosh's parser is lenient; anything it still rejects
        raise QuerySyntaxError(
            "cannot read the query: check its quotes, brackets and AND/OR/NOT"
        ) from None
    return _filters_required(parsed, text)


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


def query_parser(schema: Schema) -> Any:
    parser = qparser.MultifieldParser(
        list(FIELD_WEIGHTS),
        schema,
        fieldboosts=FIELD_WEIGHTS,
        group=qparser.OrGroup.factory(0.9),
    )
    aliases: dict[str, list[str]] = {}
    for alias, target in SYNTAX_FIELDS.items():
        aliases.setdefault(target, []).append(alias)
    parser.add_plugin(qparser.FieldAliasPlugin(aliases))
    return parser


def any_of(conditions: Mapping[str, Sequence[str]] | None) -> Any:
    """(field -> values): a document matching one value of every field."""
    if not conditions:
        return None
    parts = []
    for name, values in conditions.items():
        fieldname = SYNTAX_FIELDS.get(name, name)
        terms = [query.Term(fieldname, value.lower()) for value in values]
        parts.append(query.Or(terms) if len(terms) > 1 else terms[0])
    return query.And(parts) if len(parts) > 1 else parts[0]


def none_of(conditions: Mapping[str, Sequence[str]] | None) -> Any:
    """(field -> values): the documents to leave out, those matching any value of any field."""
    terms = [
        query.Term(SYNTAX_FIELDS.get(name, name), value.lower())
        for name, values in (conditions or {}).items()
        for value in values
    ]
    return query.Or(terms) if terms else None


_EXPLICIT_OR = re.compile(r"(?<!\S)OR(?!\S)")


@dataclass(frozen=True)
class WordList:
    """A query that is a plain list of words (`印表機 離線 怎麼辦`), as `EngineSearcher` grades
    it: the filters that must hold (`type:sop`, `NOT 過期`), then each word in the query's order
    with its (field, word) terms, and the terms of fields that take the query as typed (the
    id: `KB-0014` finds its document whatever the words do)."""

    filters: tuple[Any, ...]
    words: tuple[tuple[str, tuple[Any, ...]], ...]
    exact: tuple[Any, ...]


def word_list(parsed: Any, text: str) -> WordList | None:
    """The query as a `WordList`, or None when it is written with structure (phrases, groups,
    wildcards, AND, OR): that is then searched as written (`VPN OR 停電` is either).

    The multi-field parser gives one flat Or of (field, word) terms; the words are grouped
    back by their text."""
    if _EXPLICIT_OR.search(text):
        return None  # the parser reads `a OR b` as it reads `a b`: only the text tells
    node, filters = parsed, []
    if isinstance(node, query.And) and isinstance(node.subqueries[-1], query.Or):
        filters, node = list(node.subqueries[:-1]), node.subqueries[-1]
        if not all(isinstance(q, query.Not) or _is_filter(q) for q in filters):
            return None  # `VPN AND 錯誤`: every word was asked for
    elif isinstance(node, query.Term):
        node = query.Or([node])
    if not isinstance(node, query.Or):
        return None
    words: dict[str, list[Any]] = {}
    exact = []
    for clause in node.subqueries:
        if not isinstance(clause, query.Term):
            return None  # phrases, groups, wildcards: leave the query as written
        if clause.fieldname in TEXT_FIELDS:
            words.setdefault(clause.text, []).append(clause)
        else:
            exact.append(clause)
    if not words:
        return None
    grouped = tuple((text, tuple(terms)) for text, terms in words.items())
    return WordList(tuple(filters), grouped, tuple(exact))


def union(terms: list[Any]) -> Any:
    """An Or that is matched lazily (a tree of unions that can skip ahead), never preloaded:
    inside an And, only the documents that have the other words are looked at."""
    return union_type()(terms)


@cache
def union_type() -> type:
    class Union(query.Or):  # type: ignore[misc]
        matcher_type = query.Or.DEFAULT_MATCHER

    return Union


def marked_words(expanded: Any) -> set[str]:
    if expanded is query.NullQuery:
        return set()
    return {text for fieldname, text in expanded.all_terms() if fieldname in TEXT_FIELDS}


def body_terms(parsed: Any) -> list[Any]:
    return (
        [
            leaf
            for leaf in parsed.leaves()
            if isinstance(leaf, query.Term) and leaf.fieldname == "body"
        ]
        if parsed is not query.NullQuery
        else []
    )


def expand(parsed: Any, reader: Any, lexicon: Lexicon | None = None) -> Any:
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


@dataclass(frozen=True)
class Alternative:
    """Another way a document may have a query's word: a synonym (one word, or several as a
    phrase) or the word's sub-words (`together`: all of them, the pieces of corp_vpn)."""

    words: tuple[str, ...]
    boost: float
    phrase: bool = False
    together: bool = False


def alternatives(fieldname: str, text: str, reader: Any) -> list[Alternative]:
    """The word's synonyms and, when the index knows the word in few documents, its sub-words
    (documents that cut it differently); a frequent word needs no help, and every
    alternative costs a posting list to score."""
    found = [
        Alternative(words, SYNONYM_BOOST, phrase=len(words) > 1)
        for words in synonyms(fieldname).get(text, ())
    ]
    parts = text_analyzer().subwords(text)
    if parts and reader.doc_frequency(fieldname, text) < SUBWORDS_BELOW:
        if text.isascii():  # corp_vpn, outlook2019: all the pieces, in any order
            found.append(Alternative(tuple(parts), SUBWORD_BOOST, together=True))
        else:
            found.extend(Alternative((part,), SUBWORD_BOOST) for part in parts)
    return found


def _alternatives(term: Any, reader: Any) -> Any:
    """The word or any of its `alternatives`, as a Whoosh query on the term's field."""
    options = [term]
    field, boost = term.fieldname, term.boost
    for other in alternatives(field, term.text, reader):
        if other.phrase:
            options.append(query.Phrase(field, list(other.words), boost=boost * other.boost))
        elif other.together:
            pieces = [query.Term(field, part) for part in other.words]
            options.append(query.And(pieces, boost=boost * other.boost))
        else:
            options.append(query.Term(field, other.words[0], boost=boost * other.boost))
    return union(options) if len(options) > 1 else term


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


class Lexicon:
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


def _listed(node: Any, lexicon: Lexicon) -> Any:
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
    terms = text_analyzer().terms(text, with_subwords=False, data=True)
    cut = (indexed_word(term.text) for term in terms)
    return tuple(word for word in cut if word)


def synonyms(fieldname: str) -> dict[str, tuple[tuple[str, ...], ...]]:
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
