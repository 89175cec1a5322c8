"""Required sections: which headings a document of each type must have, and which of them a
published document left empty.

A section is named by a key (`symptom`, `purpose`, ...). Each key has aliases in Traditional
Chinese, Simplified Chinese and English; a heading counts when, once numbering such as "1." or
"一、" is removed, it starts with one of the aliases (case-insensitive).

A section is empty when, up to the next heading of its level or above, it holds nothing but what
the templates (`supportkb/templates/*.md`, and a team's own under `templates/`) put there for
the author to replace: HTML comments, list items without text (`1.`, `2.`, `-`), blank lines.
Its sub-headings count only by what they hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from supportkb.documents.findings import Finding, error
from supportkb.documents.model import Document, Heading, Status

SECTION_ALIASES: Mapping[str, tuple[str, ...]] = {
    "symptom": ("症狀", "症状", "問題現象", "问题现象", "現象", "现象", "symptom"),
    "environment": ("環境", "环境", "適用環境", "适用环境", "environment"),
    "cause": ("原因", "根本原因", "可能原因", "cause", "root cause"),
    "resolution": (
        "解決方法",
        "解决方法",
        "解決方式",
        "解决方式",
        "解決方案",
        "解决方案",
        "解決步驟",
        "解决步骤",
        "處理方式",
        "处理方式",
        "resolution",
        "solution",
        "fix",
    ),
    "steps": (
        "操作步驟",
        "操作步骤",
        "步驟",
        "步骤",
        "設定步驟",
        "设置步骤",
        "steps",
        "procedure",
        "instructions",
    ),
    "purpose": ("目的", "purpose", "objective"),
    "scope": ("適用範圍", "适用范围", "範圍", "范围", "scope"),
    "roles": (
        "角色與職責",
        "角色与职责",
        "角色",
        "權責",
        "权责",
        "職責",
        "职责",
        "roles",
        "responsibilities",
    ),
    "procedure": (
        "作業程序",
        "作业程序",
        "作業流程",
        "作业流程",
        "程序",
        "流程",
        "步驟",
        "步骤",
        "procedure",
        "process",
    ),
    "records": ("紀錄", "記錄", "记录", "表單與紀錄", "表单与记录", "records"),
    "organisation": (
        "應變組織",
        "应变组织",
        "緊急應變組織",
        "紧急应变组织",
        "組織",
        "组织",
        "response organisation",
        "response organization",
        "organisation",
        "organization",
    ),
    "flow": ("應變流程", "应变流程", "通報流程", "通报流程", "response flow", "flow"),
    "actions": (
        "應變措施",
        "应变措施",
        "處置措施",
        "处置措施",
        "應變行動",
        "应变行动",
        "行動",
        "行动",
        "response actions",
        "actions",
    ),
    "resources": ("應變資源", "应变资源", "資源", "资源", "resources"),
    "communication": (
        "溝通",
        "沟通",
        "通報",
        "通报",
        "聯絡",
        "联络",
        "communication",
        "communications",
    ),
    "responsibilities": ("權責", "权责", "職責", "职责", "責任", "责任", "responsibilities"),
    "revision-history": (
        "修訂紀錄",
        "修訂記錄",
        "修订记录",
        "修訂歷史",
        "修订历史",
        "版本紀錄",
        "版本记录",
        "revision history",
        "change history",
        "changelog",
        "change log",
    ),
}

_NUMBERING = re.compile(
    r"^\s*(?:第[一二三四五六七八九十百0-9]+[章節条條]|[0-9]+(?:\.[0-9]+)*[.)、]?|"
    r"[一二三四五六七八九十]+[、.]|[(（][一二三四五六七八九十0-9]+[)）]|[A-Za-z][.)])\s*"
)


def normalise_heading(text: str) -> str:
    return _NUMBERING.sub("", text, count=1).strip().casefold()


def _present(key: str, normalised: tuple[str, ...], aliases: Mapping[str, tuple[str, ...]]) -> bool:
    prefixes = _prefixes(aliases.get(key, (key,)))
    return any(heading.startswith(prefixes) for heading in normalised)


@lru_cache(maxsize=256)
def _prefixes(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name.casefold() for name in names)


def required_key(document: Document) -> str:
    """The key of `required_sections` in the configuration that applies to a document."""
    if document.kind:
        return f"{document.type.value}/{document.kind}"
    return document.type.value


def missing_sections(
    document: Document,
    headings: Iterable[Heading],
    required: Mapping[str, tuple[str, ...]],
    aliases: Mapping[str, tuple[str, ...]] = SECTION_ALIASES,
) -> list[str]:
    keys = required.get(required_key(document), required.get(document.type.value, ()))
    if not keys:
        return []
    normalised = tuple(normalise_heading(heading.text) for heading in headings)
    return [key for key in keys if not _present(key, normalised, aliases)]


def _section_key(
    heading: Heading, keys: Iterable[str], aliases: Mapping[str, tuple[str, ...]]
) -> str | None:
    normalised = normalise_heading(heading.text)
    return next((k for k in keys if normalised.startswith(_prefixes(aliases.get(k, (k,))))), None)


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
# a list item without text (the template's `1.` / `2.` / `-`), a task box left unticked
_EMPTY_ITEM = re.compile(r"^(?:[-*+]|[0-9]+[.)])(?:\s+\[[ xX]?\])?$")
_TABLE_DELIMITER = re.compile(r"^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$")
# a line that says only that something is to be written (alone, or as a list item's text),
# or a horizontal rule: what an author leaves for later is not content
_TO_BE_WRITTEN = re.compile(
    r"^(?:(?:[-*+]|[0-9]+[.)])\s+)?[(（\[【]?\s*(?:TODO|TBD|TBC|FIXME|XXX|待補充?|待填寫?|待补充?|"
    r"待填写|請填寫|请填写|(?:\.{3}|…)+)\s*[)）\]】]?\s*[:：.。]*$|^(?:-{3,}|\*{3,}|_{3,})$",
    re.IGNORECASE,
)


def is_placeholder(text: str) -> bool:
    """Does this text hold nothing an author wrote? Only comments, list items without text,
    blank lines, a word that says it is still to be written (TODO, TBD, 待補, 請填寫, …), a
    horizontal rule, and tables whose rows name nothing but their first column (the templates'
    `| 服務台人員 | |` and `| 1 | | | |`: the roles or steps are still to be described)."""
    lines = [line.strip() for line in _COMMENT.sub("", text).splitlines()]
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("|"):
            end = index
            while end < len(lines) and lines[end].startswith("|"):
                end += 1
            if not _empty_table(lines[index:end]):
                return False
            index = end
            continue
        if line and not _EMPTY_ITEM.match(line) and not _TO_BE_WRITTEN.match(line):
            return False
        index += 1
    return True


def _empty_table(rows: list[str]) -> bool:
    """A table whose body rows fill at most their first cell (its header is the template's)."""
    if len(rows) < 2 or not _TABLE_DELIMITER.match(rows[1]):
        return False  # not a table: text that happens to start with '|'
    for row in rows[2:]:
        cells = [cell.strip() for cell in row.strip("|").split("|")]
        if len(cells) < 2 or any(cells[1:]):
            return False
    return True


def empty_sections(
    document: Document,
    headings: tuple[Heading, ...],
    body: str,
    body_line: int,
    required: Mapping[str, tuple[str, ...]],
    aliases: Mapping[str, tuple[str, ...]] = SECTION_ALIASES,
) -> list[tuple[str, Heading]]:
    """The required sections (key, heading) of a published document that hold nothing but
    placeholders; a key several headings name counts as written when any of them is. Drafts
    and documents in review are exempt: they are still being written."""
    if document.status is not Status.PUBLISHED:
        return []
    keys = required.get(required_key(document), required.get(document.type.value, ()))
    if not keys:
        return []
    lines = body.split("\n")
    heading_lines = {heading.line for heading in headings}
    found: dict[str, Heading] = {}
    written: set[str] = set()
    for index, heading in enumerate(headings):
        key = _section_key(heading, keys, aliases)
        if key is None or key in written:
            continue
        end = next(
            (h.line for h in headings[index + 1 :] if h.level <= heading.level),
            body_line + len(lines),
        )
        content = "\n".join(
            lines[number - body_line]
            for number in range(heading.line + 1, end)
            if number not in heading_lines
        )
        if is_placeholder(content):
            found.setdefault(key, heading)
        else:
            written.add(key)
    return [(key, heading) for key, heading in found.items() if key not in written]


def empty_section_findings(
    document: Document,
    headings: tuple[Heading, ...],
    body: str,
    body_line: int,
    required: Mapping[str, tuple[str, ...]],
    aliases: Mapping[str, tuple[str, ...]] = SECTION_ALIASES,
) -> list[Finding]:
    """`section-empty`: each required section a published document left as the template had
    it, on its heading's line."""
    return [
        error(
            document.path,
            heading.line,
            "section-empty",
            f"section '{heading.text}' is empty: nothing in it but template placeholders "
            f"(every {_described(required_key(document))} needs its '{key}' section)",
            "write the section: what the template's comment asks for, in your own words "
            "(comments are not shown to readers); until then keep 'status: draft'",
        )
        for key, heading in empty_sections(document, headings, body, body_line, required, aliases)
    ]


def _described(key: str) -> str:
    """A required-sections key in words: "article/troubleshooting" → "troubleshooting article"."""
    return " ".join(reversed(key.split("/")))
