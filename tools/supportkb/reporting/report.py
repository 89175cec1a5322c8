"""`kb report`: what a team lead reads on Monday, and what a scheduled job posts.

Overdue and due-soon reviews grouped by owner, documents whose owner is inactive, emergency
plans with drills overdue, SOPs out of date with the product version, and health figures per
type and per owner; from `kb serve`'s analytics, what people searched for and did not find, and
what readers said of the pages (`supportkb.reporting.feedback`): per owner, the documents
flagged as not helpful or wrong since their last review, with the comments, and the articles
asked for from searches with no result.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from supportkb.documents.findings import spreadsheet_cell
from supportkb.documents.layout import locate
from supportkb.documents.model import Document, Status
from supportkb.documents.urls import mailto_url
from supportkb.documents.vocabulary import OVERDUE_LABEL
from supportkb.reporting.feedback import (
    DocumentFeedback,
    MissingRequest,
    flagged,
    missing_requests,
)
from supportkb.reporting.search_log import QueryCount, SearchLog, since_days
from supportkb.workspace.freshness import Freshness, FreshnessRule
from supportkb.workspace.knowledge_base import KnowledgeBase, ids_in_unreadable_files

SECTIONS = {
    "overdue": f"{OVERDUE_LABEL} Overdue reviews",
    "due_soon": "即將到期 Reviews due soon",
    "inactive_owner": "負責人已停用 Owner inactive",
    "drill_overdue": "演練逾期 Drills overdue",
    "product_outdated": "與產品版本不符 Out of date with the product version",
    "unreadable": "無法讀取 Front-matter that cannot be read",
}


@dataclass(frozen=True)
class ReportItem:
    section: str  # a key of SECTIONS
    id: str
    title: str
    type: str
    status: str
    owner: str
    path: str
    due: date | None
    detail: str


@dataclass(frozen=True)
class Health:
    group: str  # a document type or an owner id
    documents: int
    validated: float  # share of published documents
    overdue: float  # share of documents held to review dates that are overdue
    median_age_days: float | None  # days since the last review, of documents held to dates


@dataclass(frozen=True)
class Report:
    as_of: date
    items: tuple[ReportItem, ...]
    by_type: tuple[Health, ...]
    by_owner: tuple[Health, ...]
    owner_names: dict[str, str]
    owner_emails: dict[str, str]
    searches: SearchFigures | None = None
    feedback: FeedbackFigures | None = None


@dataclass(frozen=True)
class SearchFigures:
    """From `kb serve`'s analytics: what people looked for and did not find."""

    days: int
    no_result: tuple[QueryCount, ...]
    not_opened: tuple[QueryCount, ...]


@dataclass(frozen=True)
class FlaggedDocument:
    """A document readers flagged, with who owns it."""

    id: str
    title: str
    owner: str
    path: str
    feedback: DocumentFeedback


@dataclass(frozen=True)
class FeedbackFigures:
    """From `kb serve`'s feedback file: what readers said of the pages."""

    days: int
    flagged: tuple[FlaggedDocument, ...]  # by owner, then the most flagged first
    missing: tuple[MissingRequest, ...]


def feedback_figures(path: Path, kb: KnowledgeBase, as_of: date, days: int = 30) -> FeedbackFigures:
    """The documents flagged since their last review (in the last `days`), with their owners;
    flags on a document no longer in the knowledge base are left out."""
    since = since_days(as_of, days)
    by_id = {d.id: d for d in kb.documents}
    reviewed = {d.id: d.last_reviewed for d in kb.documents}
    documents = [
        FlaggedDocument(f.id, d.title, d.owner, d.path, f)
        for f in flagged(path, since, reviewed)
        if f.flags and (d := by_id.get(f.id)) is not None
    ]
    documents.sort(key=lambda d: d.owner)  # stable: the most flagged first within an owner
    return FeedbackFigures(days, tuple(documents), tuple(missing_requests(path, since)))


def search_figures(log: SearchLog, as_of: date, days: int = 30) -> SearchFigures:
    since = since_days(as_of, days)
    return SearchFigures(days, tuple(log.without_results(since)), tuple(log.not_opened(since)))


def build_report(
    kb: KnowledgeBase,
    as_of: date,
    searches: SearchFigures | None = None,
    feedback: FeedbackFigures | None = None,
) -> Report:
    rule = FreshnessRule(kb.config)
    documents = [d for d in kb.documents if d.status is not Status.ARCHIVED]
    items = [item for d in documents for item in _items(d, rule, kb, as_of)]
    items += _unreadable(kb)
    names = {p.id: p.name for p in kb.registry.people.values()}
    names |= {t.id: t.name for t in kb.registry.teams.values()}
    emails = {p.id: p.email for p in kb.registry.people.values()}
    emails |= {t.id: t.email or "" for t in kb.registry.teams.values()}
    return Report(
        as_of,
        tuple(
            sorted(
                items,
                key=lambda i: (list(SECTIONS).index(i.section), i.owner, i.due or as_of, i.id),
            )
        ),
        _health(documents, lambda d: d.type.value, rule, as_of),
        _health(documents, lambda d: d.owner, rule, as_of),
        names,
        emails,
        searches,
        feedback,
    )


def _unreadable(kb: KnowledgeBase) -> list[ReportItem]:
    """Files that are not in the figures because their front-matter cannot be read."""
    ids = {path: doc_id for doc_id, path in ids_in_unreadable_files(kb.root, kb.files).items()}
    items = []
    for path, result in kb.files.items():
        if result.document is None:
            location = locate(path)
            first = result.findings[0] if result.findings else None
            items.append(
                ReportItem(
                    "unreadable",
                    ids.get(path, ""),
                    "",
                    location.type.value if location else "",
                    "",
                    "-",
                    path,
                    None,
                    f"{first.code}: {first.message}" if first else "unreadable",
                )
            )
    return items


def _items(
    document: Document, rule: FreshnessRule, kb: KnowledgeBase, as_of: date
) -> Iterable[ReportItem]:
    def item(section: str, due: date | None, detail: str) -> ReportItem:
        return ReportItem(
            section,
            document.id,
            document.title,
            document.type.value,
            document.status.value,
            document.owner,
            document.path,
            due,
            detail,
        )

    review = rule.review_state(document, as_of)
    due = rule.review_due(document)
    if review is Freshness.OVERDUE and due is not None:
        yield item("overdue", due, f"{(as_of - due).days} 天 days overdue")
    elif review is Freshness.DUE_SOON and due is not None:
        yield item("due_soon", due, f"{(due - as_of).days} 天 days left")
    if (
        document.owner
        and kb.registry.knows(document.owner)
        and not kb.registry.is_active(document.owner)
    ):
        yield item("inactive_owner", None, f"owner {document.owner} is inactive")
    if rule.drill_state(document, as_of) is Freshness.OVERDUE:
        last = document.last_drill
        yield item(
            "drill_overdue",
            rule.drill_due(document),
            f"last drill {last.date}" if last else "never drilled",
        )
    if rule.is_held(document):
        for entry, current in rule.outdated_products(document):
            yield item(
                "product_outdated", None, f"{entry.product} {entry.versions or '*'} ≠ {current}"
            )


def _health(
    documents: list[Document], key: Callable[[Document], str], rule: FreshnessRule, as_of: date
) -> tuple[Health, ...]:
    groups: dict[str, list[Document]] = defaultdict(list)
    for document in documents:
        groups[key(document)].append(document)
    figures = []
    for group, members in sorted(groups.items()):
        held = [d for d in members if rule.is_held(d)]
        overdue = [d for d in held if rule.review_state(d, as_of) is Freshness.OVERDUE]
        ages = [(as_of - d.last_reviewed).days for d in held if d.last_reviewed]
        figures.append(
            Health(
                group,
                len(members),
                round(sum(d.status is Status.PUBLISHED for d in members) / len(members), 3),
                round(len(overdue) / len(held), 3) if held else 0.0,
                statistics.median(ages) if ages else None,
            )
        )
    return tuple(figures)


# --- formats ------------------------------------------------------------------------------


def as_json(report: Report) -> str:
    payload = {
        "format_version": 1,
        "as_of": report.as_of.isoformat(),
        "items": [{**asdict(i), "due": i.due.isoformat() if i.due else None} for i in report.items],
        "owners": {
            owner: {
                "name": report.owner_names.get(owner, owner),
                "email": report.owner_emails.get(owner, ""),
            }
            for owner in sorted({i.owner for i in report.items} - {"-"})
        },
        "health": {
            "by_type": [asdict(h) for h in report.by_type],
            "by_owner": [asdict(h) for h in report.by_owner],
        },
    }
    if report.searches is not None:
        payload["searches"] = {
            "days": report.searches.days,
            "no_result": [asdict(q) for q in report.searches.no_result],
            "not_opened": [asdict(q) for q in report.searches.not_opened],
        }
    if report.feedback is not None:
        payload["feedback"] = {
            "days": report.feedback.days,
            "flagged": [
                {
                    "id": d.id,
                    "title": d.title,
                    "owner": d.owner,
                    "path": d.path,
                    **{k: v for k, v in asdict(d.feedback).items() if k != "id"},
                }
                for d in report.feedback.flagged
            ],
            "missing": [asdict(m) for m in report.feedback.missing],
        }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "id", "title", "type", "status", "owner", "path", "due", "detail"])
    for i in report.items:
        due = i.due.isoformat() if i.due else ""
        row = [i.section, i.id, i.title, i.type, i.status, i.owner, i.path, due, i.detail]
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    for section, counts in _search_sections(report):
        for q in counts:
            row = [section, "", q.query, "", "", "", "", "", f"{q.searches} searches"]
            writer.writerow([spreadsheet_cell(cell) for cell in row])
    for row in _feedback_rows(report):
        writer.writerow([spreadsheet_cell(cell) for cell in row])
    return out.getvalue()


def _feedback_rows(report: Report) -> list[list[str]]:
    if report.feedback is None:
        return []
    rows = [
        ["feedback-flagged", d.id, d.title, "", "", d.owner, d.path, "", _detail(d.feedback)]
        for d in report.feedback.flagged
    ]
    rows += [
        ["feedback-missing", "", m.query, "", "", "", "", "", f"{m.requests} requests"]
        for m in report.feedback.missing
    ]
    return rows


def _detail(feedback: DocumentFeedback) -> str:
    """The counts, then the comments, in one cell."""
    comments = " / ".join(f"“{comment}”" for comment in feedback.comments)
    return _tally(feedback) + (f": {comments}" if comments else "")


def _tally(feedback: DocumentFeedback) -> str:
    return f"not helpful {feedback.not_helpful}, wrong {feedback.wrong}, helpful {feedback.helpful}"


def _search_sections(report: Report) -> list[tuple[str, tuple[QueryCount, ...]]]:
    if report.searches is None:
        return []
    return [
        ("search-no-result", report.searches.no_result),
        ("search-not-opened", report.searches.not_opened),
    ]


def as_markdown(report: Report) -> str:
    lines = [f"# 知識庫複審報告 Knowledge base report ({report.as_of})", ""]
    counts: dict[str, int] = defaultdict(int)
    for i in report.items:
        counts[i.section] += 1
    lines += [f"- {title}: **{counts[key]}**" for key, title in SECTIONS.items()] + [""]
    for key, title in SECTIONS.items():
        section = [i for i in report.items if i.section == key]
        if not section:
            continue
        lines += [f"## {title}", ""]
        for owner in sorted({i.owner for i in section}):
            email = report.owner_emails.get(owner)
            lines.append(
                f"### {_md(report.owner_names.get(owner, owner))} (`{_md(owner)}`)"
                + (f" · {_mail_link(email)}" if email else "")
            )
            lines.append("")
            for i in (x for x in section if x.owner == owner):
                due = f" · {i.due}" if i.due else ""
                lines.append(
                    f"- **{_md(i.id)}** [{_md(i.title)}](<{quote(i.path)}>) · {i.type} · "
                    f"{_md(i.detail)}{due}"
                )
            lines.append("")
    lines += ["## 健康指標 Health", ""]
    for heading, figures in (
        ("類型 By type", report.by_type),
        ("負責人 By owner", report.by_owner),
    ):
        lines += [
            f"### {heading}",
            "",
            "| | documents | validated | overdue | median days since review |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for h in figures:
            age = "–" if h.median_age_days is None else f"{h.median_age_days:g}"
            lines.append(
                f"| {_md(h.group)} | {h.documents} | {h.validated:.0%} | {h.overdue:.0%} | {age} |"
            )
        lines.append("")
    lines += _search_markdown(report)
    lines += _feedback_markdown(report)
    return "\n".join(lines)


def _search_markdown(report: Report) -> list[str]:
    """The knowledge base's to-do list, from what people searched for."""
    if report.searches is None:
        return []
    figures = report.searches
    lines = []
    for title, counts, note in (
        ("搜尋無結果 Searches with no result", figures.no_result, "Write or tag an article."),
        (
            "搜尋後未開啟 Searched but not opened",
            figures.not_opened,
            "Results were found but none was opened: titles or snippets may not say enough.",
        ),
    ):
        lines += [f"## {title} (last {figures.days} days)", "", note, ""]
        if not counts:
            lines += ["None.", ""]
            continue
        lines += ["| query | searches | results |", "| --- | ---: | ---: |"]
        lines += [f"| {_md(q.query)} | {q.searches} | {q.results} |" for q in counts]
        lines.append("")
    return lines


def _feedback_markdown(report: Report) -> list[str]:
    """What readers said: per owner, the documents flagged and their comments; then the
    articles asked for."""
    if report.feedback is None:
        return []
    figures = report.feedback
    lines = [
        f"## 讀者回報 Reader feedback (last {figures.days} days)",
        "",
        "Flagged as not helpful or wrong since the last review: read the comments, fix or "
        "review the document (a review closes its flags).",
        "",
    ]
    if not figures.flagged:
        lines += ["None.", ""]
    for owner in dict.fromkeys(d.owner for d in figures.flagged):
        email = report.owner_emails.get(owner)
        lines.append(
            f"### {_md(report.owner_names.get(owner, owner))} (`{_md(owner)}`)"
            + (f" · {_mail_link(email)}" if email else "")
        )
        lines.append("")
        for d in (x for x in figures.flagged if x.owner == owner):
            lines.append(
                f"- **{_md(d.id)}** [{_md(d.title)}](<{quote(d.path)}>) · {_md(_tally(d.feedback))}"
            )
            lines += [f"    - “{_md(comment)}”" for comment in d.feedback.comments]
        lines.append("")
    lines += [
        f"## 讀者要求的文章 Articles asked for (last {figures.days} days)",
        "",
        "Searches with no result whose reader asked for an article: write or tag one.",
        "",
    ]
    if not figures.missing:
        return [*lines, "None.", ""]
    lines += ["| query | requests |", "| --- | ---: |"]
    lines += [f"| {_md(m.query)} | {m.requests} |" for m in figures.missing]
    return [*lines, ""]


def _mail_link(email: str) -> str:
    """A Markdown mailto link for a valid address; any other value is plain escaped text."""
    url = mailto_url([email])
    return f"[{_md(email)}](<{url}>)" if url is not None else _md(email)


def _md(text: str) -> str:
    """Front-matter text in Markdown: no HTML, no links or tables smuggled in."""
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")


FORMATS: dict[str, Callable[[Report], str]] = {
    "markdown": as_markdown,
    "json": as_json,
    "csv": as_csv,
}
