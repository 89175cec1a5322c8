"""The header of every document page: banners and the metadata panel.

What the header says is decided here (which banners, from `supportkb.workspace.freshness`);
how it looks is the templates `header.html` and `banner.html` (see `supportkb.site.rendering`:
a site may override them). It is one raw HTML block (Markdown passes it through without
parsing it, which keeps the build fast); every front-matter value is escaped. The review and
drill banners carry their due dates, so that `assets/supportkb/freshness.js` can re-judge them
on the day the page is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from supportkb.documents.model import Document, Status
from supportkb.site.pages import SiteModel
from supportkb.workspace.freshness import Freshness


@dataclass(frozen=True)
class Banner:
    """A banner a document page carries; `banner.html` gives it its words and looks."""

    kind: str  # review-overdue, review-due-soon, drill-overdue, product-outdated, ...
    due: date | None = None  # with `when`: the browser re-judges the banner on its day
    when: str | None = None  # overdue or due-soon
    shown: bool = True  # as judged at the build
    facts: Mapping[str, object] = field(default_factory=dict)


def document_header(site: SiteModel, document: Document, page: str) -> str:
    """Banners and the metadata panel, placed under the page's title."""
    rule = site.rule
    review_due = rule.review_due(document) if rule.is_held(document) else None
    drill_due = rule.drill_due(document) if rule.is_held(document) else None
    known = site.by_id
    old = known.get(str(document.supersedes)) if document.supersedes else None
    prefix, _, number = document.id.partition("-")  # the browser's search splits KB-0002
    return site.render(
        "header.html",
        page=page,
        document=document,
        type_label=document.type.label,
        status_label=document.status.label,
        banners=list(banners(site, document, page, review_due, drill_due)),
        review_due=review_due or "",
        drill_due=drill_due or "",
        related_links=[
            site.anchor(known[i], page, f"{i} {known[i].title}")
            for i in document.related
            if i in known
        ],
        superseded=site.anchor(old, page, f"{old.id} {old.title}") if old else None,
        search_keys=(document.id, prefix + number, number, *document.tags),
        due_soon_days=site.config.due_soon_days,
    )


def banners(
    site: SiteModel, document: Document, page: str, review_due: date | None, drill_due: date | None
) -> Iterator[Banner]:
    """The banners of a document page, in the order they are shown."""
    rule, as_of = site.rule, site.as_of
    if review_due is not None:
        state = rule.judge(review_due, as_of)
        yield Banner("review-overdue", review_due, "overdue", state is Freshness.OVERDUE)
        yield Banner("review-due-soon", review_due, "due-soon", state is Freshness.DUE_SOON)
    if drill_due is not None:
        overdue = rule.judge(drill_due, as_of) is Freshness.OVERDUE
        yield Banner("drill-overdue", drill_due, "overdue", overdue)
    if rule.is_held(document):
        for entry, current in rule.outdated_products(document):
            versions = entry.versions or "*"
            facts = {"product": entry.product, "versions": versions, "current": current}
            yield Banner("product-outdated", facts=facts)
    if document.status in (Status.DRAFT, Status.IN_REVIEW):
        yield Banner("not-validated")
    if document.status.is_retired:
        successor = next((d for d in site.documents if d.supersedes == document.id), None)
        label = f"{successor.id} {successor.title}" if successor else ""
        link = Markup(site.anchor(successor, page, label)) if successor else None
        yield Banner("retired", facts={"successor": link})


def insert_header(markdown: str, header: str) -> str:
    """The header goes right after the first level-1 heading, or first when there is none."""
    match = re.search(r"^# .*$", markdown, re.MULTILINE)
    if match is None:
        return header + "\n" + markdown
    return markdown[: match.end()] + "\n\n" + header + markdown[match.end() :]
