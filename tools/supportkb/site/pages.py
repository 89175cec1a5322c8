"""What the site shows besides the documents themselves: the generated pages (catalogs,
categories, tags, review calendar, register) and `SiteModel`, which the document pages'
header (`supportkb.site.header`) shares.

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

from supportkb.documents.findings import spreadsheet_cell
from supportkb.documents.model import DocType, Document, Status
from supportkb.documents.urls import mailto_url
from supportkb.workspace.freshness import Freshness, FreshnessRule
from supportkb.workspace.owners import OwnerRegistry
from supportkb.workspace.settings import KnowledgeBaseConfig

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
        """Name, id and a mailto link, for raw HTML (an address that is not valid: plain text)."""
        name, emails = self._owner_contact(owner)
        if not emails:
            return f"{esc(name)} ({code(owner)})"
        return f"{esc(name)} ({code(owner)}) · {_mail_link(emails, esc)}"

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
        """Name, id and a mailto link (a team without an address: its active members), for
        Markdown: the link is inline HTML, whose `href` holds only what `safe_url` let through,
        and every text is escaped for Markdown as well as HTML."""
        name, emails = self._owner_contact(owner)
        if not emails:
            return f"{md(name)} ({code(owner)})"
        return f"{md(name)} ({code(owner)}) · {_mail_link(emails, md)}"


def _mail_link(emails: list[str], escape: Callable[[object], str]) -> str:
    """A mailto link when every address is valid (see `supportkb.documents.urls`), else the text."""
    label = escape(", ".join(emails))
    url = mailto_url(emails)
    if url is None:
        return label
    return f'<a href="{esc(url)}">{label}</a>'


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
    due_dates = {d: rule.review_due(d) for d in site.documents if rule.is_held(d)}
    for title, low, high in buckets:
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


SEARCH_PAGE = "search-results.md"
SEARCH_RESULTS = """# 搜尋結果 Search results

<div id="kb-search-page" class="kb-search-page" markdown="0">
全文搜尋需要 <code>kb serve</code>；此處請使用頁首的搜尋框。
Full results need <code>kb serve</code>; here, use the search box at the top.
</div>
"""


def generated_pages(site: SiteModel) -> dict[str, str]:
    """Site path -> content of every generated page (and the CSV)."""
    pages = {CATALOGS[t]: catalog_page(site, t) for t in DocType}
    pages.update(category_pages(site))
    pages[TAGS_PAGE] = tags_page(site)
    pages[CALENDAR_PAGE] = review_calendar(site)
    pages[REGISTER_PAGE] = register_page(site)
    pages[SEARCH_PAGE] = SEARCH_RESULTS
    hidden_from_search = "---\nsearch:\n  exclude: true\n---\n\n"  # lists, not answers
    pages = {path: hidden_from_search + text for path, text in pages.items()}
    pages[REGISTER_CSV] = register_csv(site)
    return pages
