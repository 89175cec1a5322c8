"""Search result snippets: a short stretch of the document's own text with the matched words
in <mark>, HTML-escaped.

Whoosh's highlighter runs the whole analyzer (OpenCC, rjieba) again over each hit's stored
text: about 4 ms per hit, 40 ms for a page of ten, measured with bench/search_speed.py. The
words to mark are already known: the query's terms as the index stores them (Simplified,
mainland usage). The text is normalised the same way (OpenCC `tw2sp`, under 1 ms for a
document, with the map back to the original offsets), the words are found in it, and the
stretch of the original text with the most of them is shown: 打印机 marks 印表機, and no
conversion back to Traditional (OpenCC's `s2twp`, 0.2 s to load) is needed.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable

from supportkb.search.text.analysis import text_analyzer

WIDTH = 140  # characters shown
LEAD = 30  # characters before the first match
MAX_MATCHES = 500


def snippet(text: str, words: Iterable[str], width: int = WIDTH) -> str:
    """`words`: index words (normalised, Simplified)."""
    flat = " ".join(text.split())
    wanted = sorted({w for w in words if w and not w.isspace()}, key=len, reverse=True)
    if not wanted:
        return _plain(flat, 0, width)
    pattern = re.compile("|".join(_pattern(w) for w in wanted), re.IGNORECASE)
    normaliser = text_analyzer().normaliser
    normalised, original = normaliser.mapped(flat)
    spans = []
    kinds = []
    converted: dict[str, str] = {}  # the same words come again
    for match in pattern.finditer(normalised):
        start, end = original(match.start()), original(match.end())
        found, written = match.group(), flat[start:end]
        if written != found:
            if written not in converted:
                converted[written] = normaliser.simplified(written)
            if converted[written] != found:
                continue  # part of a phrase converted as a whole: 打印 in 打印机, from 印表機
        spans.append((start, end))
        kinds.append(found.lower())
        if len(spans) >= MAX_MATCHES:
            break
    if not spans:
        return _plain(flat, 0, width)
    start = _best_window(spans, kinds, width)
    begin = max(0, start - LEAD)
    end = min(len(flat), begin + width)
    parts = ["…" if begin else ""]
    cursor = begin
    for s, e in spans:
        if s < cursor or e > end:
            continue
        parts.append(html.escape(flat[cursor:s]))
        parts.append(f"<mark>{html.escape(flat[s:e])}</mark>")
        cursor = e
    parts.append(html.escape(flat[cursor:end]))
    parts.append("…" if end < len(flat) else "")
    return "".join(parts)


def _pattern(word: str) -> str:
    """An English word is indexed as its stem (`secur` for security): mark the whole word."""
    if word.isascii() and word[:1].isalnum():
        return r"(?<![A-Za-z0-9])" + re.escape(word) + r"[A-Za-z0-9]*"
    return re.escape(word)


def _best_window(spans: list[tuple[int, int]], kinds: list[str], width: int) -> int:
    """Start of the stretch of `width` characters whose matches weigh most, a word weighing
    less the more often the document has it: `印表機 卡紙` shows the one place with 卡紙, not
    where 印表機 is most frequent."""
    frequency = Counter(kinds)
    best_start, best = spans[0][0], -1.0
    last = 0
    for first, (start, _) in enumerate(spans):
        last = max(last, first)
        # the stretch shown starts LEAD characters before the first match
        while last + 1 < len(spans) and spans[last + 1][1] <= start - LEAD + width:
            last += 1
        score = sum(1.0 / frequency[kind] for kind in set(kinds[first : last + 1]))
        if score > best + 1e-9:
            best_start, best = start, score
    return best_start


def _plain(flat: str, begin: int, width: int) -> str:
    end = min(len(flat), begin + width)
    return html.escape(flat[begin:end]) + ("…" if end < len(flat) else "")
