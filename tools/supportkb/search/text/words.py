"""What a cut word becomes in the index: lowercased, a stop word dropped, English stemmed.

Plain functions, without Whoosh: the index (through the backend's tokenizer and fields) and
the related documents (`indexing/related`) both call `indexed_word`, so both see the same
words. `ENGLISH_STOP_WORDS` is Whoosh's list (`whoosh.analysis.STOP_WORDS`, whoosh-reloaded
2.7.5), which the index has always used; a backend test asserts they are equal.
"""

from __future__ import annotations

from functools import cache

from supportkb.search.text.analysis import chinese_stop_words
from supportkb.search.text.porter import stem

ENGLISH_STOP_WORDS = frozenset(
    (
        "a", "an", "and", "are", "as", "at", "be", "by", "can", "for", "from", "have", "if",
        "in", "is", "it", "may", "not", "of", "on", "or", "tbd", "that", "the", "this", "to",
        "us", "we", "when", "will", "with", "yet", "you", "your",
    )
)  # fmt: skip

_MOST_KEPT = 500_000  # words remembered per process before the memory starts again
_INDEXED: dict[str, str] = {}  # word as cut -> indexed text ("" for a stop word)


@cache
def stop_words() -> frozenset[str]:
    """English and Chinese stop words (the Chinese normalised as the analyzer emits them)."""
    return ENGLISH_STOP_WORDS | chinese_stop_words()


def is_stop_word(lowered: str) -> bool:
    return lowered in stop_words()


def stemmed(lowered: str) -> str:
    """An English word (ASCII letters only) stemmed; any other word as it is."""
    return stem(lowered) if lowered.isascii() and lowered.isalpha() else lowered


def indexed_word(word: str) -> str:
    """`word` as the index holds it: lowercased, stemmed if English, "" for a stop word.
    Remembered, since a corpus repeats its words (one dictionary look-up per word instead of
    three steps)."""
    found = _INDEXED.get(word)
    if found is None:
        lowered = word.lower()
        found = "" if is_stop_word(lowered) else stemmed(lowered)
        if len(_INDEXED) > _MOST_KEPT:
            _INDEXED.clear()
        _INDEXED[word] = found
    return found
