"""The history of each document on the site, for auditors, from `supportkb.history`.

- A history page per controlled document (SOP, emergency plan, policy; an article's history
  is `kb history`'s) at a stable address by id (`history/POL-0003/`), linked from the
  document's trust line: its versions newest first (status, effective date, approver,
  approval date, change, commit, date, author), the one in force on the build day, and the
  reviews recorded.
- Every earlier approved version of a controlled document (SOP, emergency plan, policy),
  read-only at a stable address (`history/POL-0003/1.1/`): a banner "已被取代，非現行版本"
  linking the version in force, its text, and a comparison with the next version. No edit
  link, left out of the site's search, of sitemap.xml, and marked `noindex` (the plugin does
  those three with `superseded_pages`).

Audiences: only the documents of the site (`SiteModel.documents`) have a history here, and a
version whose own front-matter was for a narrower audience (a document once restricted) is
left out with its text. Without history (the `history` option off) there are no such pages;
when git cannot give it (not a repository, a shallow clone) the history page says why.

The old texts are rendered here to HTML, not by MkDocs: links written relative to the
document's folder would not resolve from `history/` (and a document named then may be gone),
so relative links and images become their text; MkDocs never sees them, so a strict build
does not fail on them. The plugin puts that HTML where the page's Markdown holds a slot.
"""

from __future__ import annotations

import functools
import html
import importlib
import json
import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from supportkb.documents.model import DocType, Document
from supportkb.documents.source import read_source
from supportkb.history.comparison import Side, comparison_fragment
from supportkb.history.records import DocumentHistory, Version
from supportkb.site.pages import SiteModel
from supportkb.site.sources import visible_to

HISTORY_FOLDER = "history"
SUPERSEDED_BANNER = "已被取代，非現行版本"
IN_FORCE_BANNER = "現行版本（文件頁面顯示的是尚未生效的新版本）"
CONTROLLED = frozenset({DocType.SOP, DocType.EMERGENCY_PLAN, DocType.POLICY})
OLD_TEXT_EXTENSIONS = ("tables", "admonition", "fenced_code")  # md_in_html: half the time
_SLUG = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,40}")
_RELATIVE_LINK = re.compile(
    r'<a\s[^>]*?href="(?!https?:|mailto:|#)[^"]*"[^>]*>(.*?)</a>', re.DOTALL | re.IGNORECASE
)
_RELATIVE_IMAGE = re.compile(r'<img\s[^>]*?src="(?!https?:)[^"]*"[^>]*>', re.IGNORECASE)
_FIRST_TITLE = re.compile(r"\A\s*# [^\n]*\n")
SLOT = '<div class="kb-slot" data-kb-slot="{name}"></div>'


def has_history_page(document: Document) -> bool:
    """The controlled documents have a history on the site (`kb history` shows an article's:
    on the site its pages would cost more than the rest of the site's articles)."""
    return document.type in CONTROLLED


def history_page(doc_id: str) -> str:
    """The site path of a document's history page."""
    return f"{HISTORY_FOLDER}/{doc_id}/index.md"


@dataclass(frozen=True)
class SupersededPage:
    """An approved version published read-only: an earlier one, superseded; or the one in
    force when the document's file has moved on to a version not in force yet (in review,
    or approved to take effect later), so that what is in force can be read (`in_force`)."""

    document: Document  # the document as it is now
    version: Version
    site_path: str  # history/POL-0003/1.1.md
    newer: Version | None  # the next version shown to this audience, for the comparison
    in_force: bool = False  # the version in force on the build day, not the file's own


def visible_versions(site: SiteModel, history: DocumentHistory) -> tuple[Version, ...]:
    """The versions this audience may see: those whose own front-matter allowed it."""
    return tuple(v for v in history.versions if _visible(site, v))


def _visible(site: SiteModel, version: Version) -> bool:
    documents = [r.document for r in version.revisions if r.document is not None]
    return all(visible_to(site.audience, d.visibility) for d in documents)


def superseded_pages(site: SiteModel) -> dict[str, SupersededPage]:
    """Site path -> every superseded version of the site's controlled documents."""
    pages: dict[str, SupersededPage] = {}
    for document in site.documents:
        history = site.histories.get(document.id)
        if history is None or document.type not in CONTROLLED:
            continue
        shown = visible_versions(site, history)
        taken: set[str] = set()
        in_force = in_force_copy(site, history)
        published = (*history.superseded(site.as_of), *((in_force,) if in_force else ()))
        for version in published:
            if version not in shown:
                continue
            slug = _slug(version, taken)
            index = shown.index(version)
            newer = shown[index - 1] if index > 0 else None
            path = f"{HISTORY_FOLDER}/{document.id}/{slug}.md"
            pages[path] = SupersededPage(document, version, path, newer, version is in_force)
    return pages


def in_force_copy(site: SiteModel, history: DocumentHistory) -> Version | None:
    """The version in force on the build day when it is not the file's latest (which the
    document's page shows): it needs a page of its own."""
    in_force = history.in_force_on(site.as_of)
    if in_force is None or in_force is history.current or not _visible(site, in_force):
        return None
    return in_force


def version_page(site: SiteModel, doc_id: str, version: Version) -> str | None:
    """The site path of a version's read-only page, if it has one."""
    for path, page in site_superseded(site).items():
        if page.document.id == doc_id and page.version is version:
            return path
    return None


def site_superseded(site: SiteModel) -> dict[str, SupersededPage]:
    """`superseded_pages`, computed once per site model."""
    cached = _CACHE.get(id(site))
    if cached is None or cached[0] is not site:
        cached = (site, superseded_pages(site) if site.with_history else {})
        _CACHE.clear()  # one site at a time
        _CACHE[id(site)] = cached
    return cached[1]


_CACHE: dict[int, tuple[SiteModel, dict[str, SupersededPage]]] = {}


def _slug(version: Version, taken: set[str]) -> str:
    """A version's address: its name (`1.1`) when it makes one, else its commit; a name
    seen twice (a version brought back) gets its commit too."""
    name = version.version or ""
    slug = name if _SLUG.fullmatch(name) and name not in ("index", ".", "..") else ""
    if not slug or slug in taken:
        slug = f"{slug}-{version.commit[:10]}" if slug else version.commit[:10]
    taken.add(slug)
    return slug


def history_pages(site: SiteModel) -> dict[str, str]:
    """Site path -> Markdown of every history page and superseded version (none when the
    `history` option is off)."""
    if not site.with_history:
        return {}
    superseded = site_superseded(site)
    by_version = {(p.document.id, p.version.commit): p.site_path for p in superseded.values()}
    pages = {
        history_page(d.id): _history_markdown(site, d, by_version)
        for d in site.documents
        if has_history_page(d)
    }
    pages.update((path, _superseded_markdown(site, page)) for path, page in superseded.items())
    return pages


def _front_matter(title: str, hide_toc: bool = False) -> str:
    """The generated page's front-matter: out of the search, and its title given as a value
    (escaped with every front-matter value) rather than taken from its heading, which MkDocs
    un-escapes into `<title>`: a title holding `</title><meta http-equiv=refresh ...>` would
    have redirected the reader. JSON's string is a YAML double-quoted scalar."""
    hide = "hide:\n  - toc\n" if hide_toc else ""
    return f"---\ntitle: {json.dumps(title)}\nsearch:\n  exclude: true\n{hide}---\n\n"


def version_title(document: Document, version: Version) -> str:
    """A version's own title (it may have been renamed since)."""
    own = [r.document.title for r in version.revisions if r.document is not None]
    return own[-1] if own else document.title


def _history_markdown(
    site: SiteModel, document: Document, by_version: dict[tuple[str, str], str]
) -> str:
    page = history_page(document.id)
    history = site.histories.get(document.id)
    in_force = history.in_force_on(site.as_of) if history is not None else None
    versions = visible_versions(site, history) if history is not None else ()
    rows = [
        {
            "version": v,
            "in_force": v is in_force,
            "page": (
                site.href(by_version[(document.id, v.commit)], page)
                if (document.id, v.commit) in by_version
                else None
            ),
            "commit": commit_cell(site, v.commit),
        }
        for v in versions
    ]
    reviews = (
        [
            (r, commit_cell(site, r.commit))
            for r in history.reviews
            if r.version is None or any(v.version == r.version for v in versions)
        ]
        if history is not None
        else []
    )
    return _front_matter(f"版本歷程：{document.id} {document.title}", hide_toc=True) + site.render(
        "history.md",
        page=page,
        document=document,
        document_link=site.link(document, page, f"{document.id} {document.title}"),
        problem=site.history_problem if history is None else "",
        in_force=in_force,
        rows=rows,
        reviews=reviews,
        as_of=site.as_of,
    )


def _superseded_markdown(site: SiteModel, superseded: SupersededPage) -> str:
    document, version = superseded.document, superseded.version
    page = superseded.site_path
    history = site.histories[document.id]
    in_force = history.in_force_on(site.as_of)
    in_force_page = version_page(site, document.id, in_force) if in_force else None
    current_link = site.anchor(document, page, f"{document.id} {document.title}")
    if in_force is not None and in_force_page is not None and in_force_page != page:
        label = f"{document.id} {document.title}"
        href = html.escape(site.href(in_force_page, page), quote=True)
        current_link = Markup(f'<a href="{href}">{html.escape(label)}</a>')
    title = version_title(document, version)
    name = version.version or version.commit[:10]
    return _front_matter(f"{document.id} {title}（版本 {name}）") + site.render(
        "superseded.md",
        page=page,
        document=document,
        title=title,
        version=version,
        banner=IN_FORCE_BANNER if superseded.in_force else SUPERSEDED_BANNER,
        is_in_force=superseded.in_force,
        in_force=in_force,
        current_link=current_link,
        document_link=site.anchor(document, page, f"{document.id} {document.title}"),
        history_link=Markup(
            f'<a href="{html.escape(site.href(history_page(document.id), page))}">版本歷程</a>'
        ),
        commit=commit_cell(site, version.commit),
        newer=superseded.newer,
        text_slot=Markup(SLOT.format(name="text")),
        comparison_slot=Markup(SLOT.format(name="comparison")),
    )


def slot_contents(site: SiteModel, superseded: SupersededPage) -> dict[str, str]:
    """The HTML the plugin puts in a superseded page's slots: the old text, the comparison."""
    version = superseded.version
    contents = {"text": old_text_html(version.path, version.text)}
    if superseded.newer is not None:
        doc_id = superseded.document.id
        contents["comparison"] = comparison_fragment(
            Side.of(doc_id, version), Side.of(doc_id, superseded.newer)
        )
    else:
        contents["comparison"] = ""
    return contents


@functools.cache
def _old_text_renderer() -> Any:
    """One Python-Markdown converter for every old text (making one loads its extensions:
    most of the time of a short text). Python-Markdown (MkDocs' own) has no type hints: it is
    imported by name."""
    markdown_lib = importlib.import_module("markdown")
    return markdown_lib.Markdown(extensions=list(OLD_TEXT_EXTENSIONS))


def old_text_html(path: str, text: str) -> str:
    """A version's body (without its front-matter and its title) as HTML, relative links
    and images made text."""
    source, _ = read_source(path, text.encode("utf-8"))
    body = source.body if source is not None else text
    body = _FIRST_TITLE.sub("", body, count=1)
    rendered = str(_old_text_renderer().reset().convert(body))
    rendered = _RELATIVE_LINK.sub(r"<span>\1</span>", rendered)
    return _RELATIVE_IMAGE.sub("", rendered)


def commit_cell(site: SiteModel, commit: str) -> Markup:
    """A commit's short sha, linked to its page on GitHub/GitLab when the site knows it."""
    short = f'<code title="{html.escape(commit)}">{html.escape(commit[:10])}</code>'
    if site.repository is None:
        return Markup(short)
    url = html.escape(site.repository.commit_url(commit), quote=True)
    return Markup(f'<a href="{url}">{short}</a>')


def slots(page_html: str, contents: dict[str, str]) -> str:
    """A rendered page with each slot replaced by its content."""
    for name, content in contents.items():
        page_html = page_html.replace(SLOT.format(name=name), content, 1)
    return page_html
