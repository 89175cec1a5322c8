"""The five documents most like each document, for the site's "read next" list.

Each document is described by the words of its title (twice), tags, category, headings and the
opening of its body, cut by `text_analysis` as the index cuts them, weighted by TF-IDF; two
documents are as related as the cosine of their vectors. This is Whoosh's more-like-this idea,
computed for all documents at once with NumPy (10,000 searches through Whoosh would take
minutes). An incremental build recomputes the changed documents and, since the similarity is
symmetric, updates the lists the changed documents enter or leave. Document frequencies are
updated with the changes; a full rebuild recomputes everything.

Written to `related.json` in the index generation: {id: [{id, title, url, score}, ...]}.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportkb.atomic import write_atomic
from supportkb.search_engine import IndexEntry
from supportkb.text_analysis import text_analyzer

RELATED = "related.json"
STATE = "related-state.json"
TOP = 5
MIN_SCORE = 0.08
COMMON = 0.05  # words in more than this share of documents say nothing about relatedness
OPENING = 200  # characters of the body that describe the document


@dataclass
class _Doc:
    id: str
    title: str
    url: str
    counts: dict[str, int]


class RelatedDocuments:
    def __init__(self) -> None:
        self.docs: dict[str, _Doc] = {}
        self.df: Counter[str] = Counter()
        self.lists: dict[str, list[tuple[str, float]]] = {}

    # -- persistence ----------------------------------------------------------------------

    @classmethod
    def load(cls, folder: Path) -> RelatedDocuments:
        state = cls()
        try:
            data = json.loads((folder / STATE).read_bytes())
        except (OSError, ValueError):
            return state
        for path, (doc_id, title, url, counts) in data["docs"].items():
            state.docs[path] = _Doc(doc_id, title, url, counts)
            state.df.update(counts.keys())
        state.lists = {p: [(q, s) for q, s in items] for p, items in data["lists"].items()}
        return state

    def save(self, folder: Path) -> None:
        state = {
            "docs": {p: [d.id, d.title, d.url, d.counts] for p, d in self.docs.items()},
            "lists": self.lists,
        }
        write_atomic(folder / STATE, _dumps(state), durable=False)
        public = {
            doc.id: [
                {
                    "id": self.docs[other].id,
                    "title": self.docs[other].title,
                    "url": self.docs[other].url,
                    "score": round(score, 3),
                }
                for other, score in self.lists.get(path, [])
                if other in self.docs
            ]
            for path, doc in sorted(self.docs.items(), key=lambda item: item[1].id)
        }
        write_atomic(folder / RELATED, _dumps(public), durable=False)

    # -- computing ------------------------------------------------------------------------

    def update(self, entries: Iterable[IndexEntry], removed: Iterable[str], full: bool) -> None:
        if full:
            self.docs.clear()
            self.df.clear()
            self.lists.clear()
        changed = []
        for path in removed:
            self._forget(path)
        for entry in entries:
            self._forget(entry.path)
            counts = _describe(entry)
            self.docs[entry.path] = _Doc(entry.id, entry.title, entry.url, counts)
            self.df.update(counts.keys())
            changed.append(entry.path)
        if full or len(changed) > len(self.docs) // 4:
            self._compute_all()
        else:
            self._compute_some(changed, list(removed))

    def _forget(self, path: str) -> None:
        doc = self.docs.pop(path, None)
        if doc is not None:
            self.df.subtract(doc.counts.keys())
        self.lists.pop(path, None)

    def _compute_all(self) -> None:
        matrix = _Matrix(self)
        self.lists = {path: matrix.top(row) for row, path in enumerate(matrix.paths)}

    def _compute_some(self, changed: list[str], removed: list[str]) -> None:
        matrix = _Matrix(self)
        gone = set(removed) | set(changed)
        for path in changed:
            row = matrix.rows[path]
            self.lists[path] = matrix.top(row)
            similar = matrix.similarities(row)
            for other_row, other in enumerate(matrix.paths):
                if other == path:
                    continue
                current = [(p, s) for p, s in self.lists.get(other, []) if p != path]
                score = float(similar[other_row])
                if score >= MIN_SCORE:
                    current.append((path, score))
                current.sort(key=lambda item: -item[1])
                self.lists[other] = current[:TOP]
        for other, items in list(self.lists.items()):
            if any(p in gone and p not in self.docs for p, _ in items):
                self.lists[other] = matrix.top(matrix.rows[other])


class _Matrix:
    """TF-IDF vectors as one sparse posting list per word, in NumPy arrays."""

    def __init__(self, state: RelatedDocuments) -> None:
        import numpy as np

        self.np = np
        self.paths = list(state.docs)
        self.rows = {path: row for row, path in enumerate(self.paths)}
        total = len(self.paths)
        ceiling = max(10, int(total * COMMON))
        idf = {
            w: math.log((total + 1) / (n + 1)) + 1.0
            for w, n in state.df.items()
            if 0 < n <= ceiling
        }
        postings: dict[str, tuple[list[int], list[float]]] = {}
        self.vectors: list[list[tuple[str, float]]] = []
        for row, path in enumerate(self.paths):
            counts = state.docs[path].counts
            weights = {w: (1 + math.log(c)) * idf[w] for w, c in counts.items() if w in idf}
            norm = math.sqrt(sum(v * v for v in weights.values())) or 1.0
            vector = [(w, v / norm) for w, v in weights.items()]
            self.vectors.append(vector)
            for word, value in vector:
                rows, values = postings.setdefault(word, ([], []))
                rows.append(row)
                values.append(value)
        self.postings = {
            w: (np.array(r, dtype=np.int32), np.array(v, dtype=np.float32))
            for w, (r, v) in postings.items()
        }

    def similarities(self, row: int) -> Any:
        scores = self.np.zeros(len(self.paths), dtype=self.np.float32)
        for word, value in self.vectors[row]:
            rows, values = self.postings[word]
            scores[rows] += value * values
        scores[row] = 0.0
        return scores

    def top(self, row: int) -> list[tuple[str, float]]:
        scores = self.similarities(row)
        count = min(TOP, len(scores) - 1)
        if count <= 0:
            return []
        best = self.np.argpartition(-scores, count - 1)[:count]
        ranked = sorted(best.tolist(), key=lambda r: (-scores[r], self.paths[r]))
        return [(self.paths[r], float(scores[r])) for r in ranked if scores[r] >= MIN_SCORE]


def _describe(entry: IndexEntry) -> dict[str, int]:
    text = "\n".join(
        [entry.title, entry.title, " ".join(entry.tags), entry.headings, entry.body[:OPENING]]
    )
    counts = Counter(term.text.lower() for term in text_analyzer().terms(text, with_subwords=False))
    if entry.category:
        counts["category:" + entry.category] += 2
    return dict(counts)


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def update_related(
    generation: Path, entries: list[IndexEntry], removed: list[str], full: bool
) -> None:
    state = RelatedDocuments() if full else RelatedDocuments.load(generation)
    state.update(entries, removed, full)
    state.save(generation)
