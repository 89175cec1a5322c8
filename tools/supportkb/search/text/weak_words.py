"""Weak words: what agents add to a question that says little about its answer (問題, 一直,
正確, 怎麼辦 …), as the index holds them. A query's weak words weigh a fraction of the others
(`ranking.rules.Relevance.weak`); question and function words are stop words and weigh nothing.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from supportkb.search.text.analysis import text_analyzer
from supportkb.search.text.words import indexed_word

WEAK_WORDS = "search-weak-words.zh.txt"


@cache
def weak_words() -> frozenset[str]:
    """The list (`data/search-weak-words.zh.txt`), each word cut and normalised as a query's."""
    text = resources.files("supportkb").joinpath("data", WEAK_WORDS).read_text("utf-8")
    listed = " ".join(line.split("#", 1)[0] for line in text.splitlines()).split()
    analyzer = text_analyzer()
    found: set[str] = set()
    for word in listed:
        cut = [indexed_word(term.text) for term in analyzer.terms(word, False, data=True)]
        found.update(w for w in cut if w)
    return frozenset(found)
