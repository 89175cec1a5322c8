"""Search result snippets: a short passage of the document's own text with the matched words
in <mark>, HTML-escaped.

The text a snippet is cut from is what a reader of the page sees (`readable_text`): the index's
body text still carries Markdown that is not prose (table separator rows, front-matter
left in a body, HTML comments, attribute lists, link reference definitions, admonition
and heading markers...), and none of it is ever shown. Table rows read as rows: `；`
between them.

Whoosh's highlighter runs the whole analyzer (OpenCC, rjieba) again over each hit's stored
text: about 4 ms per hit, 40 ms for a page of ten, measured with bench/search_speed.py. The
words to mark are already known: the query's terms as the index stores them (Simplified,
mainland usage). The text is normalised the same way (OpenCC `tw2sp`, under 1 ms for a
document, with the map back to the original offsets), the words are found in it, and the
passage with the most of them is shown: 打印机 marks 印表機, and no conversion back to
Traditional (OpenCC's `s2twp`, 0.2 s to load) is needed.

The passage is the stretch of at most `width` characters holding the most distinct query
words (a rarer or longer word weighs a little more, so the count decides first); among
equal ones the words closest together, then one in or just under a heading, then the
first. It is cut at a sentence start and end where one is near, else between words, with
an ellipsis wherever text is left out.
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from supportkb.documents.fields import FIELDS_BY_NAME
from supportkb.search.text.analysis import text_analyzer

WIDTH = 140  # characters shown
LEAD = 30  # characters before the first match, when no sentence starts nearer
BACK = 60  # a sentence starting at most this far before the first match is shown whole
MAX_MATCHES = 500
CLOSE = 16  # closeness counts in steps of this many characters
HEADING = 40  # a block of at most this many characters, with no final punctuation

_ENDS = "。！？；!?;"  # a sentence ends after these (and after ". ")
_CLAUSE = "，、：,:）)」』"  # a passage may start after these too
_CLOSERS = "」』）)\"'"  # closing marks that stay with the sentence they end
_FINAL = _ENDS + "。.，,：:、"

# Markup that is not text, removed over the whole body (each one only when its telltale
# substring is there: a body without it costs one `in`).
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SCRIPT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_TAG_NAMES = (
    "a|abbr|article|aside|audio|b|blockquote|br|caption|center|code|col|colgroup|dd|del|"
    "details|div|dl|dt|em|embed|figcaption|figure|font|footer|h[1-6]|header|hr|i|iframe|img|"
    "ins|kbd|li|main|mark|nav|ol|p|picture|pre|s|section|small|span|strong|sub|summary|sup|"
    "svg|table|tbody|td|tfoot|th|thead|tr|u|ul|video"
)
# HTML elements a Markdown page uses, with whatever attributes, and any opening tag with a
# quoted attribute; any other <word> is text: a placeholder (`ssh <username>@host`,
# `cp <source> <target>`) or XML in an example
_TAG = re.compile(
    r"</?(?:" + _TAG_NAMES + r")(?=[\s/>])[^<>]*>"
    r"|<[A-Za-z][\w:-]*(?:\s+[\w:-]+=(?:\"[^\"<>]*\"|'[^'<>]*'))+\s*/?>",
    re.I,
)
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^<>\s]+)>")
_IMAGE = re.compile(r"!\[([^\]\n]*)\](?:\([^)\n]*\)|\[[^\]\n]*\])")
_LINK = re.compile(r"\[([^\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_REF_LINK = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
_FOOTNOTE = re.compile(r"\[\^[^\]\s]+\](?!:)")
_REF_DEF = re.compile(r"\n[ \t]*\[(?!\^)[^\]\n]+\]:[ \t]*\S[^\n]*")
_FOOTNOTE_DEF = re.compile(r"(\n)[ \t]*\[\^[^\]\s]+\]:[ \t]*")
_ATTR_ITEM = r"(?:[#.][\w-]+|[\w:-]+=(?:\"[^\"]*\"|'[^']*'|[^\s}]+)|[\w-]+)"
_ATTRS = re.compile(
    r"\{:?[ \t]*(?:[#.][\w-]+|[\w:-]+=[^\s}]+)(?:[ \t]+" + _ATTR_ITEM + r")*[ \t]*\}"
)
_ATTRS_BARE = re.compile(r"\{:[ \t]*" + _ATTR_ITEM + r"?(?:[ \t]+" + _ATTR_ITEM + r")*[ \t]*\}")
_TEMPLATE = re.compile(r"\{%.*?%\}", re.S)
_ENTITY_SPACE = re.compile(r"&(?:nbsp|ensp|emsp|thinsp|#160|#xa0);", re.I)

# line by line: every pattern starts with the line's "\n" (the text gets one in front), which
# the regex engine finds fast; `^` with re.M is tried at every character (2 ms for 100 KB)
_YAML = re.compile(r"([a-z_][a-z0-9_-]*):(?:\s|$)")
# keys of supportkb's front-matter (its field table) and of other sites'
# fmt: off
FRONT_MATTER_KEYS = frozenset(FIELDS_BY_NAME) | frozenset((
    "layout", "template", "hide", "search", "description", "summary", "date", "updated",
    "author", "authors", "categories", "keywords", "slug", "source", "sidebar_label",
    "sidebar_position", "weight", "draft", "toc", "aliases", "comments", "lang", "permalink",
    "nav_order", "parent",
))
# fmt: on
_LINE = re.compile(r"\n[ \t]*[!?=#>*_+`~\d-][^\n]*")  # a line that may start with markup
_BLOCK_MARK = re.compile(
    r"(?:!!!|\?\?\?\+?|===)[ \t]*([\w-]+(?:[ \t]+[\w-]+)*)?[ \t]*(?:\"([^\"\n]*)\")?"
)
_LEADER = re.compile(
    r"[ \t]*(?:(?:>[ \t]?)+|#{1,6}(?=[ \t]|$)|(?:[-*+]|\d{1,3}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?)"
)
# rules, fences, snippet includes, and the borders of a command's text table (+----+---+)
_MARKER_LINE = re.compile(
    r"[ \t]*(?:(?:```|~~~|--8<--).*|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,}|(?:-[ \t]*){3,}|={3,}"
    r"|\+(?:[-=]+\+)+)[ \t]*"
)
_CLOSING_HASHES = re.compile(r"#[#]*[ \t]*(?=\n)")
# a table's separator row: |---|:--:|, or as the index's text has it, `--- :--:`
_SEPARATOR = re.compile(r"\n[ \t]*[|:+-](?=[^\n]*-)(?=[^\n]*(?:[|:]|-[ \t]+[:-]))[|:+ \t-]*(?=\n)")
_SPACES = re.compile(r"[^\S\n]{2,}|[\t\f\v\u3000\xa0]")
_SENTENCE_END = re.compile(
    r"[。！？；!?;]+[" + re.escape(_CLOSERS) + r"]*|\.[" + re.escape(_CLOSERS) + r"]*(?=\s)"
)


class Readable(NamedTuple):
    """The text shown, with where its blocks (lines) start and which look like headings."""

    text: str
    starts: list[int]
    headings: list[bool]


def snippet(text: str, words: Iterable[str], width: int = WIDTH) -> str:
    """The passage of the document's readable text that best matches the query, HTML.

    `words`: index words (normalised, Simplified), e.g. a hit's `marked`."""
    readable = readable_text(text)
    flat = readable.text
    wanted = sorted({w for w in words if w and not w.isspace()}, key=len, reverse=True)
    spans, kinds = _matches(flat, wanted) if wanted else ([], [])
    if not spans:
        begin, end = _frame(readable, 0, 0, width)
        return _render(flat, begin, end, [])
    first, last = _best_passage(spans, kinds, readable, width)
    begin, end = _frame(readable, spans[first][0], spans[last][1], width)
    return _render(flat, begin, end, spans)


def readable_text(text: str) -> Readable:
    """The body as its page reads: markup, front-matter remnants and table rules removed,
    one space between words, blocks (lines) joined by a space, table rows by `；`."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "<!--" in text:
        text = _COMMENT.sub(" ", text)
    lines = text.split("\n")
    start = _body_start(lines)
    text = "\n" + ("\n".join(lines[start:]) if start else text) + "\n"
    if "<" in text:
        text = _SCRIPT.sub(" ", text)
        text = _TAG.sub(" ", text)
        text = _AUTOLINK.sub(r"\1", text)
    if "[" in text:
        text = _IMAGE.sub(r"\1", text)
        text = _LINK.sub(r"\1", text)
        text = _REF_LINK.sub(r"\1", text)
        text = _REF_DEF.sub("\n", text)
        text = _FOOTNOTE_DEF.sub("\n", text)
        text = _FOOTNOTE.sub("", text)
    if "{" in text:
        text = _ATTRS.sub("", text)
        text = _ATTRS_BARE.sub("", text)
        if "{%" in text:
            text = _TEMPLATE.sub(" ", text)
    if "&" in text:
        text = _ENTITY_SPACE.sub(" ", text)
    if any(rule in text for rule in ("--", ":-", "-:", "|-", "-|")):
        text = _tables(text)
    text = _LINE.sub(_line, text)
    if "#" in text:
        text = _CLOSING_HASHES.sub(_closing_hashes, text)
    for emphasis in ("**", "~~", "`"):
        if emphasis in text:
            text = text.replace(emphasis, "")
    if any(space in text for space in ("  ", "\t", "\u3000", "\xa0", "\f", "\v")):
        text = _SPACES.sub(" ", text)
    blocks = [block for block in (line.strip() for line in text.split("\n")) if block]
    starts = []
    length = 0
    for block in blocks:
        starts.append(length)
        length += len(block) + 1
    headings = [
        len(block) <= HEADING and block[-1] not in _FINAL and "；" not in block for block in blocks
    ]
    return Readable(" ".join(blocks), starts, headings)


def _line(match: re.Match[str]) -> str:
    """A line without its markup: rules and fences go, an admonition or tab line shows its
    title, list, quote and heading markers go."""
    line = match.group()[1:]
    if _MARKER_LINE.fullmatch(line):
        return "\n"
    marker = _BLOCK_MARK.match(line.lstrip())
    if marker is not None and (marker.group(1) or marker.group(2) is not None):
        # the quoted title, else the type when it is a word (注意), not a class (warning)
        kind, title = marker.group(1) or "", marker.group(2)
        if title is None:
            title = "" if kind.isascii() else kind
        return "\n" + title + line.lstrip()[marker.end() :]
    leader = _LEADER.match(line)
    if leader is not None and leader.end():
        return "\n" + line[leader.end() :]
    return match.group()


def _closing_hashes(match: re.Match[str]) -> str:
    """`## 常見問題 ##`: the closing hashes of a heading (after a space) go."""
    start = match.start()
    return "" if start and match.string[start - 1] in " \t" else match.group()


def _tables(text: str) -> str:
    """Each table as one block: its rows joined by `；`, the cells of a row (when its pipes
    are still there) by ` · `; its separator rows gone. A separator row after a blank line
    (no header) just goes."""
    pieces: list[str] = []
    cursor = 0
    for separator in _SEPARATOR.finditer(text):
        start = separator.start()
        if start < cursor:
            continue  # a row of a table already joined
        line_start = text.rfind("\n", 0, start) + 1
        header = text[line_start:start]
        if not header.strip():
            pieces.append(text[cursor:start])
            cursor = separator.end()
            continue
        rows = [header]
        end = separator.end()
        while end < len(text):
            following = text.find("\n", end + 1)
            following = len(text) if following < 0 else following
            line = text[end + 1 : following]
            if not line.strip():
                break
            if _SEPARATOR.fullmatch("\n" + line) is None:
                rows.append(line)
            end = following
        pieces.append(text[cursor:line_start])
        pieces.append(_table_block(rows))
        cursor = end
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)


def _table_block(rows: list[str]) -> str:
    cleaned = []
    for row in rows:
        if "|" in row:
            row = " · ".join(c for c in (c.strip() for c in row.strip().strip("|").split("|")) if c)
        row = " ".join(row.split())
        if row:
            cleaned.append(row)
    joined = cleaned[0] if cleaned else ""
    for row in cleaned[1:]:
        if joined[-1] in _FINAL:
            joined += " " + row
        else:
            joined += "; " if joined[-1].isascii() and row[0].isascii() else "；"
            joined += row
    return joined


def _body_start(lines: list[str]) -> int:
    """The first line after front-matter left at the top of a body: a `---` block of
    `key: value` lines, or (its `---` lines already removed, as the index's text has them)
    two or more such lines before any text, most of them with keys front-matter has (a log
    excerpt `error: 5` / `status: 500` is text)."""
    start = 0
    for _ in range(3):  # front-matter, then another block after a comment...
        i = start
        while i < len(lines) and not lines[i].strip():
            i += 1
        if i < len(lines) and lines[i].strip() == "---":
            close = next(
                (j for j in range(i + 1, len(lines)) if lines[j].strip() in ("---", "...")), -1
            )
            if close < 0 or not all(_yamlish(line) for line in lines[i + 1 : close]):
                return start
            start = close + 1
            continue
        j = i
        while j < len(lines) and lines[j].strip() and _yamlish(lines[j]):
            j += 1
        keys = [m.group(1) for m in map(_YAML.match, lines[i:j]) if m is not None]
        known = sum(1 for key in keys if key in FRONT_MATTER_KEYS)
        if len(keys) < 2 or known < 2 or 2 * known < len(keys):
            return start
        start = j
    return start


def _yamlish(line: str) -> bool:
    return (
        not line.strip()
        or bool(_YAML.match(line))
        or line[:1] in (" ", "\t")
        or line.startswith("- ")
    )


def _matches(flat: str, wanted: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """Where the words are in the text, found in its normalised form (the index's)."""
    pattern = re.compile("|".join(_pattern(w) for w in wanted), re.IGNORECASE)
    normaliser = text_analyzer().normaliser
    # as the index cut it: Simplified characters first made Traditional (the same length), so
    # that a Simplified document's 执行 is where the index's 运行 is
    traditional = normaliser.from_simplified_characters(flat)
    normalised, original = normaliser.mapped(traditional)
    spans: list[tuple[int, int]] = []
    kinds: list[str] = []
    converted: dict[str, str] = {}  # the same words come again
    for match in pattern.finditer(normalised):
        start, end = original(match.start()), original(match.end())
        found, written = match.group(), traditional[start:end]
        if written != found:
            if written not in converted:
                converted[written] = normaliser.simplified(written)
            if converted[written] != found:
                continue  # part of a phrase converted as a whole: 打印 in 打印机, from 印表機
        spans.append((start, end))
        kinds.append(found.lower())
        if len(spans) >= MAX_MATCHES:
            break
    return spans, kinds


def _pattern(word: str) -> str:
    """An English word is indexed as its stem (`secur` for security): mark the whole word."""
    if word.isascii() and word[:1].isalnum():
        return r"(?<![A-Za-z0-9])" + re.escape(word) + r"[A-Za-z0-9]*"
    return re.escape(word)


def _best_passage(
    spans: list[tuple[int, int]], kinds: list[str], readable: Readable, width: int
) -> tuple[int, int]:
    """The first and last match of the best passage: the most distinct words within
    `width - LEAD` characters, a word weighing a little more the rarer it is in the document
    and the longer it is (`印表機 卡紙` shows the one place with 卡紙 too, not where 印表機
    is most frequent); then the words closest together; then a passage in or just under a
    heading; then the first."""
    frequency = Counter(kinds)
    weight = {
        kind: 1.0 + 0.5 / count + 0.05 * min(len(kind), 6) for kind, count in frequency.items()
    }
    reach = max(1, width - LEAD)
    # sliding window: the matches within `reach` of match i, counted by word
    scores: list[float] = []
    windows: list[frozenset[str]] = []  # the words within reach of each match
    inside: Counter[str] = Counter()
    last = -1
    for first, (start, _) in enumerate(spans):
        while last + 1 < len(spans) and spans[last + 1][1] - start <= reach:
            last += 1
            inside[kinds[last]] += 1
        if last < first:  # a single match longer than the reach
            inside[kinds[first]] += 1
            last = first
        scores.append(sum(weight[kind] for kind in inside))
        windows.append(frozenset(inside))
        inside[kinds[first]] -= 1
        if not inside[kinds[first]]:
            del inside[kinds[first]]
    top = max(scores)
    best: tuple[int, int, int] | None = None
    chosen = (0, 0)
    for first, score in enumerate(scores):
        if score < top - 1e-9:
            continue
        # the shortest stretch from this match holding all the window's words
        wanted = windows[first]
        seen: set[str] = set()
        end_index = first
        for j in range(first, len(spans)):
            if kinds[j] in wanted and kinds[j] not in seen:
                seen.add(kinds[j])
                end_index = j
                if seen == wanted:
                    break
        spread = spans[end_index][1] - spans[first][0]
        # closeness in steps of CLOSE characters: 9 or 14 apart is as close, and then the
        # heading (the title repeated in the body) is the better passage
        key = (-(spread // CLOSE), 1 if _near_heading(readable, spans[first][0]) else 0, -first)
        if best is None or key > best:
            best, chosen = key, (first, end_index)
    return chosen


def _near_heading(readable: Readable, offset: int) -> bool:
    block = bisect_right(readable.starts, offset) - 1
    if block < 0:
        return False
    return readable.headings[block] or (block > 0 and readable.headings[block - 1])


def _frame(readable: Readable, first: int, last: int, width: int) -> tuple[int, int]:
    """The stretch shown around the matches at [first, last): it starts at the sentence
    holding them when that starts at most BACK characters before, else LEAD characters
    before them after a comma or between words; it ends at a sentence end when one is in
    its last third, else between words."""
    flat = readable.text
    if len(flat) <= width:
        return 0, len(flat)
    room = max(0, width - (last - first))
    back = min(room, BACK)
    begin = _sentence_start(readable, first, back)
    if begin is None:
        begin = max(0, first - min(LEAD, room))
        clause = _after_any(flat, begin, first, _CLAUSE + _ENDS)
        if clause is not None:
            begin = clause
        elif begin and _inside_word(flat, begin):
            space = flat.find(" ", begin, first)
            begin = space + 1 if space >= 0 else begin
    end = min(len(flat), begin + width)
    if end < len(flat):
        floor = max(last, begin + width * 2 // 3)
        cut = _sentence_end(flat, floor, end)
        if cut is not None:
            end = cut
        elif _inside_word(flat, end):
            space = flat.rfind(" ", last, end)
            end = space if space > last else end
    while begin < end and flat[begin] == " ":
        begin += 1
    while end > begin and flat[end - 1] == " ":
        end -= 1
    return begin, end


def _sentence_start(readable: Readable, first: int, back: int) -> int | None:
    """The start of the sentence (or block) holding offset `first`, if at most `back`
    characters before it."""
    if first <= back:
        return 0
    low = first - back
    found = None
    for match in _SENTENCE_END.finditer(readable.text, low - 1, first):
        found = match.end()
    block = bisect_right(readable.starts, first) - 1
    if block >= 0 and readable.starts[block] >= low:
        found = max(found or 0, readable.starts[block])
    return found


def _sentence_end(flat: str, low: int, high: int) -> int | None:
    found = None
    for match in _SENTENCE_END.finditer(flat, low, high):
        found = match.end()
    return found


def _after_any(flat: str, low: int, high: int, marks: str) -> int | None:
    for i in range(low, high):
        if flat[i] in marks:
            return i + 1
    return None


def _inside_word(flat: str, at: int) -> bool:
    if at <= 0 or at >= len(flat):
        return False
    before, after = flat[at - 1], flat[at]
    return before.isascii() and after.isascii() and before.isalnum() and after.isalnum()


def _render(flat: str, begin: int, end: int, spans: list[tuple[int, int]]) -> str:
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
