"""Editing a document's front-matter in place, byte for byte everywhere else.

Tools that stamp a review or bump a version must not reformat the file: comments, key order,
quoting, blank lines, line ends (LF or CRLF), a UTF-8 BOM and the body all stay as they were.
The editor therefore never re-serialises YAML: it finds the exact span of a value through
the YAML parser's marks and replaces or inserts text there.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import yaml

from supportkb.errors import FatalError

_INDICATORS = "!&*[]{}|>'\"%@`#,?:-"
_BOM = "\ufeff"


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
        lines = self.normalised.split("\n")
        if not lines or lines[0].rstrip() != "---":
            raise FatalError("the file does not start with a front-matter block")
        closing = next((i for i, line in enumerate(lines[1:], 1) if line.rstrip() == "---"), None)
        if closing is None:
            raise FatalError("the front-matter block is never closed")
        self.front_start = len(lines[0]) + 1
        self.front_end = sum(len(line) + 1 for line in lines[:closing])
        node = yaml.compose(self.normalised[self.front_start : self.front_end], yaml.SafeLoader)
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

    # --- edits ----------------------------------------------------------------------------

    def set_scalar(
        self, key: str, value: str, after: tuple[str, ...] = (), *, plain: bool = False
    ) -> None:
        """Set `key: value`, keeping the existing quoting style; insert the line if absent.
        With `plain`, an unquoted value is written as it is (a date, say)."""
        node = self._value(key)
        style = node.style if isinstance(node, yaml.ScalarNode) else None
        rendered = value if plain and style is None else quoted(value, style)
        if node is None:
            self._insert_line(f"{key}: {rendered}", after)
        elif isinstance(node, yaml.ScalarNode):
            start, end = self._span(node)
            self.edits.append(_Edit(start, end, self._after_colon(start, rendered)))
        else:
            raise FatalError(f"'{key}' is not a single value; fix it by hand")

    def _after_colon(self, start: int, text: str) -> str:
        """An empty value (`key:`) gets the space YAML needs after the colon."""
        return " " + text if self.normalised[start - 1 : start] == ":" else text

    def add_to_list(self, key: str, item: str, after: tuple[str, ...] = ()) -> None:
        """Add `item` to the list under `key` (flow or block style) unless it is there."""
        node = self._value(key)
        if node is None:
            self._insert_line(f"{key}: [{quoted(item, None)}]", after)
        elif isinstance(node, yaml.ScalarNode):
            if node.value == item:
                return
            start, end = self._span(node)
            old = self.normalised[start:end]
            empty = node.tag == "tag:yaml.org,2002:null" or node.value == ""
            listed = f"[{quoted(item, None)}]" if empty else f"[{old}, {quoted(item, None)}]"
            self.edits.append(_Edit(start, end, self._after_colon(start, listed)))
        elif isinstance(node, yaml.SequenceNode):
            if any(isinstance(n, yaml.ScalarNode) and n.value == item for n in node.value):
                return
            self._append_to_sequence(node, item)
        else:
            raise FatalError(f"'{key}' is not a list; fix it by hand")

    def _append_to_sequence(self, node: yaml.SequenceNode, item: str) -> None:
        start, end = self._span(node)
        if node.flow_style:
            closing = self.normalised.rindex("]", start, end)
            separator = ", " if node.value else ""
            self.edits.append(_Edit(closing, closing, f"{separator}{quoted(item, None)}"))
            return
        last = node.value[-1]
        first_line_start = self.normalised.rindex("\n", 0, self._span(node.value[0])[0]) + 1
        dash = self.normalised[first_line_start : self._span(node.value[0])[0]]
        line_end = self.normalised.find("\n", self._span(last)[1])
        at = line_end if line_end >= 0 else len(self.normalised)
        self.edits.append(_Edit(at, at, "\n" + dash + quoted(item, None)))

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
    """`value` as a YAML scalar in the given quoting style (None: plain when that is safe)."""
    if style == '"' or (style is None and not _plain_is_safe(value)):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return value


def _plain_is_safe(value: str) -> bool:
    """True when YAML reads `value` written plain back as the same string."""
    if not value or value != value.strip() or value[0] in _INDICATORS:
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    try:
        return bool(yaml.safe_load(value) == value)
    except yaml.YAMLError:
        return False
