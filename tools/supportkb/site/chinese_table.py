"""The static search's Simplified-to-Traditional table, made at build time from OpenCC.

On static hosting Material's own search (lunr, in the browser) answers; the site's text is
Traditional Chinese with Taiwan wording, so a query in Simplified characters (卡纸) or with
mainland wording (打印机, 网络 连接) found nothing. `assets/search.js` converts such a query
in the browser before Material's search worker sees it, with this table:

- `chars`: a Simplified character -> its Traditional character, for the characters of the
  site's own text only (a character the site does not have cannot be found anyway). When two
  Traditional characters share one Simplified form (發/髮 -> 发), OpenCC's `s2tw` choice wins.
- `phrases`: a word, as typed in Simplified (`t2s`: Taiwan wording, 印表机) or with mainland
  wording (`tw2sp`: 打印机), -> the site's word (印表機), only where converting it character
  by character would not give the site's word. The words are the site's own, cut as the
  search index cuts them (`search.text.analysis`).
- `ids`: the id prefixes (KB, SOP, ...), so that `KB-0014` and `kb0014` become the `KB0014`
  every document page's search keys carry (lunr reads `-0014` as "without 0014").

The text is read from Material's `search/search_index.json`: only the pages the site
publishes, so the table never holds a word of a document outside the site's audience.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from supportkb.documents.vocabulary import id_prefixes

TABLE = "assets/supportkb/chinese-table.json"  # read by search.js on static hosting
SEARCH_INDEX = "search/search_index.json"  # Material's, written before the table
_HAN_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_TAG = re.compile(r"<[^>]+>")


def write_chinese_table(site_dir: Path) -> int:
    """Write the table beside the site's assets from its search index; its size in bytes
    (0 when the site has no search index: nothing to convert for)."""
    index = site_dir / SEARCH_INDEX
    if not index.is_file():
        return 0
    data = json.loads(index.read_text(encoding="utf-8"))
    texts = (f"{doc.get('title', '')} {doc.get('text', '')}" for doc in data.get("docs", ()))
    encoded = json.dumps(chinese_table(texts), ensure_ascii=False, separators=(",", ":"))
    target = site_dir / TABLE
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(encoded, encoding="utf-8")
    return len(encoded.encode("utf-8"))


def chinese_table(texts: Iterable[str]) -> dict[str, Any]:
    """The table (`chars`, `phrases`, `ids`) for a site whose pages hold `texts`."""
    import opencc

    runs = {run for text in texts for run in _HAN_RUN.findall(_TAG.sub(" ", text))}
    to_simplified, mainland = opencc.OpenCC("t2s"), opencc.OpenCC("tw2sp")
    chars = _characters({c for run in runs for c in run}, to_simplified, opencc.OpenCC("s2tw"))
    phrases: dict[str, str] = {}
    for word in sorted(_words(runs)):
        for key in (to_simplified.convert(word), mainland.convert(word)):
            if key != word and _by_character(key, chars) != word:
                phrases.setdefault(key, word)
    return {"chars": chars, "phrases": phrases, "ids": list(id_prefixes())}


def _characters(site_characters: set[str], to_simplified: Any, to_taiwan: Any) -> dict[str, str]:
    candidates: dict[str, set[str]] = {}
    for character in site_characters:
        simplified = to_simplified.convert(character)
        if simplified != character and len(simplified) == 1:
            candidates.setdefault(simplified, set()).add(character)
    chosen = {}
    for simplified, traditional in sorted(candidates.items()):
        preferred = to_taiwan.convert(simplified)
        chosen[simplified] = preferred if preferred in traditional else min(traditional)
    return chosen


def _words(runs: set[str]) -> set[str]:
    """The site's words of two characters or more, as the search index cuts them."""
    from supportkb.search.text.analysis import text_analyzer

    analyzer = text_analyzer()
    words = set()
    for run in runs:
        for term in analyzer.terms(run):
            word = run[term.start : term.end]
            if len(word) > 1 and _HAN_RUN.fullmatch(word):
                words.add(word)
    return words


def _by_character(text: str, chars: dict[str, str]) -> str:
    return "".join(chars.get(c, c) for c in text)
