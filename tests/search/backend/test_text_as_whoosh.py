"""`search.text` lowercases, drops stop words and stems as Whoosh's own filters did: the
index's words do not change with the move out of the backend."""

from __future__ import annotations

import re
from pathlib import Path

from whoosh.analysis import STOP_WORDS
from whoosh.lang.porter import stem as whoosh_stem

from supportkb.search.text.porter import stem
from supportkb.search.text.words import ENGLISH_STOP_WORDS

ROOT = Path(__file__).resolve().parents[3]


def test_the_english_stop_words_are_whoosh_s() -> None:
    assert ENGLISH_STOP_WORDS == STOP_WORDS


def test_the_stemmer_stems_as_whoosh_s_does() -> None:
    texts = [p.read_text(encoding="utf-8") for p in ROOT.glob("**/*.md") if ".venv" not in p.parts]
    words = {w.lower() for text in texts for w in re.findall(r"[A-Za-z]+", text)}
    words |= {"fundamentally", "yelling", "sky", "agreed", "hopping", "filing", "conditional"}
    assert len(words) > 1000
    for word in sorted(words):
        assert stem(word) == whoosh_stem(word), word
