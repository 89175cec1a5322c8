"""The register of documents: one `RegisterEntry` per document, as of a date, for an audience.

The site's register page and `register.csv` are written from it (`supportkb.site.pages`), and
so is the audit pack's register as of a past date (`register_entries` with the documents'
histories): what a column holds is decided once, here.

As of a date: with its history, a document is described as its file stood on that day (the
last readable commit by then; none yet: it is not in the register) and names the version in
force then (`DocumentHistory.in_force_on`). Without a history (none read, or the file not
committed yet), as it is now. The freshness state is judged on that day by the one rule
(`supportkb.workspace.freshness`).

Audiences, as the site's (`supportkb.site.sources`): a document the audience may read is
listed whole; in the internal register a restricted document is listed by id, type, owner
and status only (`withheld`: no title, no path, no link), so that an auditor knows it exists;
in a public register nothing restricted appears.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from supportkb.documents.findings import spreadsheet_cell
from supportkb.documents.model import DocType, Document, Status, Visibility
from supportkb.documents.vocabulary import TYPE_TERMS
from supportkb.history.records import DocumentHistory
from supportkb.site.sources import visible_to
from supportkb.workspace.freshness import Freshness, FreshnessRule
from supportkb.workspace.settings import KnowledgeBaseConfig

FRESHNESS_LABELS = {
    Freshness.CURRENT: "現行",
    Freshness.DUE_SOON: "即將到期",
    Freshness.OVERDUE: "逾期",
    Freshness.EXEMPT: "–",
}


@dataclass(frozen=True)
class RegisterEntry:
    """One document as the register shows it on `as_of`. A `withheld` entry (a restricted
    document in the internal register) carries its id, type, owner and status only: every
    other field is empty."""

    id: str
    type: DocType
    owner: str
    status: Status
    withheld: bool = False
    title: str = ""
    path: str = ""  # repository path ("" when withheld)
    version: str | None = None  # as the file stood on the day
    in_force: str | None = None  # the version in force on the day (None: none, or no history)
    effective: date | None = None
    approved_by: str | None = None
    approved_on: date | None = None
    reviewers: tuple[str, ...] = ()
    visibility: Visibility | None = None
    last_reviewed: date | None = None
    next_review: date | None = None
    freshness: Freshness = Freshness.EXEMPT  # judged on the register's day
    supersedes: str | None = None
    superseded_by: str | None = None

    @property
    def freshness_label(self) -> str:
        return "" if self.withheld else FRESHNESS_LABELS[self.freshness]


# the CSV's columns, in order (every one an attribute of RegisterEntry)
REGISTER_COLUMNS = (
    "id",
    "title",
    "type",
    "version",
    "in_force",
    "status",
    "owner",
    "reviewers",
    "visibility",
    "approved_by",
    "approved_on",
    "effective",
    "last_reviewed",
    "next_review",
    "freshness",
    "supersedes",
    "superseded_by",
    "path",
)


def register_entries(
    documents: Iterable[Document],
    histories: Mapping[str, DocumentHistory],
    config: KnowledgeBaseConfig,
    as_of: date,
    audience: str = "internal",
) -> tuple[RegisterEntry, ...]:
    """The register on `as_of` for `audience` (public, internal or restricted), by id.

    `documents` are the checkout's (all of them: the audience is applied here); `histories`
    by document id, as `supportkb.history.reading.read_histories` gives them (may be empty)."""
    rule = FreshnessRule(config)
    on_day = {}
    for document in documents:
        then = _as_it_stood(document, histories.get(document.id), as_of)
        if then is not None:
            on_day[document.id] = then
    successors = {
        str(d.supersedes): d.id
        for d in on_day.values()
        if d.supersedes and visible_to(audience, d.visibility)
    }
    entries = []
    for doc_id, document in sorted(on_day.items()):
        if visible_to(audience, document.visibility):
            history = histories.get(doc_id)
            in_force = history.in_force_on(as_of) if history is not None else None
            due = rule.review_due(document) if rule.is_held(document) else None
            entries.append(
                RegisterEntry(
                    id=doc_id,
                    type=document.type,
                    owner=document.owner,
                    status=document.status,
                    title=document.title,
                    path=document.path,
                    version=document.version,
                    in_force=in_force.version if in_force is not None else None,
                    effective=document.effective,
                    approved_by=document.approved_by,
                    approved_on=_approved_on(document),
                    reviewers=document.reviewers,
                    visibility=document.visibility,
                    last_reviewed=document.last_reviewed,
                    next_review=due,
                    freshness=rule.review_state(document, as_of),
                    supersedes=_named(document.supersedes, on_day, audience),
                    superseded_by=successors.get(doc_id),
                )
            )
        elif is_withheld(audience, document.visibility):
            entries.append(
                RegisterEntry(doc_id, document.type, document.owner, document.status, True)
            )
    return tuple(entries)


def _named(doc_id: str | None, on_day: Mapping[str, Document], audience: str) -> str | None:
    """A document named by id, unless the audience may not even know it exists."""
    other = on_day.get(doc_id) if doc_id else None
    if other is None or visible_to(audience, other.visibility):
        return doc_id
    return doc_id if is_withheld(audience, other.visibility) else None


def is_withheld(audience: str, visibility: Visibility) -> bool:
    """A document the audience may not read but is told exists: restricted, internal register."""
    return audience == Visibility.INTERNAL.value and visibility is Visibility.RESTRICTED


def _as_it_stood(
    document: Document, history: DocumentHistory | None, as_of: date
) -> Document | None:
    """The document as its file stood on `as_of`: now, without a history or when nothing was
    committed after that day; else its last readable commit by then (None: not there yet)."""
    if history is None or not history.revisions:
        return document
    if history.revisions[0].date.date() <= as_of:
        return document  # nothing committed since (what is not committed yet counts as now)
    for revision in history.revisions:
        if revision.date.date() <= as_of and revision.document is not None:
            return revision.document
    return None


def _approved_on(document: Document) -> date | None:
    value = getattr(document, "approved_on", None)  # the field arrives with `kb approve`
    return value if isinstance(value, date) else None


def cell(entry: RegisterEntry, column: str) -> str:
    """A column's value as text (the CSV's, and the HTML table's before escaping)."""
    value = getattr(entry, column)
    if column == "freshness":
        return entry.freshness_label if not entry.withheld else ""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return ", ".join(value)
    if isinstance(value, (DocType, Status, Visibility)):
        return str(value.value)
    if isinstance(value, bool):
        return ""
    return str(value)


def register_csv(entries: Iterable[RegisterEntry]) -> str:
    """The register as CSV (UTF-8 with a BOM, which Excel needs to read Chinese; CRLF); a
    cell a spreadsheet would run as a formula is made text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REGISTER_COLUMNS)
    for entry in entries:
        writer.writerow([spreadsheet_cell(cell(entry, c)) for c in REGISTER_COLUMNS])
    return "\ufeff" + out.getvalue()


# the HTML table's columns and headings (the page shows these; the CSV has every column)
HTML_COLUMNS: Sequence[tuple[str, str]] = (
    ("id", "編號"),
    ("title", "標題"),
    ("type", "類型"),
    ("version", "版本"),  # with the version in force when it is another
    ("status", "狀態"),
    ("owner", "負責人"),
    ("reviewers", "複審人"),
    ("visibility", "可見範圍"),
    ("approved", "核准"),  # approved_by and approved_on
    ("effective", "生效日"),
    ("next_review", "下次複審"),
    ("freshness", "時效"),
    ("relations", "取代關係"),  # supersedes, superseded_by
)
VISIBILITY_LABELS = {
    Visibility.PUBLIC: "公開",
    Visibility.INTERNAL: "內部",
    Visibility.RESTRICTED: "限閱",
}
WITHHELD_TITLE = "（限閱文件，標題不公開）"


def _shown(entry: RegisterEntry, column: str) -> str:
    """A cell of the HTML table as text: the CSV's, a few columns joined to fit a screen."""
    if column == "type":
        return TYPE_TERMS[entry.type].short_label
    if column == "status":
        return entry.status.label
    if entry.withheld:
        return "" if column not in ("id", "owner") else cell(entry, column)
    if column == "version":
        other = entry.in_force and entry.in_force != entry.version
        return (entry.version or "") + (f"（現行 {entry.in_force}）" if other else "")
    if column == "visibility":
        return VISIBILITY_LABELS[entry.visibility] if entry.visibility else ""
    if column == "approved":
        return " ".join(str(v) for v in (entry.approved_by, entry.approved_on) if v)
    if column == "relations":
        parts = [f"取代 {entry.supersedes}" if entry.supersedes else ""]
        parts.append(f"由 {entry.superseded_by} 取代" if entry.superseded_by else "")
        return "；".join(p for p in parts if p)
    return cell(entry, column)


def register_html(
    entries: Iterable[RegisterEntry],
    link: Callable[[RegisterEntry], str | None] = lambda entry: None,
    name: str = "文件清單",
    due: Callable[[RegisterEntry], str] | None = None,
) -> str:
    """The register as an HTML table (a fragment on one line, which Markdown passes through):
    every text escaped; `link` gives a document's URL (None: no link; never for a withheld
    entry); `due` gives the next review's cell as HTML (the site's, which the browser
    re-judges on the day it is read), else the date as text. Cells carry their column's name
    (`data-label`) for the phone's card layout."""
    head = "".join(
        f'<th scope="col" class="kb-col-{column}">{label}</th>' for column, label in HTML_COLUMNS
    )
    rows = []
    for entry in entries:
        cells = []
        for column, label in HTML_COLUMNS:
            text = html.escape(_shown(entry, column))
            if column == "title" and entry.withheld:
                text = f'<span class="kb-withheld">{WITHHELD_TITLE}</span>'
            elif column == "title":
                url = link(entry)
                if url:
                    text = f'<a href="{html.escape(url, quote=True)}">{text}</a>'
            elif column == "next_review" and due is not None and not entry.withheld:
                text = due(entry)
            elif column == "id":
                text = f"<code>{text}</code>"
            elif column == "freshness" and not entry.withheld:
                state = entry.freshness.value
                text = f'<span class="kb-freshness kb-freshness--{state}">{text}</span>'
            cells.append(f'<td class="kb-col-{column}" data-label="{label}">{text or "–"}</td>')
        withheld = ' class="kb-register__withheld"' if entry.withheld else ""
        rows.append(f"<tr{withheld}>{''.join(cells)}</tr>")
    return (
        f'<div class="kb-table-wrap" role="region" aria-label="{html.escape(name)}" '
        f'tabindex="0"><table class="kb-table kb-register"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )
