"""Order and closeness: how near a document has the query's words, in the query's order.

`印表機 離線` should rank a title "印表機離線" above "離線後的印表機設定" and above a page that
has the two words paragraphs apart. For each pair of consecutive query words, a document
earns 1 / d when the second follows the first d positions later (d <= `window`), and a
quarter of that when they come in the other order; the pairs' earnings are averaged, so a
document with every pair adjacent and in order scores 1.

Positions are read for the best candidates only (`searching` re-ranks its top documents):
a word's positions are read once and kept, but reading them for every document that has a
common word would cost more than the whole search.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Sequence

import numpy as np

from supportkb.search.ranking.vector_search import Corpus, Floats, Ids

REVERSED = 0.25  # a pair in the other order counts this much of one in order
MAX_POSITIONS = 256  # a word's positions looked at in one document (a long page repeats it)


def proximity(
    corpus: Corpus,
    fieldname: str,
    words: Sequence[str],
    docs: Ids,
    window: int,
    late: Callable[[], bool] = lambda: False,
) -> Floats:
    """For each of `docs`, the average closeness (0 to 1) of the consecutive pairs of `words`
    in the field: 1 / distance in the query's order, REVERSED / distance in the other. Each
    word's first MAX_POSITIONS positions in a document are looked at; once `late()` says the
    search is out of time, the pairs not yet looked at count nothing."""
    result = np.zeros(len(docs))
    pairs = [(a, b) for a, b in itertools.pairwise(words) if a != b]
    if not pairs or not len(docs):
        return result
    where: dict[str, dict[int, Sequence[int]]] = {}
    for first, second in pairs:
        if late():
            break
        for word in (first, second):
            if word not in where:
                where[word] = _where(corpus, fieldname, word, docs)
        before, after = where[first], where[second]
        for slot, doc in enumerate(docs):
            a, b = before.get(int(doc)), after.get(int(doc))
            if a is not None and b is not None:
                result[slot] += _closeness(a[:MAX_POSITIONS], b[:MAX_POSITIONS], window)
    return result / len(pairs)


def _where(corpus: Corpus, fieldname: str, word: str, docs: Ids) -> dict[int, Sequence[int]]:
    """The word's positions in each of `docs` that has it."""
    postings = corpus.postings(fieldname, word)
    if postings is None or not len(postings.ids):
        return {}
    slots = np.searchsorted(postings.ids, docs)
    slots = np.minimum(slots, len(postings.ids) - 1)
    have = postings.ids[slots] == docs
    found = zip(docs[have], slots[have], strict=True)
    return {int(doc): postings.positions(int(slot)) for doc, slot in found}


def _closeness(first: Sequence[int], second: Sequence[int], window: int) -> float:
    """The best of 1 / d (second d after first) and REVERSED / d (second d before first), for
    d <= window; positions are sorted, so each needs only its neighbours in the other list."""
    best = 0.0
    for p in first:
        i = bisect.bisect_right(second, p)
        if i < len(second) and second[i] - p <= window:
            best = max(best, 1.0 / (second[i] - p))
        if i and second[i - 1] < p and p - second[i - 1] <= window:
            best = max(best, REVERSED / (p - second[i - 1]))
        if best == 1.0:
            break
    return best
