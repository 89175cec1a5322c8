"""What the site shows, as Markdown: a panel and banners on every document page, and the
generated pages (catalogs, categories, tags, review calendar, register).

Everything is computed from the document model; nothing here is hand-maintained and nothing
here knows about MkDocs. Every value that comes from a front-matter is escaped (`md`): a title
of `<script>` is shown as text. Links are written to site source paths (`kb/vpn/x.md`) relative
to the page being rendered, so that MkDocs resolves and validates them.
"""

from __future__ import annotations

import csv
import functools
import html
import io
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from supportkb.config import KnowledgeBaseConfig
from supportkb.findings import spreadsheet_cell
from supportkb.freshness import Freshness, FreshnessRule
from supportkb.model import DocType, Document, Status
from supportkb.owners import OwnerRegistry

TYPE_NAMES = {
    DocType.ARTICLE: "知識庫文章 KB article",
    DocType.SOP: "標準作業程序 SOP",
    DocType.EMERGENCY_PLAN: "應變計畫 Emergency plan",
    DocType.POLICY: "管理辦法 Policy",
}
STATUS_NAMES = {
    Status.DRAFT: "草稿 Draft",
    Status.IN_REVIEW: "審查中 In review",
    Status.PUBLISHED: "已驗證 Validated",
    Status.DEPRECATED: "已淘汰 Deprecated",
    Status.ARCHIVED: "已封存 Archived",
}
CATALOGS = {
    DocType.ARTICLE: "kb/index.md",
    DocType.SOP: "sops/index.md",
    DocType.EMERGENCY_PLAN: "sops/emergency/index.md",
    DocType.POLICY: "policies/index.md",
}
TAGS_PAGE = "tags.md"
CALENDAR_PAGE = "review-calendar.md"
REGISTER_PAGE = "register.md"
REGISTER_CSV = "register.csv"
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def code(value: object) -> str:
    """Front-matter text shown as code (ids, tags): backslash escapes do not work in code spans."""
    return f"<code>{html.escape(str(value), quote=True)}</code>"


def esc(value: object) -> str:
    """Front-matter text inside raw HTML."""
    return html.escape(str(value), quote=True)


def relative_url(target: str, base: str) -> str:
    """A site URL (`kb/vpn/x/`) as seen from the page at URL `base`."""
    folder = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    relative = posixpath.relpath("/" + target, "/" + folder)
    if target.endswith("/") or not target:
        relative = relative.rstrip("/") + "/"
    return "./" if relative == "./" or relative == "/" else relative


def md(value: object) -> str:
    """Front-matter text made inert in Markdown and HTML."""
    text = html.escape(str(value), quote=True).replace("\n", " ")
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)


@dataclass(frozen=True)
class SiteModel:
    """The published documents and what is needed to describe them."""

    documents: tuple[Document, ...]  # only those the build's audience may see
    registry: OwnerRegistry
    config: KnowledgeBaseConfig
    as_of: date  # the build date; pages carry due dates so that browsers re-judge them
    site_path: Callable[[str], str]  # repository path -> site source path
    url_of: Callable[[str], str] = lambda site_path: site_path  # site source path -> site URL

    @property
    def rule(self) -> FreshnessRule:
        return FreshnessRule(self.config)

    @functools.cached_property
    def by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}

    def anchor(self, document: Document, from_page: str, text: str | None = None) -> str:
        """An HTML link to a document (for raw HTML, which MkDocs does not rewrite)."""
        here = self.url_of(from_page)
        href = relative_url(self.url_of(self.site_path(document.path)), here)
        label = text if text is not None else document.title
        return f'<a href="{html.escape(href, quote=True)}">{esc(label)}</a>'

    def link(self, document: Document, from_page: str, text: str | None = None) -> str:
        target = posixpath.relpath(
            self.site_path(document.path), posixpath.dirname(from_page) or "."
        )
        return f"[{md(text if text is not None else document.title)}](<{target}>)"

    def page_link(self, page: str, from_page: str, text: str) -> str:
        return f"[{text}](<{posixpath.relpath(page, posixpath.dirname(from_page) or '.')}>)"

    def owner_html(self, owner: str) -> str:
        name, emails = self._owner_contact(owner)
        if not emails:
            return f"{esc(name)} ({code(owner)})"
        address = esc(",".join(emails))
        return (
            f'{esc(name)} ({code(owner)}) · <a href="mailto:{address}">{esc(", ".join(emails))}</a>'
        )

    def _owner_contact(self, owner: str) -> tuple[str, list[str]]:
        person = self.registry.people.get(owner)
        team = self.registry.teams.get(owner)
        name = person.name if person else team.name if team else owner
        if person:
            emails = [person.email]
        elif team:
            emails = (
                [team.email]
                if team.email
                else [p.email for p in self.registry.active_members(owner)]
            )
        else:
            emails = []
        return name, [e for e in emails if e]

    def owner_text(self, owner: str) -> str:
        """Name, id and a mailto link (a team without an address: its active members)."""
        name, emails = self._owner_contact(owner)
        if not emails:
            return f"{md(name)} ({code(owner)})"
        address = html.escape(",".join(emails), quote=True)
        return f"{md(name)} ({code(owner)}) · [{md(', '.join(emails))}](mailto:{address})"


# --- document pages -------------------------------------------------------------------------


def document_header(site: SiteModel, document: Document, page: str) -> str:
    """Banners and the metadata panel, placed under the page's title."""
    rule = site.rule
    review_due = rule.review_due(document) if rule.is_held(document) else None
    drill_due = rule.drill_due(document) if rule.is_held(document) else None
    parts = [
        f'<div class="kb-doc" data-kb-id="{html.escape(document.id)}" '
        f'data-kb-due-soon-days="{site.config.due_soon_days}">',
        *_banners(site, document, page, review_due, drill_due),
        _panel(site, document, page, review_due, drill_due),
        "</div>",
    ]
    # one raw HTML block, no blank line inside: Markdown passes it through untouched (fast)
    return "\n".join(parts) + "\n"


def _banner(
    kind: str,
    level: str,
    title: str,
    text: str,
    due: date | None = None,
    when: str | None = None,
    shown: bool = True,
) -> str:
    data = f' data-kb-when="{when}" data-kb-due="{due.isoformat()}"' if due and when else ""
    hidden = "" if shown else " hidden"
    return (  # banners say nothing about the content: kept out of the search index
        f'<div class="admonition {level} kb-banner kb-banner--{kind}"{data}{hidden} '
        f'data-search-exclude><p class="admonition-title">{title}</p><p>{text}</p></div>'
    )


def _banners(
    site: SiteModel, document: Document, page: str, review_due: date | None, drill_due: date | None
) -> Iterable[str]:
    rule, as_of = site.rule, site.as_of
    if review_due is not None:
        state = rule.judge(review_due, as_of)
        yield _banner(
            "review-overdue",
            "danger",
            "逾期未複審 Review overdue",
            f"本文件應於 {review_due} 前複審，內容可能已過時。Due for review on {review_due}: "
            "check it before relying on it.",
            review_due,
            "overdue",
            state is Freshness.OVERDUE,
        )
        yield _banner(
            "review-due-soon",
            "warning",
            "即將到期 Review due soon",
            f"本文件將於 {review_due} 到期複審。Review due on {review_due}.",
            review_due,
            "due-soon",
            state is Freshness.DUE_SOON,
        )
    if drill_due is not None:
        yield _banner(
            "drill-overdue",
            "danger",
            "演練逾期 Drill overdue",
            f"本計畫應於 {drill_due} 前完成演練。A drill was due on {drill_due}.",
            drill_due,
            "overdue",
            rule.judge(drill_due, as_of) is Freshness.OVERDUE,
        )
    if rule.is_held(document):
        for entry, current in rule.outdated_products(document):
            yield _banner(
                "product-outdated",
                "danger",
                "與產品版本不符 Out of date with the product",
                f"本文件適用 {esc(entry.product)} {esc(entry.versions or '*')}，目前版本為 "
                f"{esc(current)}。Written for {esc(entry.product)} {esc(entry.versions or '*')}; "
                f"the current version is {esc(current)}.",
            )
    if document.status in (Status.DRAFT, Status.IN_REVIEW):
        yield _banner(
            "not-validated",
            "warning",
            "尚未驗證 Not validated",
            f"本文件狀態為「{STATUS_NAMES[document.status]}」，內容尚未經負責人驗證。"
            "This document has not been validated yet.",
        )
    if document.status.is_retired:
        successor = next((d for d in site.documents if d.supersedes == document.id), None)
        text = "本文件已停止維護。This document is retired."
        if successor is not None:
            label = f"{successor.id} {successor.title}"
            text += f" 請改用 Use instead: {site.anchor(successor, page, label)}"
        yield _banner("retired", "failure", STATUS_NAMES[document.status], text)


def _panel(
    site: SiteModel, document: Document, page: str, review_due: date | None, drill_due: date | None
) -> str:
    rows: list[tuple[str, str]] = [
        ("編號 ID", f"{code(document.id)}"),
        (
            "類型 Type",
            TYPE_NAMES[document.type] + (f" · {esc(document.kind)}" if document.kind else ""),
        ),
        ("狀態 Status", STATUS_NAMES[document.status]),
        ("負責人 Owner", site.owner_html(document.owner)),
    ]

    def value(text: object) -> str | None:
        return esc(text) if text else None

    optional = [
        ("版本 Version", value(document.version)),
        ("生效日 Effective", value(document.effective)),
        (
            "核准人 Approved by",
            site.owner_html(document.approved_by) if document.approved_by else None,
        ),
        ("最近複審 Last reviewed", value(document.last_reviewed)),
        ("下次複審 Next review", value(review_due)),
        ("最近演練 Last drill", value(document.last_drill.date if document.last_drill else None)),
        ("下次演練 Next drill", value(drill_due)),
        ("標籤 Tags", " ".join(f"{code(tag)}" for tag in document.tags) or None),
        (
            "適用 Applies to",
            ", ".join(f"{esc(a.product)} {esc(a.versions or '*')}" for a in document.applies_to)
            or None,
        ),
    ]
    rows += [(name, text) for name, text in optional if text]
    related = _related(site, document, page)
    if related:
        rows.append(("相關文件 Related", related))
    table = "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in rows)
    prefix, _, number = document.id.partition("-")  # the browser's search splits KB-0002
    words = (document.id, prefix + number, number, *document.tags)
    keys = " ".join(html.escape(str(word)) for word in words)
    return (  # the panel's labels are noise to search; the id and tags are not
        f'<div class="kb-meta" data-search-exclude><table><tbody>{table}</tbody></table></div>\n'
        f'<p class="kb-search-keys" hidden>{keys}</p>'
    )


def _related(site: SiteModel, document: Document, page: str) -> str:
    known = site.by_id
    links = [
        site.anchor(known[i], page, f"{i} {known[i].title}") for i in document.related if i in known
    ]
    if document.supersedes in known:
        old = known[str(document.supersedes)]
        links.append("取代 Supersedes " + site.anchor(old, page, f"{old.id} {old.title}"))
    return "<br>".join(links)


def insert_header(markdown: str, header: str) -> str:
    """The header goes right after the first level-1 heading, or first when there is none."""
    match = re.search(r"^# .*$", markdown, re.MULTILINE)
    if match is None:
        return header + "\n" + markdown
    return markdown[: match.end()] + "\n\n" + header + markdown[match.end() :]


# --- generated pages ------------------------------------------------------------------------


def _document_table(
    site: SiteModel,
    documents: Iterable[Document],
    page: str,
    columns: tuple[str, ...] = ("id", "title", "status", "owner", "due"),
) -> list[str]:
    """An HTML table (one line: Markdown passes raw HTML through without parsing it)."""
    headers = {
        "id": "編號 ID",
        "title": "標題 Title",
        "status": "狀態 Status",
        "owner": "負責人 Owner",
        "due": "下次複審 Next review",
        "version": "版本 Version",
        "effective": "生效日 Effective",
        "approved": "核准人 Approved by",
        "last_drill": "最近演練 Last drill",
        "next_drill": "下次演練 Next drill",
        "category": "類別 Category",
    }
    rule = site.rule
    cells: dict[str, Callable[[Document], str]] = {
        "id": lambda d: f"{code(d.id)}",
        "title": lambda d: site.anchor(d, page),
        "status": lambda d: STATUS_NAMES[d.status],
        "owner": lambda d: esc(d.owner),
        "due": lambda d: esc(rule.review_due(d) or "–") if rule.is_held(d) else "–",
        "version": lambda d: esc(d.version or "–"),
        "effective": lambda d: esc(d.effective or "–"),
        "approved": lambda d: esc(d.approved_by or "–"),
        "last_drill": lambda d: esc(d.last_drill.date if d.last_drill else "–"),
        "next_drill": lambda d: esc(rule.drill_due(d) or "–"),
        "category": lambda d: esc(d.category or "–"),
    }
    head = "".join(f"<th>{headers[c]}</th>" for c in columns)
    rows = "".join(
        "<tr>" + "".join(f"<td>{cells[c](d)}</td>" for c in columns) + "</tr>"
        for d in sorted(documents, key=lambda d: d.id)
    )
    return [f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"]


def catalog_page(site: SiteModel, doc_type: DocType) -> str:
    page = CATALOGS[doc_type]
    documents = [d for d in site.documents if d.type is doc_type]
    lines = [
        f"# {TYPE_NAMES[doc_type]}",
        "",
        f"共 {len(documents)} 份 · {len(documents)} documents",
        "",
    ]
    if doc_type is DocType.ARTICLE:
        by_category: dict[str, list[Document]] = defaultdict(list)
        for document in documents:
            by_category[document.category or "-"].append(document)
        for category, members in sorted(by_category.items()):
            target = f"kb/{category}/index.md"
            lines += [f"## {site.page_link(target, page, md(category))} ({len(members)})", ""]
            lines += [*_document_table(site, members, page), ""]
        return "\n".join(lines)
    columns = {
        DocType.SOP: ("id", "title", "version", "status", "owner", "approved", "due"),
        DocType.EMERGENCY_PLAN: (
            "id",
            "title",
            "version",
            "status",
            "owner",
            "last_drill",
            "next_drill",
            "due",
        ),
        DocType.POLICY: ("id", "title", "version", "effective", "status", "approved", "due"),
    }[doc_type]
    return "\n".join(lines + _document_table(site, documents, page, columns) + [""])


def category_pages(site: SiteModel) -> dict[str, str]:
    pages: dict[str, list[Document]] = defaultdict(list)
    for document in site.documents:
        if document.type is DocType.ARTICLE and document.category:
            pages[f"kb/{document.category}/index.md"].append(document)
    return {
        page: "\n".join(
            [
                f"# 類別 Category: {md(members[0].category)}",
                "",
                *_document_table(site, members, page, ("id", "title", "status", "owner", "due")),
                "",
            ]
        )
        for page, members in sorted(pages.items())
    }


def tags_page(site: SiteModel) -> str:
    by_tag: dict[str, list[Document]] = defaultdict(list)
    for document in site.documents:
        for tag in document.tags:
            by_tag[tag].append(document)
    lines = ["# 標籤 Tags", ""]
    for tag, members in sorted(by_tag.items(), key=lambda item: item[0].casefold()):
        lines += [f"## {md(tag)}", ""]
        items = "".join(
            f"<li>{code(d.id)} {site.anchor(d, TAGS_PAGE)}</li>"
            for d in sorted(members, key=lambda d: d.id)
        )
        lines.append(f"<ul>{items}</ul>")
        lines.append("")
    return "\n".join(lines)


def review_calendar(site: SiteModel) -> str:
    rule, as_of = site.rule, site.as_of
    buckets = [
        ("逾期 Overdue", None, -1),
        ("30 天內 Within 30 days", 0, 30),
        ("31–60 天 31 to 60 days", 31, 60),
        ("61–90 天 61 to 90 days", 61, 90),
    ]
    lines = [
        "# 複審行事曆 Review calendar",
        "",
        f"以 {as_of} 建置時的資料計算。As of the build on {as_of}.",
        "",
    ]
    for title, low, high in buckets:
        due_dates = {d: rule.review_due(d) for d in site.documents if rule.is_held(d)}
        members = [
            d
            for d, due in due_dates.items()
            if due is not None and _in_bucket(due, as_of, low, high)
        ]
        lines += [f"## {title} ({len(members)})", ""]
        by_owner: dict[str, list[Document]] = defaultdict(list)
        for document in members:
            by_owner[document.owner].append(document)
        for owner, owned in sorted(by_owner.items()):
            lines += [f"### {site.owner_text(owner)}", ""]
            for document in sorted(owned, key=lambda d: (due_dates[d] or as_of, d.id)):
                link = site.link(document, CALENDAR_PAGE)
                lines.append(f"- {md(due_dates[document])} · {code(document.id)} {link}")
            lines.append("")
    return "\n".join(lines)


def _in_bucket(due: date, as_of: date, low: int | None, high: int) -> bool:
    if low is None:
        return due < as_of
    return low <= (due - as_of).days <= high


REGISTER_COLUMNS = (
    "id",
    "title",
    "type",
    "version",
    "status",
    "owner",
    "approved_by",
    "effective",
    "last_reviewed",
    "next_review",
    "path",
)


def register_rows(site: SiteModel) -> list[list[str]]:
    rule = site.rule
    rows = []
    for d in sorted(site.documents, key=lambda d: d.id):
        due = rule.review_due(d) if rule.is_held(d) else None
        rows.append(
            [
                d.id,
                d.title,
                d.type.value,
                d.version or "",
                d.status.value,
                d.owner,
                d.approved_by or "",
                str(d.effective or ""),
                str(d.last_reviewed or ""),
                str(due or ""),
                site.site_path(d.path),
            ]
        )
    return rows


def register_page(site: SiteModel) -> str:
    lines = [
        "# 文件清單 Document register",
        "",
        f"所有受控文件，共 {len(site.documents)} 份。All controlled documents. "
        f"[下載 CSV Download CSV]({REGISTER_CSV})",
        "",
    ]
    columns = (
        "編號 ID",
        "標題 Title",
        "類型 Type",
        "版本 Version",
        "狀態 Status",
        "負責人 Owner",
        "核准人 Approved by",
        "生效日 Effective",
        "最近複審 Last reviewed",
        "下次複審 Next review",
    )
    by_id = site.by_id
    rows = []
    for row in register_rows(site):
        cells = [
            code(row[0]),
            site.anchor(by_id[row[0]], REGISTER_PAGE),
            *(esc(v or "–") for v in row[2:10]),
        ]
        rows.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    head = "".join(f"<th>{column}</th>" for column in columns)
    lines.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>")
    return "\n".join([*lines, ""])


def register_csv(site: SiteModel) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REGISTER_COLUMNS)
    for row in register_rows(site):
        writer.writerow([spreadsheet_cell(v) for v in row])
    return "\ufeff" + out.getvalue()  # Excel opens UTF-8 CSV with Chinese correctly only with a BOM


def home_section(site: SiteModel, page: str = "index.md") -> str:
    rule, as_of = site.rule, site.as_of
    counts = {t: sum(d.type is t for d in site.documents) for t in DocType}
    overdue = [d for d in site.documents if rule.review_state(d, as_of) is Freshness.OVERDUE]
    recent = sorted(
        (d for d in site.documents if d.last_reviewed and d.status is Status.PUBLISHED),
        key=lambda d: (d.last_reviewed or as_of, d.id),
        reverse=True,
    )[:8]
    lines = ["", "## 文件概況 At a glance", "", "| 類型 Type | 份數 Documents |", "| --- | ---: |"]
    lines += [
        f"| {site.page_link(CATALOGS[t], page, TYPE_NAMES[t])} | {counts[t]} |" for t in DocType
    ]
    lines += [
        "",
        f"逾期未複審 Overdue for review: **{len(overdue)}** · "
        f"{site.page_link(CALENDAR_PAGE, page, '複審行事曆 Review calendar')} · "
        f"{site.page_link(REGISTER_PAGE, page, '文件清單 Register')} · "
        f"{site.page_link(TAGS_PAGE, page, '標籤 Tags')}",
        "",
        "## 最近更新 Recently reviewed",
        "",
    ]
    lines += [f"- {md(d.last_reviewed)} · {code(d.id)} {site.link(d, page)}" for d in recent]
    return "\n".join([*lines, ""])


def generated_pages(site: SiteModel) -> dict[str, str]:
    """Site path -> content of every generated page (and the CSV)."""
    pages = {CATALOGS[t]: catalog_page(site, t) for t in DocType}
    pages.update(category_pages(site))
    pages[TAGS_PAGE] = tags_page(site)
    pages[CALENDAR_PAGE] = review_calendar(site)
    pages[REGISTER_PAGE] = register_page(site)
    hidden_from_search = "---\nsearch:\n  exclude: true\n---\n\n"  # lists, not answers
    pages = {path: hidden_from_search + text for path, text in pages.items()}
    pages[REGISTER_CSV] = register_csv(site)
    return pages
