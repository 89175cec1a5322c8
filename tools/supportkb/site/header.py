"""The header of every document page: banners and the metadata panel.

It is one raw HTML block (Markdown passes it through without parsing it, which keeps the
build fast); every front-matter value is escaped. The review and drill banners carry their
due dates, so that `assets/supportkb/supportkb.js` can re-judge them on the day the page is
read.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from datetime import date

from supportkb.documents.model import Document, Status
from supportkb.site.pages import STATUS_NAMES, TYPE_NAMES, SiteModel, code, esc
from supportkb.workspace.freshness import Freshness


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
