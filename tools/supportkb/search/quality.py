"""Measuring search quality against a query set with known answers (MRR@10, Recall@5).

A query set is YAML: `queries: [{q, kind, relevant: [ids, best first]}]`. The measure is
engine-agnostic: `evaluate` takes any function from query text to ranked ids, so the same
numbers are computed for `kb search` and for a baseline, and for the queries converted to the
other script (`converted`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from supportkb.search.text.analysis import Normaliser

Ranker = Callable[[str], Sequence[str]]


@dataclass(frozen=True)
class Judgement:
    text: str
    kind: str
    relevant: tuple[str, ...]


@dataclass(frozen=True)
class Quality:
    mrr_at_10: float
    recall_at_5: float
    queries: int
    misses: tuple[
        tuple[str, tuple[str, ...]], ...
    ]  # (query, top 3) where no answer is in the top 10


def load_query_set(path: Path) -> list[Judgement]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Judgement(str(item["q"]), str(item.get("kind", "")), tuple(item["relevant"]))
        for item in data["queries"]
    ]


def converted(judgements: Sequence[Judgement]) -> list[Judgement]:
    """The Chinese queries written in the other script and usage (Traditional Taiwan usage to
    mainland Simplified with `tw2sp`, Simplified to Taiwan Traditional with `s2twp`); queries
    that conversion does not change (English, codes) are left out."""
    normaliser = Normaliser()
    result = []
    for judgement in judgements:
        simplified = normaliser.script_simplified(judgement.text)  # tw2sp alone
        other = (
            normaliser.traditional(judgement.text) if simplified == judgement.text else simplified
        )
        if other != judgement.text:
            result.append(Judgement(other, judgement.kind, judgement.relevant))
    return result


def evaluate(ranker: Ranker, judgements: Sequence[Judgement]) -> Quality:
    reciprocal = recall = 0.0
    misses = []
    for judgement in judgements:
        ranked = list(ranker(judgement.text))[:10]
        relevant = set(judgement.relevant)
        first = next((rank for rank, doc in enumerate(ranked, 1) if doc in relevant), None)
        reciprocal += 1.0 / first if first else 0.0
        recall += len(relevant & set(ranked[:5])) / len(relevant)
        if first is None:
            misses.append((judgement.text, tuple(ranked[:3])))
    count = max(len(judgements), 1)
    return Quality(
        round(reciprocal / count, 4), round(recall / count, 4), len(judgements), tuple(misses)
    )
