"""What changed between two versions of a document: a unified diff of the whole file
(front-matter and body) for `kb diff`, and the same comparison as HTML (an escaped fragment
the site's superseded pages show, or a whole page for `kb diff --html`)."""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass

from supportkb.history.records import Version

_FIELDS = ("version", "status", "effective", "approved_by", "approved_on", "owner", "title")


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a version's label and text."""

    label: str
    text: str

    @classmethod
    def of(cls, doc_id: str, version: Version) -> Side:
        name = version.version or version.commit[:10]
        return cls(f"{doc_id} {name} ({version.commit[:10]}, {version.path})", version.text)


def unified(old: Side, new: Side) -> str:
    """A unified diff, `--- old` / `+++ new`, with three lines of context."""
    lines = difflib.unified_diff(
        old.text.splitlines(keepends=True),
        new.text.splitlines(keepends=True),
        fromfile=old.label,
        tofile=new.label,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def field_changes(old: Version, new: Version) -> list[tuple[str, str, str]]:
    """(field, before, after) for the front-matter values an auditor looks at first."""
    changes = []
    for name in _FIELDS:
        before, after = _value(old, name), _value(new, name)
        if before != after:
            changes.append((name, before, after))
    return changes


def _value(version: Version, name: str) -> str:
    value = getattr(version, name, None)
    if value is None and version.revisions and version.revisions[-1].document is not None:
        value = getattr(version.revisions[-1].document, name, None)
    return "" if value is None else str(value)


def comparison_fragment(old: Side, new: Side, context: int = 3) -> str:
    """The comparison as an HTML fragment: a table of lines, removed ones in `<del>`, added
    ones in `<ins>`, unchanged stretches cut to `context` lines. Every text is escaped."""
    old_lines, new_lines = old.text.splitlines(), new.text.splitlines()
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    rows = [
        '<table class="kb-diff"><caption>'
        f"<del>{html.escape(old.label)}</del> → <ins>{html.escape(new.label)}</ins></caption>"
        '<thead><tr><th scope="col">舊 old</th><th scope="col">新 new</th>'
        '<th scope="col">內容 text</th></tr></thead><tbody>'
    ]
    groups = matcher.get_grouped_opcodes(context)
    for number, group in enumerate(groups):
        if number:
            rows.append('<tr class="kb-diff-gap"><td colspan="3">⋯</td></tr>')
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                for k in range(i2 - i1):
                    rows.append(_row(i1 + k + 1, j1 + k + 1, "", old_lines[i1 + k]))
                continue
            for k in range(i1, i2):
                rows.append(_row(k + 1, None, "del", old_lines[k]))
            for k in range(j1, j2):
                rows.append(_row(None, k + 1, "ins", new_lines[k]))
    if not groups:
        rows.append('<tr><td colspan="3">兩個版本的文字相同 The texts are identical.</td></tr>')
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _row(old: int | None, new: int | None, kind: str, text: str) -> str:
    escaped = html.escape(text) or "&nbsp;"
    cell = f"<{kind}>{escaped}</{kind}>" if kind else escaped
    mark = {"del": "− ", "ins": "+ "}.get(kind, "  ")
    return (
        f'<tr class="kb-diff-{kind or "same"}"><td>{old or ""}</td><td>{new or ""}</td>'
        f'<td><code><span aria-hidden="true">{mark}</span>{cell}</code></td></tr>'
    )


PAGE_STYLE = """
body{font-family:"Noto Sans CJK TC",system-ui,sans-serif;margin:2rem;
  color:#1b1b1b;background:#fff}
table.kb-diff{border-collapse:collapse;width:100%;font-size:.9rem}
.kb-diff caption{text-align:left;font-weight:bold;padding:.5rem 0}
.kb-diff td,.kb-diff th{border-bottom:1px solid #ddd;padding:.1rem .4rem;vertical-align:top}
.kb-diff td:nth-child(-n+2){color:#555;text-align:right;width:3rem}
.kb-diff code{white-space:pre-wrap;font-family:"Noto Sans Mono CJK TC",monospace}
.kb-diff del{background:#ffe0e0;color:#7a0010;text-decoration:line-through}
.kb-diff ins{background:#ddf4e0;color:#0b4a17;text-decoration:none}
.kb-fields td,.kb-fields th{border:1px solid #ccc;padding:.2rem .5rem}
"""


def comparison_page(title: str, old: Side, new: Side, fields: list[tuple[str, str, str]]) -> str:
    """A whole HTML page (no external resource) for `kb diff --html`."""
    field_rows = "".join(
        f"<tr><th scope='row'>{html.escape(n)}</th><td><del>{html.escape(b)}</del></td>"
        f"<td><ins>{html.escape(a)}</ins></td></tr>"
        for n, b, a in fields
    )
    fields_table = (
        '<table class="kb-fields"><caption>前置資料的變更 Front-matter changes</caption>'
        "<tr><th>欄位 field</th><th>舊 old</th><th>新 new</th></tr>"
        f"{field_rows}</table>"
        if fields
        else ""
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hant"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>{fields_table}"
        f"{comparison_fragment(old, new)}</body></html>\n"
    )
