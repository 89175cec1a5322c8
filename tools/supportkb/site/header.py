"""The header of every document page: the answer first, the paperwork folded away.

Under the title, one trust line (`TrustLine`: the status as a badge, the owner with a contact
link, the last and next review and, for a controlled document, its version and effective
date); then a banner per thing that is wrong (`banners`), one line each; then the full
metadata, collapsed ("文件資訊"). The first section of the document follows at once, inside
the first screen.

What the header says is decided here (which badge and banners, from
`supportkb.workspace.freshness`); how it looks is the templates `header.html` and
`banner.html` (see `supportkb.site.rendering`: a site may override them). It is one raw HTML
block (Markdown passes it through without parsing it, which keeps the build fast); every
front-matter value is escaped. The review and drill banners, the review due date and the
status badge carry their due dates, so that `assets/supportkb/freshness.js` can re-judge them
on the day the page is read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from supportkb.documents.model import DocType, Document, Status
from supportkb.documents.vocabulary import OVERDUE_LABEL, STATUS_TERMS
from supportkb.site.history_pages import (
    has_history_page,
    history_page,
    in_force_copy,
    version_page,
)
from supportkb.site.pages import SiteModel
from supportkb.site.rendering import esc
from supportkb.workspace.freshness import Freshness


@dataclass(frozen=True)
class Banner:
    """A banner a document page carries; `banner.html` gives it its words and looks."""

    kind: str  # review-overdue, review-due-soon, drill-overdue, product-outdated, ...
    due: date | None = None  # with `when`: the browser re-judges the banner on its day
    when: str | None = None  # overdue or due-soon
    shown: bool = True  # as judged at the build
    facts: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StatusBadge:
    """The status an agent must know at a glance, with `kb-badge`'s classes and colours."""

    label: str  # 已驗證, 未驗證, 逾期未複審, 已停用, 已封存
    modifier: str  # kb-badge--ok, draft, overdue or retired
    # a validated document's review due date: the browser turns the badge into "overdue"
    # once it is past, on the day the page is read
    due: date | None = None


@dataclass(frozen=True)
class TrustLine:
    """What tells an agent whether to trust the page, in one line under the title."""

    badge: StatusBadge
    owner: Markup  # the owner's name, a mailto link when an address is known
    last_reviewed: date | None
    review_due: date | None
    version: str | None  # controlled documents (SOP, plan, policy) only
    effective: date | None  # controlled documents only


def document_header(site: SiteModel, document: Document, page: str) -> str:
    """Trust line, banners and the folded metadata, placed under the page's title."""
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
        trust=trust_line(site, document, review_due),
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
        history_link=(
            site.href(history_page(document.id), page)
            if site.with_history and has_history_page(document)
            else None
        ),
    )


def trust_line(site: SiteModel, document: Document, review_due: date | None) -> TrustLine:
    controlled = document.type is not DocType.ARTICLE
    return TrustLine(
        badge=status_badge(site, document, review_due),
        owner=owner_contact(site, document.owner),
        last_reviewed=document.last_reviewed,
        review_due=review_due,
        version=document.version if controlled else None,
        effective=document.effective if controlled else None,
    )


def status_badge(site: SiteModel, document: Document, review_due: date | None) -> StatusBadge:
    """Validated, not validated (draft, in review), overdue (validated, past its review date)
    or retired, as judged on the build date; a validated document's badge carries its due
    date for the browser."""
    terms = STATUS_TERMS[document.status]
    if document.status is not Status.PUBLISHED or review_due is None:
        return StatusBadge(terms.short_label, f"kb-badge--{terms.badge}")
    if site.rule.judge(review_due, site.as_of) is Freshness.OVERDUE:
        return StatusBadge(OVERDUE_LABEL, "kb-badge--overdue", review_due)
    return StatusBadge(terms.short_label, f"kb-badge--{terms.badge}", review_due)


def owner_contact(site: SiteModel, owner: str) -> Markup:
    """The owner's name, linked to an e-mail to them (a team without an address: its active
    members) when every address is valid; the owner's id is the link's title."""
    name, url = site.owner_mailto(owner)
    if url is None:
        return Markup(esc(name))
    return Markup(f'<a href="{esc(url)}" title="{esc(owner)}">{esc(name)}</a>')


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
    in_force = in_force_elsewhere(site, document, page)
    if in_force is not None:
        yield Banner("in-force-elsewhere", facts=in_force)
    if document.status.is_retired:
        successor = next((d for d in site.documents if d.supersedes == document.id), None)
        label = f"{successor.id} {successor.title}" if successor else ""
        link = Markup(site.anchor(successor, page, label)) if successor else None
        yield Banner("retired", facts={"successor": link})


def in_force_elsewhere(site: SiteModel, document: Document, page: str) -> dict[str, object] | None:
    """When the version in force is not the one this page shows (a new one in review, or
    approved to take effect later): its name and a link to its read-only copy."""
    history = site.histories.get(document.id)
    version = in_force_copy(site, history) if history is not None else None
    path = version_page(site, document.id, version) if version is not None else None
    if version is None or path is None:
        return None
    label = f"版本 {version.version or version.commit[:10]}"
    link = Markup(f'<a href="{esc(site.href(path, page))}">{esc(label)}</a>')
    return {"version": version.version, "link": link, "since": version.in_force_from}


def insert_header(markdown: str, header: str) -> str:
    """The header goes right after the first level-1 heading, or first when there is none."""
    match = re.search(r"^# .*$", markdown, re.MULTILINE)
    if match is None:
        return header + "\n" + markdown
    return markdown[: match.end()] + "\n\n" + header + markdown[match.end() :]
