"""What the site shows besides the documents themselves: the generated pages (catalogs,
categories, tags, review calendar, register; `GENERATED_PAGES` lists them) and `SiteModel`,
which the document pages' header (`supportkb.site.header`) shares.

Everything is computed from the document model; nothing here is hand-maintained and nothing
here knows about MkDocs. What a page holds is decided here; how it is written is its template
(`site/templates/*.md`, rendered by `SiteModel.render`, which a site may override). Every value
that comes from a front-matter is escaped (autoescape; `md` in Markdown): a title of `<script>`
is shown as text. Links are written to site source paths (`kb/vpn/x.md`) relative to the page
being rendered, so that MkDocs resolves and validates them.
"""

from __future__ import annotations

import functools
import html
import json
import posixpath
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import jinja2
from markupsafe import Markup

from supportkb.documents.layout import ARTICLES_DIR, EMERGENCY_DIR, POLICIES_DIR, SOPS_DIR
from supportkb.documents.model import DocType, Document, Status
from supportkb.documents.urls import mailto_url
from supportkb.documents.vocabulary import STATUS_TERMS
from supportkb.errors import FatalError
from supportkb.history.records import DocumentHistory
from supportkb.site import reference
from supportkb.site.provenance import BuildStamp, RepositoryHost
from supportkb.site.register import RegisterEntry, register_entries, register_html
from supportkb.site.register import register_csv as entries_csv
from supportkb.site.rendering import code, esc, md, template_environment
from supportkb.workspace.freshness import Freshness, FreshnessRule
from supportkb.workspace.owners import OwnerRegistry
from supportkb.workspace.settings import KnowledgeBaseConfig

# needs in documents/layout.py: the folder of each type (kept here meanwhile)
TYPE_FOLDERS = {
    DocType.ARTICLE: ARTICLES_DIR,
    DocType.SOP: SOPS_DIR,
    DocType.EMERGENCY_PLAN: EMERGENCY_DIR,
    DocType.POLICY: POLICIES_DIR,
}
INDEX_PAGE = "index.md"  # a folder's page
TAGS_PAGE = "tags.md"
CALENDAR_PAGE = "review-calendar.md"
REGISTER_PAGE = "register.md"
REGISTER_CSV = "register.csv"
SEARCH_PAGE = "search-results.md"
__all__ = ["code", "esc", "md"]  # the escapes, for the modules that render with this one


def template_problem(template: str, exc: jinja2.TemplateError) -> str:
    """Where a template failed (the file and line when Jinja knows them) and why."""
    where = getattr(exc, "filename", None)
    line = getattr(exc, "lineno", None)
    if where is None:  # an error while rendering: the template's frame in the traceback
        frames = traceback.extract_tb(exc.__traceback__)
        frame = next((f for f in reversed(frames) if f.filename.endswith(template)), None)
        where, line = (frame.filename, frame.lineno) if frame else (template, None)
    at = f"{where}:{line}" if line else where
    return f"the site template {at} cannot be rendered: {exc.message or type(exc).__name__}"


def relative_url(target: str, base: str) -> str:
    """A site URL (`kb/vpn/x/`) as seen from the page at URL `base`."""
    folder = base if base.endswith("/") or not base else posixpath.dirname(base) + "/"
    relative = posixpath.relpath("/" + target, "/" + folder)
    if target.endswith("/") or not target:
        relative = relative.rstrip("/") + "/"
    return "./" if relative == "./" or relative == "/" else relative


def due_time(rule: FreshnessRule, due: date | None, kind: str, as_of: date) -> Markup:
    """A due date the browser re-judges on the day it is read (`assets/freshness.js`): a
    `<time data-kb-due>`, marked overdue already when the freshness rule says so on the build
    day (the figure a reader without JavaScript sees)."""
    if due is None:
        return Markup("–")
    if rule.judge(due, as_of) is Freshness.OVERDUE:
        return Markup(
            f'<time class="kb-due kb-due--overdue" datetime="{due}" data-kb-due="{esc(kind)}">'
            f'{due}<span class="kb-due__flag">逾期</span></time>'
        )
    return Markup(f'<time class="kb-due" datetime="{due}" data-kb-due="{esc(kind)}">{due}</time>')


def status_badge(status: Status) -> Markup:
    """A status as the coloured badge the search results show (`kb-badge--ok|draft|retired`)."""
    terms = STATUS_TERMS[status]
    return Markup(f'<span class="kb-badge kb-badge--{terms.badge}">{esc(terms.label)}</span>')


@dataclass(frozen=True)
class SiteModel:
    """The published documents and what is needed to describe them."""

    documents: tuple[Document, ...]  # only those the build's audience may see
    registry: OwnerRegistry
    config: KnowledgeBaseConfig
    as_of: date  # the build date; pages carry due dates so that browsers re-judge them
    site_path: Callable[[str], str]  # repository path -> site source path
    url_of: Callable[[str], str] = lambda site_path: site_path  # site source path -> site URL
    templates: jinja2.Environment = field(default_factory=template_environment)
    # does the site's own docs folder hold this page? (the reference links only what exists)
    has_page: Callable[[str], bool] = lambda site_path: False
    # readers' open flags per document id (not helpful, wrong), from `kb serve`'s feedback file
    # in the checkout: the review calendar shows them; empty where nothing was recorded
    flags: Mapping[str, int] = field(default_factory=dict)
    audience: str = "internal"  # who the site is for (`supportkb.site.sources`)
    # documents the audience is told exist but may not read (restricted ones, in the internal
    # site): the register lists them by id, type, owner and status only
    listed_only: tuple[Document, ...] = ()
    # each published document's history by id (`supportkb.history`); empty without history
    histories: Mapping[str, DocumentHistory] = field(default_factory=dict)
    history_problem: str = ""  # why there is no history (not a git repository, shallow...)
    stamp: BuildStamp | None = None  # the commit the site is built from, the build day
    with_history: bool = False  # the `history` option: history pages, superseded versions
    repository: RepositoryHost | None = None  # repo_url on GitHub/GitLab: commits' pages

    def render(self, template: str, **variables: Any) -> str:
        """A template of `supportkb.site.rendering`'s environment, given this site too."""
        try:  # a failure is most likely in a theme's override: the user's file
            loaded = self.templates.get_template(template)
            return loaded.render(site=self, **variables)
        except jinja2.TemplateError as exc:
            raise FatalError(template_problem(template, exc)) from None

    def catalog(self, doc_type: DocType) -> str:
        """The site path of a type's catalog: the index page of its folder."""
        return self.site_path(f"{TYPE_FOLDERS[doc_type]}/{INDEX_PAGE}")

    def category_page(self, category: str) -> str:
        return self.site_path(f"{ARTICLES_DIR}/{category}/{INDEX_PAGE}")

    def category_name(self, category: str) -> str:
        """A category as the site shows it: its name in the configuration, else its folder."""
        return self.config.category_name(category)

    @property
    def rule(self) -> FreshnessRule:
        return FreshnessRule(self.config)

    @functools.cached_property
    def by_id(self) -> dict[str, Document]:
        return {d.id: d for d in self.documents}

    def href(self, site_path: str, from_page: str) -> str:
        """A page's URL as seen from another (for raw HTML, which MkDocs does not rewrite)."""
        return relative_url(self.url_of(site_path), self.url_of(from_page))

    def anchor(self, document: Document, from_page: str, text: str | None = None) -> Markup:
        """An HTML link to a document (for raw HTML, which MkDocs does not rewrite)."""
        href = self.href(self.site_path(document.path), from_page)
        label = text if text is not None else document.title
        return Markup(f'<a href="{html.escape(href, quote=True)}">{esc(label)}</a>')

    def link(self, document: Document, from_page: str, text: str | None = None) -> Markup:
        """A Markdown link to a document (MkDocs resolves and checks it)."""
        target = posixpath.relpath(
            self.site_path(document.path), posixpath.dirname(from_page) or "."
        )
        return Markup(f"[{md(text if text is not None else document.title)}](<{target}>)")

    def page_link(self, page: str, from_page: str, text: str) -> Markup:
        """A Markdown link to a site page; `text` is Markdown (escape front-matter values)."""
        return Markup(f"[{text}](<{posixpath.relpath(page, posixpath.dirname(from_page) or '.')}>)")

    def owner_html(self, owner: str) -> Markup:
        """Name, id and a mailto link, for raw HTML (an address that is not valid: plain text)."""
        name, emails = self.owner_contact(owner)
        if not emails:
            return Markup(f"{esc(name)} ({code(owner)})")
        return Markup(f"{esc(name)} ({code(owner)}) · {_mail_link(emails, esc)}")

    def owner_mailto(self, owner: str) -> tuple[str, str | None]:
        """The owner's name, and a mailto URL to them (a team without an address: its active
        members), None unless every address is valid."""
        name, emails = self.owner_contact(owner)
        return name, mailto_url(emails)

    def owner_contact(self, owner: str) -> tuple[str, list[str]]:
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

    def owner_text(self, owner: str) -> Markup:
        """Name, id and a mailto link (a team without an address: its active members), for
        Markdown: the link is inline HTML, whose `href` holds only what `safe_url` let through,
        and every text is escaped for Markdown as well as HTML."""
        name, emails = self.owner_contact(owner)
        if not emails:
            return Markup(f"{md(name)} ({code(owner)})")
        return Markup(f"{md(name)} ({code(owner)}) · {_mail_link(emails, md)}")


def _mail_link(emails: list[str], escape: Callable[[object], str]) -> str:
    """A mailto link when every address is valid (see `supportkb.documents.urls`), else the text."""
    label = escape(", ".join(emails))
    url = mailto_url(emails)
    if url is None:
        return label
    return f'<a href="{esc(url)}">{label}</a>'


def table_rows(
    site: SiteModel, documents: Iterable[Document], page: str
) -> list[dict[str, object]]:
    """Every column a table of documents may show (`document_table.html`), by document id."""
    rule, as_of = site.rule, site.as_of
    return [
        {
            "id": Markup(code(d.id)),
            "title": site.anchor(d, page),
            "type": d.type.label,
            "status": status_badge(d.status),
            "owner": d.owner,
            "due": due_time(rule, rule.review_due(d), "review", as_of) if rule.is_held(d) else "–",
            "version": d.version or "–",
            "effective": d.effective or "–",
            "approved": d.approved_by or "–",
            "last_reviewed": d.last_reviewed or "–",
            "last_drill": d.last_drill.date if d.last_drill else "–",
            "next_drill": (
                due_time(rule, rule.drill_due(d), "drill", as_of) if rule.is_held(d) else "–"
            ),
        }
        for d in sorted(documents, key=lambda d: d.id)
    ]


UNCATEGORISED = "未分類"  # the catalog's heading for the articles directly under kb/


def catalog_page(site: SiteModel, doc_type: DocType) -> str:
    """A type's catalog; the articles by category, each heading linking to the category's
    page, and last those directly under kb/ (no category: no page) under `UNCATEGORISED`."""
    page = site.catalog(doc_type)
    documents = [d for d in site.documents if d.type is doc_type]
    by_category: dict[str, list[Document]] = defaultdict(list)
    if doc_type is DocType.ARTICLE:
        for document in documents:
            by_category[document.category or ""].append(document)
    uncategorised = by_category.pop("", [])
    categories: list[tuple[str, str | None, list[dict[str, object]]]] = [
        (
            site.category_name(category),
            site.category_page(category),
            table_rows(site, members, page),
        )
        for category, members in sorted(by_category.items())
    ]
    if uncategorised:
        categories.append((UNCATEGORISED, None, table_rows(site, uncategorised, page)))
    return site.render(
        "catalog.md",
        page=page,
        doc_type=doc_type,
        type_label=doc_type.label,
        documents=documents,
        categories=categories,
        rows=table_rows(site, documents, page),
    )


def category_pages(site: SiteModel) -> dict[str, str]:
    pages: dict[str, list[Document]] = defaultdict(list)
    for document in site.documents:
        if document.type is DocType.ARTICLE and document.category:
            pages[site.category_page(document.category)].append(document)
    return {
        page: site.render(
            "category.md",
            page=page,
            category=site.category_name(members[0].category or ""),
            rows=table_rows(site, members, page),
        )
        for page, members in sorted(pages.items())
    }


def tags_page(site: SiteModel) -> str:
    by_tag: dict[str, list[Document]] = defaultdict(list)
    for document in site.documents:
        for tag in document.tags:
            by_tag[tag].append(document)
    tags = [
        (tag, sorted(members, key=lambda d: d.id))
        for tag, members in sorted(by_tag.items(), key=lambda item: item[0].casefold())
    ]
    return site.render("tags.md", page=TAGS_PAGE, tags=tags)


@dataclass(frozen=True)
class CalendarBucket:
    """A period of the review calendar, in days from the day read (the build's, until the
    browser re-sorts the rows: `assets/freshness.js`). `first` None: overdue; `last` None: later,
    a bucket kept hidden, that holds the rows a later day may bring into the others."""

    key: str
    title: str
    first: int | None
    last: int | None

    def holds(self, rule: FreshnessRule, due: date, as_of: date) -> bool:
        """Overdue is the freshness rule's to say; the other periods are the calendar's own."""
        if self.first is None:
            return rule.judge(due, as_of) is Freshness.OVERDUE
        days = (due - as_of).days
        return self.first <= days and (self.last is None or days <= self.last)


CALENDAR_BUCKETS = (
    CalendarBucket("overdue", "逾期", None, -1),
    CalendarBucket("within-30", "30 天內", 0, 30),
    CalendarBucket("within-60", "31–60 天", 31, 60),
    CalendarBucket("within-90", "61–90 天", 61, 90),
    CalendarBucket("later", "90 天以後", 91, None),
)


def review_calendar(site: SiteModel) -> str:
    rule, as_of = site.rule, site.as_of
    due_dates = {d: rule.review_due(d) for d in site.documents if rule.is_held(d)}
    dated = sorted(
        ((due, d) for d, due in due_dates.items() if due is not None),
        key=lambda item: (item[1].owner, item[0], item[1].id),
    )
    buckets = [
        (
            bucket,
            [
                {
                    "owner": d.owner,
                    "owner_html": site.owner_html(d.owner),
                    "due": due_time(rule, due, "review", as_of),
                    "id": Markup(code(d.id)),
                    "title": site.anchor(d, CALENDAR_PAGE),
                    "flags": site.flags.get(d.id, 0),
                }
                for due, d in dated
                if bucket.holds(rule, due, as_of)
            ],
        )
        for bucket in CALENDAR_BUCKETS
    ]
    return site.render(
        "review-calendar.md",
        page=CALENDAR_PAGE,
        as_of=as_of,
        buckets=buckets,
        with_flags=bool(site.flags),
    )


def site_register(site: SiteModel) -> tuple[RegisterEntry, ...]:
    """The register of this site's audience on its build day (`supportkb.site.register`)."""
    documents = site.documents + site.listed_only
    return register_entries(documents, site.histories, site.config, site.as_of, site.audience)


def register_page(site: SiteModel) -> str:
    entries = site_register(site)

    def link(entry: RegisterEntry) -> str | None:
        document = site.by_id.get(entry.id)
        return site.href(site.site_path(document.path), REGISTER_PAGE) if document else None

    def due(entry: RegisterEntry) -> str:
        return str(due_time(site.rule, entry.next_review, "review", site.as_of))

    return site.render(
        "register.md",
        page=REGISTER_PAGE,
        entries=entries,
        table=Markup(register_html(entries, link, due=due)),
        as_of=site.as_of,
        stamp=site.stamp,
        csv=REGISTER_CSV,
    )


def register_csv(site: SiteModel) -> str:
    return entries_csv(site_register(site))


HOME_MARKER = "<!-- supportkb:home -->"  # where the home page's overview goes (else: the end)


def home_page(site: SiteModel, markdown: str, page: str = INDEX_PAGE) -> str:
    """The home page: its search box under the title, then the author's text, with the
    overview (`home_section`) where the text puts `HOME_MARKER`, else at its end."""
    search = site.render("home-search.html", page=page, action=site.href(SEARCH_PAGE, page))
    lines = markdown.split("\n")
    title = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
    lines.insert(title + 1, "\n" + search.strip() + "\n")
    markdown = "\n".join(lines)
    overview = home_section(site, page)
    if HOME_MARKER in markdown:
        return markdown.replace(HOME_MARKER, overview, 1)
    return markdown + "\n" + overview


def home_section(site: SiteModel, page: str = INDEX_PAGE) -> str:
    """Recently reviewed, most opened (filled by the browser from `kb serve`), and the counts
    by type with the due dates the browser judges on the day the page is read."""
    rule, as_of = site.rule, site.as_of
    recent = sorted(
        (d for d in site.documents if d.last_reviewed and d.status is Status.PUBLISHED),
        key=lambda d: (d.last_reviewed or as_of, d.id),
        reverse=True,
    )[:8]
    held = [d for d in site.documents if rule.is_held(d)]
    state = {d: rule.review_state(d, as_of) for d in held}
    return site.render(
        "home.md",
        page=page,
        as_of=as_of,
        soon_days=site.config.due_soon_days,
        counts=[
            (
                t,
                t.label,
                site.catalog(t),
                sum(d.type is t for d in site.documents),
                sum(d.type is t and state[d] is Freshness.OVERDUE for d in held),
                sum(d.type is t and state[d] is Freshness.DUE_SOON for d in held),
            )
            for t in DocType
        ],
        dues=json.dumps(review_dues(site, held), sort_keys=True, separators=(",", ":")),
        overdue=[d for d in held if state[d] is Freshness.OVERDUE],
        recent=recent,
        calendar=CALENDAR_PAGE,
        register=REGISTER_PAGE,
        tags=TAGS_PAGE,
    )


def review_dues(site: SiteModel, held: Iterable[Document]) -> dict[str, dict[str, int]]:
    """Type -> review due date -> how many documents: what the browser counts as overdue or
    due soon on the day it reads the home page (dates shared by many documents, written once)."""
    dues: dict[str, dict[str, int]] = defaultdict(dict)
    for document in held:
        due = site.rule.review_due(document)
        if due is not None:
            by_date = dues[document.type.value]
            by_date[due.isoformat()] = by_date.get(due.isoformat(), 0) + 1
    return dict(dues)


PageWriter = Callable[[SiteModel], str]  # a generated page's Markdown, from the site
_HIDDEN_FROM_SEARCH = "---\nsearch:\n  exclude: true\n---\n\n"
# a page of wide tables: out of the search, and without the table of contents' column, so
# that every column shows at 1366 px
_TABLE_PAGE = "---\nsearch:\n  exclude: true\nhide:\n  - toc\n---\n\n"


def hidden_from_search(write: PageWriter) -> PageWriter:
    """A page the site's search leaves out: lists of documents, not answers."""
    return lambda site: _HIDDEN_FROM_SEARCH + write(site)


def table_page(write: PageWriter) -> PageWriter:
    """A page of tables of documents: left out of the search, the whole width for its table."""
    return lambda site: _TABLE_PAGE + write(site)


def site_free(write: Callable[[], str]) -> PageWriter:
    """A page that does not depend on the site's documents (the authors' reference)."""
    return lambda site: write()


def search_results_page(site: SiteModel) -> str:
    return site.render("search-results.md", page=SEARCH_PAGE)


# The generated pages: (site path, what writes its Markdown). Adding a page is adding a line.
# (The catalogs and the category pages are added by `generated_pages`: their paths depend on
# the site's folders and categories.)
GENERATED_PAGES: list[tuple[str, PageWriter]] = [
    (TAGS_PAGE, hidden_from_search(tags_page)),
    (CALENDAR_PAGE, table_page(review_calendar)),
    (REGISTER_PAGE, table_page(register_page)),
    (SEARCH_PAGE, hidden_from_search(search_results_page)),
    *((path, site_free(write)) for path, write in reference.PAGES),  # the authors' reference
    (reference.INDEX_PAGE, lambda site: reference.index_page(site.has_page)),
]


def generated_pages(site: SiteModel) -> dict[str, str]:
    """Site path -> content of every generated page (and the register's CSV). A page the
    site's own files already hold is the site's (the plugin leaves it alone)."""
    pages = {
        site.catalog(t): (_HIDDEN_FROM_SEARCH if t is DocType.ARTICLE else _TABLE_PAGE)
        + catalog_page(site, t)  # the articles' catalog keeps its contents: the categories
        for t in DocType
    }
    pages.update((path, _TABLE_PAGE + text) for path, text in category_pages(site).items())
    pages.update((path, write(site)) for path, write in GENERATED_PAGES)
    pages[REGISTER_CSV] = register_csv(site)
    return pages
