"""Chinese and English text, cut into search terms the same way for documents and queries.

Three steps, none of which knows about the search engine:

1. Normalise with OpenCC's `tw2sp` (Taiwan Traditional to mainland Simplified, phrases
   included: 印表機→打印机, 網際網路→互联网), then the IT terms it leaves in Taiwan usage
   (預設→默认, 逾時→超时: `strait`, `data/it-terms-strait.tsv`), so that a query in either
   script and either usage meets documents in either. This may change the length of the
   text, so a map from normalised back to original offsets is kept: highlights show the
   original text.
2. Segment the normalised text with `rjieba` (jieba-rs) plus the domain dictionary
   (`data/it-terms.zh-TW.txt`). A long word also yields its dictionary sub-words at the parent
   word's position (like jieba's search mode), so 電源 finds 關閉電源 and phrases still work.
3. Letters and digits run together (`Outlook2019`) also yield their parts.

Lowercasing, stop words and stemming of English follow (`words.indexed_word`), for the index
(through the backend's tokenizer) and the related documents alike.
"""

from __future__ import annotations

import bisect
import re
import sqlite3
from collections.abc import Callable, Iterator
from difflib import SequenceMatcher
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, NamedTuple

from supportkb.search.text.strait import VOCABULARY, strait_map

USER_TERMS = "it-terms.zh-TW.txt"
SYNONYMS = "search-synonyms.zh-TW.txt"
STOP_WORDS = "search-stopwords.zh.txt"
SIMPLIFIED_CHARACTERS = "simplified-characters.txt"
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3FFFF))
_HAN = "\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff"  # the ranges above, as a class

_WORDLIKE = re.compile(f"[0-9A-Za-z{_HAN}]")
_LETTERS_DIGITS = re.compile(r"^(?!0x)(?:[A-Za-z]+\d+|\d+[A-Za-z]+)[A-Za-z0-9]*$")
_PARTS = re.compile(r"[A-Za-z]+|\d+")
_SEPARATORS = re.compile(r"[._\-/\\]")
_SEPARATED = re.compile(r"[^._\-/\\]+")
_CJK = re.compile(f"[{_HAN}]")
_CJK_RUN = re.compile(f"[{_HAN}]+|[^{_HAN}]+")


class Term(NamedTuple):
    """One search term: normalised text, word position, and its span in the original text.
    (A named tuple: documents have thousands of terms, and tuples are the cheapest record.)"""

    text: str
    position: int
    start: int
    end: int
    sub: bool = False  # a part of a longer word, at that word's position


class Normaliser:
    """OpenCC `tw2sp` with a map back to the original offsets."""

    def __init__(self) -> None:
        import opencc

        self._opencc = opencc
        self._to_simplified = opencc.OpenCC("tw2sp")
        self._strait = strait_map()
        self._others: dict[str, Any] = {}  # loaded when first needed (about 30 ms each)

    def _converter(self, config: str) -> Any:
        if config not in self._others:
            self._others[config] = self._opencc.OpenCC(config)
        return self._others[config]

    def simplified(self, text: str) -> str:
        """`tw2sp`, then the IT terms it leaves in Taiwan usage made mainland (`strait`)."""
        return self._strait.apply(_convert(self._to_simplified, text))

    def script_simplified(self, text: str) -> str:
        """`tw2sp` alone: the script and OpenCC's phrases, not the strait vocabulary."""
        return _convert(self._to_simplified, text)

    def from_simplified_characters(self, text: str) -> str:
        """A query's Simplified characters made Traditional, character by character (`s2tw`),
        so that Simplified characters (印表机, 软体, 执行) then meet the same `tw2sp` phrases
        as 印表機, 軟體, 執行: queries and documents alike (a knowledge base in Simplified
        characters would otherwise keep 执行 where its queries, and Traditional documents,
        have tw2sp's 运行).

        Only the Simplified characters (`data/simplified-characters.txt`) are replaced, with
        their conversion in context: `s2tw` on Traditional characters misfires (系統 -> 繫統),
        and a query without a Simplified character skips loading it (0.15 to 0.25 s)."""
        characters = simplified_characters()
        if text.isascii() or characters.isdisjoint(text):
            return text
        present = characters.intersection(text)
        if sum(text.count(c) for c in present) * SPARSE < len(text):
            # a few in a Traditional text: each in its context
            found = sorted(at for c in present for at in _places(text, c))
            return self._sparse_simplified_characters(text, found)
        traditional = self.traditional_characters(text)
        if len(traditional) != len(text):
            return text
        return "".join(t if c in characters else c for c, t in zip(text, traditional, strict=True))

    def _sparse_simplified_characters(self, text: str, found: list[int]) -> str:
        """`from_simplified_characters` for a text with few of them (the 台 of 服務台 in a
        Traditional document): each converted with CONTEXT characters either side, not the
        whole document (a third of the analysis of a Traditional knowledge base)."""
        pieces, last = [], 0
        for at in found:
            start, end = max(0, at - CONTEXT), min(len(text), at + CONTEXT + 1)
            window = self.traditional_characters(text[start:end])
            if len(window) == end - start:
                pieces += [text[last:at], window[at - start]]
                last = at + 1
        pieces.append(text[last:])
        return "".join(pieces)

    def traditional_characters(self, text: str) -> str:
        return _convert(self._converter("s2tw"), text)

    def traditional(self, text: str) -> str:
        return _convert(self._converter("s2twp"), text)

    def normalise(self, text: str) -> tuple[str, list[int] | None]:
        """(normalised text, offsets): offsets[i] is the original offset of normalised
        character i, with one extra entry for the end; None when the length did not change."""
        converted, runs = self._runs(text)
        if runs is None:
            return converted, None
        pieces: list[str] = []
        offsets: list[int] = []
        start = 0
        for original, piece in runs:
            pieces.append(piece)
            if len(piece) == len(original):
                offsets.extend(range(start, start + len(original)))
            else:
                offsets.extend(start + k for k in self._align(original, piece))
            start += len(original)
        offsets.append(len(text))
        return "".join(pieces), offsets

    def normalised_text(self, text: str) -> str:
        """`normalise`'s text alone: the whole text converted (`tw2sp` changes no character
        outside the CJK ranges, so joining the runs gives the same; a test checks it)."""
        return self.simplified(text)

    def mapped(self, text: str) -> tuple[str, Callable[[int], int]]:
        """`normalise`, with the offsets as a function that aligns a run of changed length
        only when an offset inside it is asked for: a snippet needs only its matches'."""
        converted, runs = self._runs(text)
        if runs is None:
            return converted, lambda offset: offset
        return "".join(piece for _, piece in runs), _OffsetMap(self, runs)

    def _runs(self, text: str) -> tuple[str, list[tuple[str, str]] | None]:
        """(converted text, None) when no run changed its length, else (_, the text's runs
        (CJK and not), each with its normalised form)."""
        converted = self.simplified(text)
        if converted == text:
            return converted, None
        originals = _CJK_RUN.findall(text)
        runs = self._converted_runs(originals, converted)
        if list(map(len, originals)) == list(map(len, runs)):
            return converted, None  # (one phrase longer and another shorter is not this)
        return converted, list(zip(originals, runs, strict=True))

    def _converted_runs(self, originals: list[str], converted: str) -> list[str]:
        """The text's runs (CJK and not) as converted. OpenCC's phrases never cross a non-CJK
        character, and it changes no other character, so the whole text's conversion, cut the
        same way, has the same runs, each converted as it would be alone: one call instead of
        one per run. When it does not line up (隨身碟 becomes U盘: a Latin letter joins the run
        before), each run is converted on its own. (Runs alternate, Chinese and not: the
        others are every second one.)"""
        runs = _CJK_RUN.findall(converted)
        others = 1 if originals and _CJK.match(originals[0]) else 0
        if (
            len(runs) == len(originals)
            and (not runs or bool(_CJK.match(runs[0])) == (others == 1))
            and runs[others::2] == originals[others::2]
        ):
            return runs
        return [self.simplified(o) if _CJK.match(o) else o for o in originals]

    def _align(self, original: str, converted: str) -> list[int]:
        """For each character of a converted run, the original offset it comes from.

        `tw2s` converts character by character (same length); `tw2sp` also replaces Taiwan
        phrases (網際網路→互联网). Stretches of four or more characters where the two agree
        anchor the map one to one; what lies between is aligned by converting its prefixes."""
        characters = _convert(self._converter("tw2s"), original)  # tw2sp without phrases
        result: list[int] = []
        self._align_region(
            original, characters, converted, (0, len(original)), (0, len(converted)), result
        )
        return result

    def _align_region(
        self,
        original: str,
        characters: str,
        converted: str,
        source: tuple[int, int],
        target: tuple[int, int],
        result: list[int],
    ) -> None:
        (a, b), (c, d) = source, target
        if b - a == d - c and characters[a:b] == converted[c:d]:
            result.extend(range(a, b))
            return
        match = SequenceMatcher(None, converted, characters, autojunk=False).find_longest_match(
            c, d, a, b
        )
        if match.size >= 4:
            self._align_region(original, characters, converted, (a, match.b), (c, match.a), result)
            result.extend(range(match.b, match.b + match.size))
            rest_source, rest_target = (match.b + match.size, b), (match.a + match.size, d)
            self._align_region(original, characters, converted, rest_source, rest_target, result)
            return
        # lengths[k]: length of the converted first k characters. It can shrink when a phrase
        # completes (快閃記憶 has 4 characters, 快閃記憶體 becomes 闪存), so keep, for each k,
        # the least length from k on: converted character i then comes from the last k whose
        # least length is at most i.
        lengths = [0] + [len(self.simplified(original[a:end])) for end in range(a + 1, b + 1)]
        least = lengths[:]
        for k in range(len(least) - 2, -1, -1):
            least[k] = min(least[k], least[k + 1])
        k = 0
        for index in range(d - c):
            while k + 1 < len(least) and least[k + 1] <= index:
                k += 1
            result.append(a + k)


def _convert(converter: Any, text: str) -> str:
    """OpenCC's conversion, which stops at a NUL character: the parts between them."""
    if "\x00" in text:
        return "\x00".join(str(converter.convert(part)) for part in text.split("\x00"))
    return str(converter.convert(text))


class _OffsetMap:
    """Normalised offset -> original offset, over runs (original, normalised)."""

    def __init__(self, normaliser: Normaliser, runs: list[tuple[str, str]]) -> None:
        self._normaliser, self._runs = normaliser, runs
        self._starts: list[int] = []  # normalised start of each run
        self._originals: list[int] = []  # original start of each run
        normalised = original = 0
        for source, piece in runs:
            self._starts.append(normalised)
            self._originals.append(original)
            normalised += len(piece)
            original += len(source)
        self._end, self._original_end = normalised, original
        self._aligned: dict[int, list[int]] = {}

    def __call__(self, offset: int) -> int:
        if offset >= self._end:
            return self._original_end
        k = bisect.bisect_right(self._starts, offset) - 1
        source, piece = self._runs[k]
        inside = offset - self._starts[k]
        if len(source) == len(piece):
            return self._originals[k] + inside
        if k not in self._aligned:
            self._aligned[k] = self._normaliser._align(source, piece)
        return self._originals[k] + self._aligned[k][inside]


class Segmenter:
    """rjieba with the domain dictionary, cutting normalised (Simplified) text.

    With a word table (`word_table`), the first LIGHT_LIMIT characters a process cuts are cut
    with only the words they contain, looked up in the table; after that, or without a table,
    rjieba's whole dictionary is loaded (0.15 to 0.25 s). Both cut alike, word for word."""

    LIGHT_LIMIT = 30_000  # characters: about what loading the whole dictionary costs

    def __init__(self, normaliser: Normaliser) -> None:
        self._normaliser = normaliser
        self._jieba: Any = None
        self._table: Any = None
        self._light_left = self.LIGHT_LIMIT

    def use_table(self, table: Any) -> None:
        if self._jieba is None:
            self._table = table

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """(word, start, end), as jieba's default mode cuts them."""
        if self._table is not None and len(text) <= self._light_left:
            self._light_left -= len(text)
            try:
                return list(self._table.tokenize(text))
            except sqlite3.Error:  # a damaged table: `kb index --rebuild` writes it again
                self._table = None
        return list(self._whole().tokenize(text, "default", True))

    def prepare(self, texts: list[str]) -> None:
        """Texts about to be cut one by one: with the word table, look their words up at once."""
        if self._table is not None and sum(map(len, texts)) <= self._light_left:
            try:
                self._table.prepare(texts)
            except sqlite3.Error:
                self._table = None

    def has_word(self, word: str) -> bool:
        if self._table is not None and self._jieba is None:
            try:
                return bool(self._table.has_word(word))
            except sqlite3.Error:
                self._table = None
        return self.knows(word)

    def knows(self, word: str) -> bool:
        """Is `word` in the whole dictionary?"""
        return bool(self._whole().has_word(word))

    def _whole(self) -> Any:
        if self._jieba is None:
            from supportkb.search.text.jieba_library import whole_jieba

            rjieba = whole_jieba()
            for word, frequency, tag in domain_terms():
                rjieba.add_word(self._normaliser.simplified(word), frequency, tag)
            self._jieba, self._table = rjieba, None
        return self._jieba

    def cut_whole(self, text: str) -> list[tuple[str, int, int]]:
        """`words`, always with the whole dictionary."""
        return list(self._whole().tokenize(text, "default", True))

    def dictionary(self) -> Iterator[tuple[str, int]]:
        """The words this segmenter knows, with their frequencies, as rjieba holds them."""
        from supportkb.search.text.word_table import jieba_dictionary, read_dictionary

        yield from read_dictionary(jieba_dictionary())
        for word, frequency, _ in domain_terms():
            yield self._normaliser.simplified(word), frequency


def use_word_table(folder: Path, create: bool = False) -> None:
    """Cut short texts with the word table in `folder` (an index folder), writing it first
    when `create` (see `word_table`)."""
    from supportkb.search.text import word_table

    segmenter = text_analyzer().segmenter
    key = word_table.table_key(_data(USER_TERMS) + _data(VOCABULARY))
    try:
        if create:
            entries = segmenter.dictionary()
            table = word_table.write_table(
                folder, key, entries, segmenter.cut_whole, segmenter.knows
            )
        else:
            table = word_table.open_table(folder, key)
    except (OSError, sqlite3.Error):  # only a speed-up: the whole dictionary does the same
        return
    if table is not None:
        segmenter.use_table(table)


def _data(name: str) -> str:
    return resources.files("supportkb").joinpath("data", name).read_text("utf-8")


def domain_terms() -> Iterator[tuple[str, int, str]]:
    """The IT-support dictionary shipped with supportkb: `word frequency tag` per line."""
    text = _data(USER_TERMS)
    for line in text.splitlines():
        parts = line.split()
        if len(parts) >= 2 and not line.startswith("#") and parts[1].isdigit():
            yield parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "n"


def synonym_groups() -> list[list[str]]:
    """Words that conversion cannot relate (關閉/停止/關機, 登入/login): one group per line."""
    text = _data(SYNONYMS)
    groups = []
    for line in text.splitlines():
        words = [w.strip() for w in line.split("#", 1)[0].split(",") if w.strip()]
        if len(words) >= 2:
            groups.append(words)
    return groups


SPARSE = 16  # fewer Simplified characters than one in this many: converted one by one
CONTEXT = 6  # characters either side a lone Simplified character is converted with


def _places(text: str, character: str) -> Iterator[int]:
    at = text.find(character)
    while at >= 0:
        yield at
        at = text.find(character, at + 1)


@cache
def simplified_characters() -> frozenset[str]:
    """The characters `s2tw` changes on their own (Simplified ones), shipped as data: loading
    OpenCC's `s2tw` phrases costs 0.15 to 0.25 s, too much for a query that needs none."""
    text = _data(SIMPLIFIED_CHARACTERS)
    return frozenset("".join(line for line in text.splitlines() if not line.startswith("#")))


def characters_s2tw_changes() -> str:
    """From the installed OpenCC: what `data/simplified-characters.txt` holds."""
    import opencc

    characters = [chr(c) for low, high in _CJK_RANGES for c in range(low, high + 1)]
    converted = opencc.OpenCC("s2tw").convert("\n".join(characters)).split("\n")
    return "".join(c for c, t in zip(characters, converted, strict=True) if c != t)


def write_simplified_characters() -> None:
    """Regenerate `data/simplified-characters.txt` (after an OpenCC upgrade), keeping its header."""
    from supportkb.system.atomic import write_atomic

    path = Path(str(resources.files("supportkb").joinpath("data", SIMPLIFIED_CHARACTERS)))
    header = [line for line in path.read_text("utf-8").splitlines() if line.startswith("#")]
    characters = characters_s2tw_changes()
    lines = [characters[i : i + 60] for i in range(0, len(characters), 60)]
    write_atomic(path, ("\n".join([*header, *lines]) + "\n").encode("utf-8"))


def chinese_stop_words() -> frozenset[str]:
    """Chinese function words, normalised (Simplified) as the analyzer emits them."""
    text = _data(STOP_WORDS)
    words = " ".join(line.split("#", 1)[0] for line in text.splitlines()).split()
    normaliser = text_analyzer().normaliser
    return frozenset(normaliser.simplified(word) for word in words)


class TextAnalyzer:
    """Text in, terms out: the one place where documents and queries are cut."""

    def __init__(self) -> None:
        self.normaliser = Normaliser()
        self.segmenter = Segmenter(self.normaliser)
        self._part_cache: dict[str, tuple[tuple[str, int], ...]] = {}
        self._wordlike: dict[str, bool] = {}

    def terms(
        self, text: str, with_subwords: bool = True, query: bool = False, *, data: bool = False
    ) -> list[Term]:
        """Documents and queries are cut alike (`query` is kept for the callers' sake): a
        document in Simplified characters meets the same phrases as a query in them. `data`:
        a word list shipped with supportkb (synonyms), written in Traditional characters, cut
        without the Simplified-character step and the OpenCC configuration it loads (0.1 to
        0.25 s of a cold search, for the 台 of 服務台)."""
        if not data:
            text = self.normaliser.from_simplified_characters(text)
        normalised, offsets = self.normaliser.normalise(text)

        def span(start: int, end: int) -> tuple[int, int]:
            return (offsets[start], offsets[end]) if offsets else (start, end)

        terms: list[Term] = []
        position = 0
        for word, start, end in self.segmenter.words(normalised):
            if not _WORDLIKE.search(word):
                continue
            terms.append(Term(word, position, *span(start, end)))
            if with_subwords:
                for part, offset in self._parts(word):
                    s = start + offset
                    terms.append(Term(part, position, *span(s, s + len(part)), sub=True))
            position += 1
        return terms

    def positions(self, text: str, with_subwords: bool = True) -> list[tuple[str, int]]:
        """(text, position) of each of `terms`, without their spans in the original text:
        what the index stores, for a third less work (no offset map, no records)."""
        text = self.normaliser.from_simplified_characters(text)
        normalised = self.normaliser.normalised_text(text)
        wordlike = self._wordlike
        found: list[tuple[str, int]] = []
        position = 0
        for word, _, _ in self.segmenter.words(normalised):
            known = wordlike.get(word)
            if known is None:
                known = wordlike[word] = bool(_WORDLIKE.search(word))
                if len(wordlike) > 200_000:
                    wordlike.clear()
            if not known:
                continue
            found.append((word, position))
            if with_subwords and len(word) > 2:
                found.extend((part, position) for part, _ in self._parts(word))
            position += 1
        return found

    def prepare(self, texts: list[str], query: bool = False) -> None:
        """Many short texts are about to be cut (the synonym list): prepare the segmenter."""
        if query:
            texts = [self.normaliser.from_simplified_characters(text) for text in texts]
        self.segmenter.prepare([self.normaliser.simplified(text) for text in texts])

    def subwords(self, word: str) -> list[str]:
        return [part for part, _ in self._parts(word)]

    def _parts(self, word: str) -> tuple[tuple[str, int], ...]:
        """Dictionary 2- and 3-grams of a long word (jieba's search mode), the letter and digit
        runs (of two characters or more) of a word like `outlook2019`, or the pieces of a
        name like `corp_vpn.xml`."""
        if len(word) <= 2:
            return ()
        found = self._part_cache.get(word)
        if found is None:
            found = tuple(self._find_parts(word))
            if len(self._part_cache) > 200_000:
                self._part_cache.clear()
            self._part_cache[word] = found
        return found

    def _find_parts(self, word: str) -> Iterator[tuple[str, int]]:
        if word.isascii() and _SEPARATORS.search(word):  # corp_vpn.xml: corp, vpn, xml
            for part in _SEPARATED.finditer(word):
                if len(part.group()) >= 2:
                    yield part.group(), part.start()
            return
        if _LETTERS_DIGITS.match(word):
            for part in _PARTS.finditer(word):
                if len(part.group()) >= 2:
                    yield part.group(), part.start()
            return
        for size in (2, 3):
            if len(word) > size:
                for offset in range(len(word) - size + 1):
                    gram = word[offset : offset + size]
                    if self.segmenter.has_word(gram):
                        yield gram, offset

    def normalise(self, text: str, query: bool = False) -> str:
        if query:
            text = self.normaliser.from_simplified_characters(text)
        return self.normaliser.simplified(text)

    def is_traditional(self, text: str) -> bool:
        """Does the text use Traditional characters (or Taiwan usage) that `tw2sp` changes?"""
        return bool(_CJK.search(text)) and self.normaliser.script_simplified(text) != text


@cache
def _shared() -> TextAnalyzer:
    return TextAnalyzer()


def text_analyzer() -> TextAnalyzer:
    """The process's analyzer (loading the dictionaries costs about 0.1 s, so only once)."""
    return _shared()
