"""Editing a document's front-matter in place, byte for byte everywhere else.

Tools that stamp a review or bump a version must not reformat the file: comments, key order,
quoting, blank lines, line ends (LF or CRLF), a UTF-8 BOM and the body all stay as they were.
The editor therefore never re-serialises YAML: it finds the exact span of a value through
the YAML parser's marks and replaces or inserts text there.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

import yaml

from supportkb.errors import FatalError, InvalidUsage

_INDICATORS = "!&*[]{}|>'\"%@`#,?:-"
_BOM = "\ufeff"
# The `---` lines as `kb check` finds them (python-frontmatter's pattern, see source.py): the
# editor must cut the front-matter exactly where the checker does.
_BOUNDARY = re.compile(r"^-{3,}\s*$", re.MULTILINE)
# The parser `kb check` reads front-matter with (libyaml when present): the same tokens, so
# the same spans; the pure-Python parser refuses a few files libyaml reads (a tab after a value).
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DASH = re.compile(r"^( *)-(?=[ \t\n]|$)", re.MULTILINE)  # a block list's item


@dataclass(frozen=True)
class _Edit:
    start: int  # offsets in the normalised (LF) text
    end: int
    text: str


@dataclass
class FrontMatterEditor:
    """Collects edits against one file's text, then renders the edited file."""

    original: str  # decoded text as on disk (BOM and CRLF included)
    normalised: str = field(init=False)
    newline: str = field(init=False)
    front_start: int = field(init=False)  # offset of the front-matter text in `normalised`
    front_end: int = field(init=False)  # offset of the closing '---' line
    mapping: yaml.MappingNode = field(init=False)
    edits: list[_Edit] = field(default_factory=list, init=False)
    _removed: list[int] = field(default_factory=list, init=False)  # normalised offsets of CRs

    def __post_init__(self) -> None:
        text = self.original.removeprefix(_BOM)
        if "\r" in text.replace("\r\n", ""):
            raise FatalError("the file has bare carriage returns (old Mac line ends)")
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self.normalised = text.replace("\r\n", "\n")
        position = 0
        for line in text.split("\n")[:-1]:
            position += len(line) - line.endswith("\r") + 1
            if line.endswith("\r"):
                self._removed.append(position - 1)
        opening = _BOUNDARY.match(self.normalised)
        if opening is None:
            raise FatalError("the file does not start with a front-matter block")
        closing = _BOUNDARY.search(self.normalised, opening.end())
        if closing is None:
            raise FatalError("the front-matter block is never closed")
        self.front_start = opening.end()
        self.front_end = closing.start()
        try:
            node = yaml.compose(self.normalised[self.front_start : self.front_end], _Loader)
        except (yaml.YAMLError, RecursionError, ValueError) as exc:
            raise FatalError(f"the front-matter cannot be edited safely ({exc})") from None
        if not isinstance(node, yaml.MappingNode):
            raise FatalError("the front-matter is not a set of 'key: value' fields")
        if node.flow_style:
            raise FatalError("the front-matter is one {...} mapping; write a 'key: value' per line")
        self.mapping = node

    # --- lookups --------------------------------------------------------------------------

    def _value(self, key: str) -> yaml.Node | None:
        return next((v for k, v in self.mapping.value if k.value == key), None)

    def _span(self, node: yaml.Node) -> tuple[int, int]:
        return self.front_start + node.start_mark.index, self.front_start + node.end_mark.index

    def _value_span(self, node: yaml.Node) -> tuple[int, int]:
        """The span of a value without the line breaks and blank lines a block scalar
        (`|`, `>-`) takes in: replacing them would join the next line to the new value."""
        start, end = self._span(node)
        return start, start + len(self.normalised[start:end].rstrip(" \t\n"))

    # --- edits ----------------------------------------------------------------------------

    def set_scalar(
        self, key: str, value: str, after: tuple[str, ...] = (), *, plain: bool = False
    ) -> None:
        """Set `key: value`, keeping the existing quoting style; insert the line if absent.
        With `plain`, an unquoted value is written as it is (a date, say)."""
        node = self._value(key)
        style = (node.style or None) if isinstance(node, yaml.ScalarNode) else None  # C: ""
        rendered = value if plain and style in (None, "|", ">") else quoted(value, style)
        if node is None:
            self._insert_line(f"{key}: {rendered}", after)
        elif isinstance(node, yaml.ScalarNode):
            start, end = self._value_span(node)
            self.edits.append(_Edit(start, end, self._after_colon(start, rendered)))
        else:
            raise FatalError(f"'{key}' is not a single value; fix it by hand")

    def _after_colon(self, start: int, text: str) -> str:
        """An empty value (`key:`) gets the space YAML needs after the colon."""
        return " " + text if self.normalised[start - 1 : start] == ":" else text

    def add_to_list(self, key: str, item: str, after: tuple[str, ...] = ()) -> None:
        """Add `item` to the list under `key` (flow or block style) unless it is there
        (compared as `kb check` reads ids: without surrounding spaces)."""
        node = self._value(key)
        if node is None:
            self._insert_line(f"{key}: [{quoted(item, None)}]", after)
        elif isinstance(node, yaml.ScalarNode):
            if node.value.strip() == item:
                return
            start, end = self._value_span(node)
            empty = node.tag == "tag:yaml.org,2002:null" or node.value == ""
            items = [item] if empty else [node.value, item]
            listed = "[" + ", ".join(quoted(value, None) for value in items) + "]"
            self.edits.append(_Edit(start, end, self._after_colon(start, listed)))
        elif isinstance(node, yaml.SequenceNode):
            if any(isinstance(n, yaml.ScalarNode) and n.value.strip() == item for n in node.value):
                return
            self._append_to_sequence(node, item)
        else:
            raise FatalError(f"'{key}' is not a list; fix it by hand")

    def _append_to_sequence(self, node: yaml.SequenceNode, item: str) -> None:
        start, end = self._span(node)
        if node.flow_style:  # right after the last item: a trailing comma or comment stays
            if not node.value:
                closing = self.normalised.rindex("]", start, end)
                self.edits.append(_Edit(closing, closing, quoted(item, None)))
            else:
                after_last = self._span(node.value[-1])[1]
                self.edits.append(_Edit(after_last, after_last, f", {quoted(item, None)}"))
            return
        # a block sequence: a new `- item` line at the column of the first dash, after the
        # line where the last item's text ends (its comment stays with it)
        line_start = self.normalised.rfind("\n", 0, start) + 1  # a tag or anchor may come first
        first_dash = _DASH.search(self.normalised, line_start, end)
        if first_dash is None:
            raise FatalError("the list's '-' items cannot be found; fix it by hand")
        indent = first_dash.group(1)
        last_start, last_end = self._value_span(node.value[-1])
        line_end = self.normalised.find("\n", max(last_end, last_start))
        at = line_end if line_end >= 0 else len(self.normalised)
        self.edits.append(_Edit(at, at, "\n" + indent + "- " + quoted(item, None)))

    def _insert_line(self, line: str, after: tuple[str, ...]) -> None:
        """A new top-level line after the first of `after` that exists, else at the end."""
        for key in after:
            node = self._value(key)
            if node is not None:
                end = self._span(node)[1]
                line_end = self.normalised.find("\n", end - 1 if end > 0 else 0)
                if self.normalised[end - 1 : end] == "\n":
                    line_end = end - 1
                self.edits.append(_Edit(line_end, line_end, "\n" + line))
                return
        self.edits.append(_Edit(self.front_end, self.front_end, line + "\n"))

    def insert(self, offset: int, text: str) -> None:
        """Raw insertion at an offset of the normalised text (used for body edits)."""
        self.edits.append(_Edit(offset, offset, text))

    # --- rendering ------------------------------------------------------------------------

    def replace(self, start: int, end: int, text: str) -> None:
        """Replace a span of the normalised text."""
        self.edits.append(_Edit(start, end, text))

    def remove(self, key: str) -> None:
        """Remove the line of a top-level `key: value` (a single-line value; a comment on
        the same line goes with it, comment lines around it stay). Nothing when absent."""
        for key_node, value in self.mapping.value:
            if key_node.value != key:
                continue
            if not isinstance(value, yaml.ScalarNode) or value.style in ("|", ">"):
                raise FatalError(f"'{key}' is not a single-line value; remove it by hand")
            text = self.normalised
            start = text.rfind("\n", 0, self.front_start + key_node.start_mark.index) + 1
            end = text.find("\n", self.front_start + value.end_mark.index)
            end = len(text) if end < 0 else end + 1
            if end > self.front_end:
                raise FatalError(f"'{key}' cannot be removed safely; remove it by hand")
            self.replace(start, end, "")
            return

    def render(self) -> str:
        """The original text with the edits applied, in the file's own line ends and BOM."""
        result = []
        cursor = 0
        for edit in sorted(self.edits, key=lambda e: (e.start, e.end)):
            if edit.start < cursor:
                raise FatalError("overlapping edits")  # a programming error, not a user's
            result.append(self._original_slice(cursor, edit.start))
            result.append(edit.text.replace("\n", self.newline))
            cursor = edit.end
        result.append(self._original_slice(cursor, len(self.normalised)))
        bom = _BOM if self.original.startswith(_BOM) else ""
        return bom + "".join(result)

    def _original_slice(self, start: int, end: int) -> str:
        """The original (possibly CRLF) text between two normalised offsets."""
        shift_start = bisect.bisect_left(self._removed, start)
        shift_end = bisect.bisect_left(self._removed, end)
        text = self.original.removeprefix(_BOM)
        return text[start + shift_start : end + shift_end]


def quoted(value: str, style: str | None) -> str:
    """`value` as a YAML scalar in the given quoting style (None, or a block style: plain
    when that is safe). Anything a single-quoted scalar cannot hold (a line break, a control
    character) is written double-quoted, with escapes."""
    if style == "'" and _printable(value):
        return "'" + value.replace("'", "''") + "'"
    if style in ('"', "'") or not _plain_is_safe(value):
        return '"' + "".join(_ESCAPES.get(char) or _escaped(char) for char in value) + '"'
    return value


_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def _escaped(char: str) -> str:
    """A character as a double-quoted YAML scalar holds it (an escape when not printable)."""
    if _printable(char):
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02X}"
    return f"\\u{code:04X}" if code < 0x10000 else f"\\U{code:08X}"


_UNWRITTEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def _printable(text: str) -> bool:
    """True when every character may be written as it is: no control or format character, no
    line break (folding would turn it into a space), nothing unassigned."""
    return all(char == " " or unicodedata.category(char) not in _UNWRITTEN for char in text)


def _plain_is_safe(value: str) -> bool:
    """True when YAML reads `value` written plain back as the same string."""
    if not value or value != value.strip() or value[0] in _INDICATORS or not _printable(value):
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    try:
        return bool(yaml.safe_load(value) == value)
    except yaml.YAMLError:
        return False


# Joiners some scripts and emoji sequences need: invisible, but they cannot break a line, a
# table or a YAML value.
_HARMLESS_FORMAT = frozenset({"\u200c", "\u200d"})
_REFUSED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def one_line_text(value: str, option: str) -> str:
    """`value` when it is one line of visible text, else `InvalidUsage` naming the option.

    A title, category or note ends up in YAML, in a Markdown table and in search results: a
    line break (\\n, \\r, U+0085, U+2028, U+2029), a control character or an invisible format
    character (a bidirectional override, a BOM) would end the front-matter early, add a line
    to the table or hide what the text says."""
    for char in value:
        if char not in _HARMLESS_FORMAT and unicodedata.category(char) in _REFUSED:
            raise InvalidUsage(
                f"{option} must be one line of text without control characters; "
                f"it contains {_describe(char)}"
            )
    return value


def _describe(char: str) -> str:
    if char in "\n\r\x0b\x0c\x85\u2028\u2029":
        return f"a line break (U+{ord(char):04X})"
    if "\ud800" <= char <= "\udfff":
        return "bytes that are not UTF-8"
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X}" + (f" ({name})" if name else "")
