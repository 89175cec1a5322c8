"""The revision-history table a controlled document keeps in its body (修訂紀錄):

    | 版本 | 日期 | 說明 | 核准人 |
    | --- | --- | --- | --- |
    | 1.2 | 2026-09-22 | 新增 KCS 草稿確認時限 | lee.guanyu |

Which column is which is decided by the header's words (`COLUMNS`), so a table written in
English or with other column names is read too. `kb review --bump` adds a row, `kb approve`
fills its approver, `kb check --since` requires one for a new version and `kb history`
shows each version's change from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from supportkb.documents.body import read_body
from supportkb.documents.sections import SECTION_ALIASES, normalise_heading

HEADINGS = tuple(SECTION_ALIASES["revision-history"])
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("version", ("版本", "version")),
    ("date", ("日期", "date")),
    ("change", ("說明", "说明", "內容", "摘要", "修訂內容", "description", "change", "summary")),
    ("approver", ("核准", "approv")),
    ("person", ("審", "人", "by", "review")),
)
PENDING = "待核准 pending"  # the approver's cell of a version not approved yet


@dataclass(frozen=True)
class RevisionRow:
    version: str
    date: date | None
    change: str
    approver: str
    line: int  # in the body, 1-based


def column_of(title: str) -> str | None:
    """The column a header cell names (`version`, `date`, `change`, `approver`, `person`)."""
    lowered = title.casefold()
    return next((key for key, words in COLUMNS if any(w in lowered for w in words)), None)


def split_row(line: str) -> list[str]:
    """The cells of a Markdown table row (an escaped `\\|` stays in its cell)."""
    text = line.strip()
    text = text[1:] if text.startswith("|") else text
    text = text[:-1] if text.endswith("|") and not text.endswith("\\|") else text
    cells, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append(char if char in "|\\" else "\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    cells.append("".join(current).strip())
    return cells


def revision_rows(body: str) -> tuple[RevisionRow, ...]:
    """The rows of the body's revision-history table, in the order written."""
    headings = read_body(body, 1).headings
    heading = next((h for h in headings if normalise_heading(h.text).startswith(HEADINGS)), None)
    if heading is None:
        return ()
    lines = body.split("\n")
    index = heading.line  # the line after the heading (0-based index of it)
    while index < len(lines) and not lines[index].lstrip().startswith(("|", "#")):
        index += 1
    if index >= len(lines) or not lines[index].lstrip().startswith("|"):
        return ()
    columns = [column_of(cell) for cell in split_row(lines[index])]
    rows = []
    for number in range(index + 2, len(lines)):
        if not lines[number].lstrip().startswith("|"):
            break
        values = dict(zip(columns, split_row(lines[number]), strict=False))
        version = values.get("version", "").strip()
        if not version:
            continue
        rows.append(
            RevisionRow(
                version,
                _date(values.get("date", "")),
                values.get("change", ""),
                values.get("approver", ""),
                number + 1,
            )
        )
    return tuple(rows)


def row_for(body: str, version: str | None) -> RevisionRow | None:
    """The last row written for `version` (None when there is none)."""
    if version is None:
        return None
    found = [row for row in revision_rows(body) if row.version == version]
    return found[-1] if found else None


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
