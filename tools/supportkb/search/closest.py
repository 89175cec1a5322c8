"""A query that found nothing: which of its words found nothing, and the closest titles.

Zero results are never a dead end. `query_words` are the words an agent typed (the query's
syntax left out: operators, `field:value` filters, exclusions), each of which `search.query`
asks the engine about alone. `close_title_words` picks, among the words of the index's titles
(the audience's index: it holds only the documents the audience may see), those nearest to
the query: for Chinese, title words made mostly of the query's characters (both as the index
holds them, Simplified); for other words, near spellings. `search.query` then searches the
titles for them, so the closest titles come ranked, filtered and from the audience alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import SequenceMatcher

MAX_WORDS = 8  # words of a query looked at one by one
MAX_TITLE_WORDS = 8  # title words a closest-titles search asks for
NEAR_SPELLING = 0.75  # SequenceMatcher ratio from which two words are near spellings
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}
_SYNTAX = re.compile(r"[\"'()\[\]{}*?~^]")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def query_words(text: str) -> tuple[str, ...]:
    """The words typed, in order, once each: no operator, filter, exclusion or quote."""
    words: list[str] = []
    for token in text.split():
        if token in _OPERATORS or ":" in token or token.startswith(("-", "+")):
            continue
        word = _SYNTAX.sub("", token)
        if word and word not in words:
            words.append(word)
    return tuple(words[:MAX_WORDS])


def close_title_words(normalised_query: str, title_words: Iterable[str]) -> list[str]:
    """The title words nearest to the query (normalised as the index's words are), best first.
    Every title word of the index is looked at: the cheap tests come first."""
    characters = set(_HAN.findall(normalised_query))
    latin = re.findall(r"[a-z0-9]{3,}", normalised_query.lower())
    initials = {typed[0] for typed in latin}
    scored: list[tuple[float, str]] = []
    for word in title_words:
        if characters and not characters.isdisjoint(word):
            score = _shared_characters(word, characters)
        elif word[:1] in initials and len(word) >= 3 and word.isascii():
            score = max(_spelling(word, typed) for typed in latin)
        else:
            continue
        if score > 0:
            scored.append((score, word))
    scored.sort(key=lambda pair: (-pair[0], pair[1]))
    return [word for _, word in scored[:MAX_TITLE_WORDS]]


def _shared_characters(word: str, characters: set[str]) -> float:
    """Most of the word's characters are the query's: 打印 for 打印机, not 机房 for 机."""
    han = set(_HAN.findall(word))
    shared = len(han & characters)
    return shared + shared / len(han) if shared * 2 >= len(han) else 0.0


def _spelling(word: str, typed: str) -> float:
    """How near two spellings are, 0 below NEAR_SPELLING (the cheap bounds first)."""
    if word[0] != typed[0] or abs(len(word) - len(typed)) > 2:
        return 0.0
    matcher = SequenceMatcher(None, word, typed)
    if matcher.real_quick_ratio() < NEAR_SPELLING or matcher.quick_ratio() < NEAR_SPELLING:
        return 0.0
    ratio = matcher.ratio()
    return ratio if ratio >= NEAR_SPELLING else 0.0
