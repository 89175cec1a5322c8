"""'Did you mean': a query that found little, its unknown English words corrected."""

from __future__ import annotations

import re
from typing import Any

from supportkb.search.backend.parsing import body_terms, synonyms
from supportkb.search.text.analysis import text_analyzer

SUGGEST_BELOW = 3  # results below which "did you mean" is offered


def suggestion(searcher: Any, parsed: Any, text: str, total: int) -> str | None:
    """'Did you mean': when the query found little (SUGGEST_BELOW documents), its English
    words that no document has (not even as an id, owner or tag) are replaced by the
    nearest word of the index. Chinese words are not corrected: a wrong character cuts
    differently, and the nearest indexed word is rarely what was meant."""
    if total >= SUGGEST_BELOW:
        return None
    reader = searcher.reader()
    corrector = searcher.corrector("body")
    changes: list[tuple[int, int, str]] = []
    for term in body_terms(parsed):
        word = term.text
        if _CJK.search(word) or len(word) < 4 or term.startchar is None:
            continue
        known = [word, *(w[0] for w in synonyms("body").get(word, ()))]
        fields = ("body", "title", "tags", "headings")
        if any(reader.doc_frequency(f, w) for w in known for f in fields):
            continue
        if reader.doc_frequency("id", word) or reader.doc_frequency("owners", word):
            continue
        found = corrector.suggest(word, limit=1, maxdist=1 if len(word) < 6 else 2, prefix=1)
        if found:
            changes.append((term.startchar, term.endchar, found[0]))
    return _rewrite(text, changes) if changes else None


_CJK = re.compile(r"[\u3400-\u9fff]")


def _rewrite(text: str, changes: list[tuple[int, int, str]]) -> str:
    analyzer = text_analyzer()
    traditional = analyzer.is_traditional(text)
    result = text
    for start, end, word in sorted(set(changes), reverse=True):
        shown = analyzer.normaliser.traditional(word) if traditional else word
        result = result[:start] + shown + result[end:]
    return result
