"""IT usage across the strait: Taiwan terms that `tw2sp` leaves in Taiwan usage, made mainland.

`tw2sp` converts the script and many Taiwan phrases (記憶體→内存, 網際網路→互联网), but not
all IT terms (預設 stays 预设, not 默认; 逾時 stays 逾时, not 超时). The vocabulary
`data/it-terms-strait.tsv` holds such pairs; after `tw2sp`, each Taiwan form as `tw2sp` leaves
it becomes the mainland form as `tw2sp` leaves it, longest match first, in documents and
queries alike, so that a query in either usage and either script meets documents in the other.

Every mainland form is also a match that stays as it is, so that a key inside a mainland word
never rewrites it (访问权限 keeps its 访问权), and the file may name longer words to keep
(`當機立斷	=`). Keys and values are Chinese characters only: a replacement never crosses a
non-CJK character, as OpenCC's own phrases do not (the normaliser's runs rely on it).

`python -m supportkb.search.text.strait` checks the file against the installed OpenCC.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

VOCABULARY = "it-terms-strait.tsv"
KEEP = "="
_HAN_ONLY = re.compile("^[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+$")


@dataclass(frozen=True)
class Pair:
    taiwan: str
    mainland: str  # KEEP: a longer word kept as it is
    line: int
    note: str = ""


def read_pairs(text: str) -> list[Pair]:
    """The file's pairs, in order. A malformed line raises ValueError naming it."""
    pairs: list[Pair] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        columns = line.split("\t")
        if len(columns) < 2 or not columns[0].strip() or not columns[1].strip():
            raise ValueError(f"{VOCABULARY} line {number}: expected 'Taiwan<TAB>mainland'")
        taiwan, mainland = columns[0].strip(), columns[1].strip()
        for word in (taiwan, mainland):
            if word != KEEP and not _HAN_ONLY.match(word):
                raise ValueError(f"{VOCABULARY} line {number}: {word!r} is not all Chinese")
        note = columns[2].strip() if len(columns) > 2 else ""
        pairs.append(Pair(taiwan, mainland, number, note))
    return pairs


def vocabulary_text() -> str:
    return resources.files("supportkb").joinpath("data", VOCABULARY).read_text("utf-8")


class StraitMap:
    """The replacements on `tw2sp`'s output: key (Taiwan form as tw2sp leaves it) → value."""

    def __init__(self, pairs: Iterable[Pair], tw2sp: Callable[[str], str]) -> None:
        table: dict[str, str] = {}
        keep: set[str] = set()
        for pair in pairs:
            key = tw2sp(pair.taiwan)
            if pair.mainland == KEEP:
                keep.add(key)
                continue
            value = tw2sp(pair.mainland)
            keep.add(value)
            if key != value:
                table.setdefault(key, value)
        for word in keep:
            if word not in table and any(k in word for k in table):
                table[word] = word  # a longer match that stays as it is
        self.table = table
        self._first = frozenset(key[0] for key in table)
        self._pattern = _alternation(table) if table else None

    def apply(self, text: str) -> str:
        if self._pattern is None or self._first.isdisjoint(text):
            return text
        table = self.table
        return self._pattern.sub(lambda m: table[m.group()], text)

    def rewrites(self, text: str) -> Iterator[tuple[str, str]]:
        """(key, value) of each replacement `apply` makes in `text`."""
        if self._pattern is None or self._first.isdisjoint(text):
            return
        for match in self._pattern.finditer(text):
            key = match.group()
            if self.table[key] != key:
                yield key, self.table[key]


def _alternation(table: dict[str, str]) -> re.Pattern[str]:
    """One regular expression, keys grouped by first character (a trie one level deep) and
    longest first, so that the leftmost longest key matches."""
    groups: dict[str, list[str]] = {}
    for key in table:
        groups.setdefault(key[0], []).append(key[1:])
    branches = []
    for first in sorted(groups):
        rests = sorted(groups[first], key=lambda r: (-len(r), r))
        alternatives = "|".join(re.escape(r) for r in rests if r)
        optional = "" in rests
        if alternatives:
            branches.append(f"{re.escape(first)}(?:{alternatives}){'?' if optional else ''}")
        else:
            branches.append(re.escape(first))
    return re.compile("|".join(branches))


@cache
def strait_map() -> StraitMap:
    import opencc

    converter = opencc.OpenCC("tw2sp")
    return StraitMap(read_pairs(vocabulary_text()), lambda text: str(converter.convert(text)))


def check_vocabulary(text: str | None = None) -> list[str]:
    """What is wrong with the vocabulary for the installed OpenCC, one sentence a problem:
    a pair `tw2sp` already maps (or whose two forms it makes alike), a pair the others
    already give, a pair whose Taiwan form does not end as its mainland form, a mainland form
    the vocabulary rewrites, a Taiwan form listed twice, a kept word that holds no key."""
    import opencc

    converter = opencc.OpenCC("tw2sp")

    def tw2sp(word: str) -> str:
        return str(converter.convert(word))

    pairs = read_pairs(vocabulary_text() if text is None else text)
    problems: list[str] = []
    seen: dict[str, int] = {}
    for pair in pairs:
        if pair.taiwan in seen:
            problems.append(f"line {pair.line}: {pair.taiwan} already on line {seen[pair.taiwan]}")
        seen.setdefault(pair.taiwan, pair.line)
    whole = StraitMap(pairs, tw2sp)
    for index, pair in enumerate(pairs):
        where = f"line {pair.line}: {pair.taiwan}"
        if pair.mainland == KEEP:
            key = tw2sp(pair.taiwan)
            if not any(k in key and k != key for k, v in whole.table.items() if k != v):
                problems.append(f"{where} is kept but holds no Taiwan form of the vocabulary")
            elif whole.apply(key) != key:
                problems.append(f"{where} is kept but still rewritten")
            continue
        key, value = tw2sp(pair.taiwan), tw2sp(pair.mainland)
        if key == value:
            problems.append(f"{where}: tw2sp already gives {value} ({pair.mainland})")
            continue
        if whole.apply(key) != value:
            problems.append(f"{where} becomes {whole.apply(key)}, not {value} ({pair.mainland})")
        if whole.apply(value) != value:
            problems.append(f"{where}: the mainland form {value} becomes {whole.apply(value)}")
        others = StraitMap([p for j, p in enumerate(pairs) if j != index], tw2sp)
        if others.apply(key) == value and others.apply(value) == value:
            problems.append(f"{where}: the other pairs already give {value}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """`python -m supportkb.search.text.strait`: check the vocabulary; exit 1 if wrong."""
    del argv
    try:
        problems = check_vocabulary()
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    pairs = [p for p in read_pairs(vocabulary_text()) if p.mainland != KEEP]
    for problem in problems:
        print(problem)
    print(f"{len(pairs)} pairs, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
