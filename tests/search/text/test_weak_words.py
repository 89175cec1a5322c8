"""The weak-word list (`data/search-weak-words.zh.txt`) names whole words: each entry cuts to one
word of two or more characters (哪種 would have made 哪 and 种 weak, 幫我 made 帮 weak), and
none of them is a stop word (those weigh nothing already)."""

from __future__ import annotations

from importlib import resources

from supportkb.search.text.analysis import chinese_stop_words, text_analyzer
from supportkb.search.text.weak_words import WEAK_WORDS, weak_words
from supportkb.search.text.words import indexed_word


def _listed() -> list[str]:
    text = resources.files("supportkb").joinpath("data", WEAK_WORDS).read_text("utf-8")
    return " ".join(line.split("#", 1)[0] for line in text.splitlines()).split()


def test_every_entry_is_one_word() -> None:
    analyzer = text_analyzer()
    for entry in _listed():
        cut = [indexed_word(t.text) for t in analyzer.terms(entry, False, data=True)]
        words = [word for word in cut if word]
        assert len(words) == 1 and len(words[0]) >= min(2, len(entry)), (entry, words)


def test_weak_words_are_not_stop_words() -> None:
    assert weak_words().isdisjoint(chinese_stop_words())
    assert {"问题", "一直", "怎么办"} <= weak_words()
