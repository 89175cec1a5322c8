"""Matching and BM25F scoring over whole posting lists at once, with numpy.

Whoosh matches a query one document at a time, in Python: about 20 ms of CPU for a common
word over 10,000 documents, and as much again to count the matches exactly. Here a query is a
tree of plain nodes (`Word`, `AllOf`, `AnyOf`, ...) evaluated over dense arrays (one slot per
document): a word's posting list is read once (and kept), scored in one vector operation, and
the tree is combined with array arithmetic. A node Whoosh also has scores as Whoosh's BM25F
does (`whoosh.scoring.BM25F`: the same idf, quantised field lengths, per-field B and boosts,
and the same sums for AND and OR); `tests/search/backend/test_vector_search.py` compares the
two. `Across` (a word's BM25F over several fields, saturated once) and `Graded` (a list of
words matched by degree) are this module's own: tests/search/ranking/ tests them.

This module knows nothing of Whoosh: the backend (`backend.arrays`) turns its parsed query into
these nodes and gives a `Corpus`, the index seen as arrays.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Flags = npt.NDArray[np.bool_]
Ids = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Postings:
    """One word of one field: the documents that have it, in order, and its frequency in each.
    `positions(i)` gives the word's positions in the i-th of those documents."""

    ids: Ids
    weights: Floats
    positions: Callable[[int], Sequence[int]]


class Corpus(Protocol):
    """The index as arrays: what scoring needs to know about the documents."""

    size: int  # document numbers are 0 .. size - 1, deleted ones included
    live: Flags  # not deleted

    def postings(self, fieldname: str, text: str) -> Postings | None: ...

    def lengths(self, fieldname: str) -> Floats | None:
        """Each document's (quantised) length of the field; None when it is not scored."""

    def average_length(self, fieldname: str) -> float: ...

    def doc_frequency(self, fieldname: str, text: str) -> int: ...


@dataclass(frozen=True)
class BM25F:
    k1: float = 1.2
    b: float = 0.75
    field_b: tuple[tuple[str, float], ...] = ()

    def b_of(self, fieldname: str) -> float:
        return dict(self.field_b).get(fieldname, self.b)


# -- the query, as plain nodes ----------------------------------------------------------


@dataclass(frozen=True)
class Word:
    fieldname: str
    text: str
    boost: float = 1.0


@dataclass(frozen=True)
class Phrase:
    fieldname: str
    words: tuple[str, ...]
    slop: int = 1
    boost: float = 1.0


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]
    boost: float = 1.0


@dataclass(frozen=True)
class AllBut:
    """Documents matching `positive` and not `negative`, scored by `positive`."""

    positive: Node
    negative: Node


@dataclass(frozen=True)
class Inverse:
    """Every document that does not match `child` (a NOT), each scoring `score`."""

    child: Node
    score: float = 1.0


@dataclass(frozen=True)
class Everything:
    """Every document, unscored (`*` alone)."""


@dataclass(frozen=True)
class Given:
    """Matches worked out elsewhere (a query form this module does not know)."""

    ids: Ids
    scores: Floats


@dataclass(frozen=True)
class Across:
    """One word in several fields, scored as BM25F: its frequency in each field, times the
    field's weight and normalised by the field's length, is summed before it saturates once.
    A word in a page's title, headings and body counts once, not three times (summing each
    field's BM25 let long reference pages outrank a short answer titled by the question)."""

    text: str
    fields: tuple[tuple[str, float], ...]
    boost: float = 1.0


@dataclass(frozen=True)
class Graded:
    """A list of words as agents type them, matched by degree rather than all or nothing.

    Each clause is one word of the query with its alternatives (its synonyms, sub-words and
    every text field), and a weight: 1 for a word that says what is asked, less for a weak one.
    A document is found when it matches at least `minimum(n)` of the full-weight clauses, n
    being how many of those the index has at all (a word found nowhere, a typo or an unusual
    cut, asks nothing; when fewer than `few` documents have that many, one fewer will do), or
    when it matches one of `exact` (its id, typed). Its score is the
    sum of its clauses' scores, each times the clause's weight, times its coverage (the weight
    it matched over the weight of the clauses the index has) to the power `coordination`:
    documents with more of the query's words rank higher, and none is excluded for lacking one.
    """

    clauses: tuple[Node, ...]
    weights: tuple[float, ...]
    minimum: Callable[[int], int]
    coordination: float = 1.0
    exact: tuple[Node, ...] = ()
    few: int = 10


Node = Word | Phrase | AllOf | AnyOf | AllBut | Inverse | Everything | Given | Across | Graded
NOTHING = AnyOf(())


# -- evaluation -----------------------------------------------------------------------------


@dataclass
class Matches:
    """Which documents match, and their scores (0 where they do not)."""

    found: Flags
    scores: Floats

    @classmethod
    def none(cls, size: int) -> Matches:
        return cls(np.zeros(size, dtype=bool), np.zeros(size))


class Evaluator:
    """Evaluates nodes over one corpus with one weighting; keep it for one query. Past
    `deadline` (a `time.perf_counter()` value), the alternatives and requirements not yet
    looked at are left out and `timed_out` is set: a partial answer rather than a late one."""

    def __init__(self, corpus: Corpus, model: BM25F, deadline: float | None = None) -> None:
        self.corpus = corpus
        self.model = model
        self.deadline = deadline
        self.timed_out = False

    def late(self) -> bool:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            self.timed_out = True
        return self.timed_out

    def __call__(self, node: Node) -> Matches:
        if isinstance(node, Word):
            return self._word(node)
        if isinstance(node, AnyOf):
            return self._any(node)
        if isinstance(node, AllOf):
            return self._all(node)
        if isinstance(node, Phrase):
            return self._phrase(node)
        if isinstance(node, Across):
            return self._across(node)
        if isinstance(node, Graded):
            return self.graded(node)[0]
        if isinstance(node, AllBut):
            result = self(node.positive)
            excluded = self(node.negative).found
            result.found &= ~excluded
            result.scores[excluded] = 0.0
            return result
        if isinstance(node, Inverse):
            found = ~self(node.child).found & self.corpus.live
            return Matches(found, np.where(found, node.score, 0.0))
        if isinstance(node, Everything):
            return Matches(self.corpus.live.copy(), np.zeros(self.corpus.size))
        return self._given(node)

    def word_scores(self, fieldname: str, text: str, postings: Postings) -> Floats:
        """BM25 of the word in each document of its posting list, as Whoosh computes it;
        a field that is not scored (a filter) scores the word's frequency."""
        lengths = self.corpus.lengths(fieldname)
        if lengths is None:
            return postings.weights.copy()
        corpus, model = self.corpus, self.model
        idf = math.log(corpus.size / (corpus.doc_frequency(fieldname, text) + 1)) + 1.0
        b, k1 = model.b_of(fieldname), model.k1
        average = corpus.average_length(fieldname) or 1.0
        tf = postings.weights
        norm = k1 * ((1 - b) + b * lengths[postings.ids] / average)
        return idf * (tf * (k1 + 1)) / (tf + norm)

    def _word(self, node: Word) -> Matches:
        result = Matches.none(self.corpus.size)
        postings = self.corpus.postings(node.fieldname, node.text)
        if postings is not None and len(postings.ids):
            result.found[postings.ids] = True
            result.scores[postings.ids] = (
                self.word_scores(node.fieldname, node.text, postings) * node.boost
            )
        return result

    def _across(self, node: Across) -> Matches:
        corpus, model = self.corpus, self.model
        result = Matches.none(corpus.size)
        frequency = np.zeros(corpus.size)
        for fieldname, weight in node.fields:
            postings = corpus.postings(fieldname, node.text)
            lengths = corpus.lengths(fieldname)
            if postings is None or not len(postings.ids) or lengths is None:
                continue
            b, average = model.b_of(fieldname), corpus.average_length(fieldname) or 1.0
            norm = (1 - b) + b * lengths[postings.ids] / average
            frequency[postings.ids] += weight * postings.weights / norm
            result.found[postings.ids] = True
        having = int(np.count_nonzero(result.found))
        if having:
            idf = math.log(corpus.size / (having + 1)) + 1.0
            k1 = model.k1
            result.scores = idf * frequency * (k1 + 1) / (frequency + k1) * node.boost
        return result

    def _any(self, node: AnyOf) -> Matches:
        result = Matches.none(self.corpus.size)
        for number, child in enumerate(node.children):
            if number and self.late():
                break
            matched = self(child)
            result.found |= matched.found
            result.scores += matched.scores
        if node.boost != 1.0:
            result.scores *= node.boost
        return result

    def _all(self, node: AllOf) -> Matches:
        if not node.children:
            return Matches.none(self.corpus.size)
        result = self(node.children[0])
        for child in node.children[1:]:
            if not result.found.any() or self.late():
                break
            matched = self(child)
            result.found &= matched.found
            result.scores += matched.scores
        result.scores[~result.found] = 0.0
        if node.boost != 1.0:
            result.scores *= node.boost
        return result

    def _phrase(self, node: Phrase) -> Matches:
        """The words in order, each within `slop` positions of the one before. Scored as
        Whoosh scores a phrase: the sum of its words' scores, times the boost."""
        result = Matches.none(self.corpus.size)
        lists = [self.corpus.postings(node.fieldname, word) for word in node.words]
        if not lists or any(p is None or not len(p.ids) for p in lists):
            return result
        postings = [p for p in lists if p is not None]
        candidates = postings[0].ids
        for other in postings[1:]:
            candidates = np.intersect1d(candidates, other.ids, assume_unique=True)
        if len(postings) > 1:
            where = [np.searchsorted(p.ids, candidates) for p in postings]
            kept = [
                n
                for n in range(len(candidates))
                if not self.late()
                and _in_sequence(
                    [p.positions(int(w[n])) for p, w in zip(postings, where, strict=True)],
                    node.slop,
                )
            ]
            candidates = candidates[kept]
        if not len(candidates):
            return result
        for word, p in zip(node.words, postings, strict=True):
            scores = self.word_scores(node.fieldname, word, p)
            result.scores[candidates] += scores[np.searchsorted(p.ids, candidates)]
        result.scores[candidates] *= node.boost
        result.found[candidates] = True
        return result

    def graded(
        self, node: Graded, within: Flags | None = None
    ) -> tuple[Matches, tuple[float, ...]]:
        """The matches of a `Graded` node, and the weight each clause counted for (0 for a
        word found nowhere). `within`: the documents the filters allow, among which the
        minimum is lowered when too few reach it (`type:ep 停電 ...`)."""
        size, live = self.corpus.size, self.corpus.live
        allowed = live if within is None else live & within
        strong, matched, scores = np.zeros(size), np.zeros(size), np.zeros(size)
        known_strong, known_weight = 0, 0.0
        counted = [0.0] * len(node.clauses)
        for number, (clause, weight) in enumerate(zip(node.clauses, node.weights, strict=True)):
            if number and self.late():
                break
            found = self(clause)
            having = int(np.count_nonzero(found.found & allowed))
            if not having:
                continue  # a word found nowhere asks nothing
            counted[number] = weight
            known_weight += weight
            matched += weight * found.found
            scores += weight * found.scores
            if weight >= 1.0:
                known_strong += 1
                strong += found.found
        coverage = matched / (known_weight or 1.0)
        enough = matched > 0
        if known_strong:  # the minimum, lowered while fewer than `few` documents reach it
            needed = node.minimum(known_strong)
            enough = strong >= needed
            while needed > 1 and np.count_nonzero(enough & allowed) < node.few:
                needed -= 1
                enough = strong >= needed
        result = Matches(enough, scores * coverage**node.coordination)
        for clause in node.exact:
            found = self(clause)
            result.found |= found.found
            result.scores += found.scores
        result.found &= live
        result.scores[~result.found] = 0.0
        return result, tuple(counted)

    def _given(self, node: Given) -> Matches:
        result = Matches.none(self.corpus.size)
        result.found[node.ids] = True
        result.scores[node.ids] = node.scores
        return result


def _in_sequence(positions: list[Sequence[int]], slop: int) -> bool:
    """Whether some position of each word follows one of the previous word by 1..slop."""
    reached = set(positions[0])
    for following in positions[1:]:
        reached = {q for q in following if any(1 <= q - p <= slop for p in reached)}
        if not reached:
            return False
    return True


def ranked(scores: Floats, found: Flags, count: int) -> Ids:
    """The `count` best documents of `found`: highest score first, ties by document number."""
    candidates = np.flatnonzero(found)
    if count <= 0:
        return candidates[:0]
    if len(candidates) > count:
        # the best `count` by score, plus every document tied with the last of them
        picked = np.argpartition(-scores[candidates], count - 1)[:count]
        threshold = scores[candidates[picked]].min()
        candidates = candidates[scores[candidates] >= threshold]
    order = np.lexsort((candidates, -scores[candidates]))
    return candidates[order][:count]
