"""Rules that look across documents, at the owners registry, at the files around, or at the date."""

from __future__ import annotations

import os
import posixpath
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from supportkb.documents.fields import did_you_mean
from supportkb.documents.findings import Finding, error, warning
from supportkb.documents.layout import checkout_folders
from supportkb.documents.model import DocType, Document, Status
from supportkb.system.safe_read import is_regular_inside, is_within
from supportkb.workspace.freshness import Freshness, FreshnessRule
from supportkb.workspace.owners import REGISTRY_FILE, OwnerRegistry
from supportkb.workspace.settings import KnowledgeBaseConfig

_EXTERNAL_PREFIXES = ("http://", "https://", "mailto:", "//")


class PathProbe:
    """Answers "does this file exist?" and remembers every question, so that a cached result
    can later be trusted only if every answer is still the same."""

    def __init__(self, root: Path) -> None:
        self.base = str(root.resolve())  # the cache is keyed by the resolved root
        self.seen: dict[str, bool] = {}
        self.within = checkout_folders(root)

    def exists(self, relative: str) -> bool:
        """A folder or a regular file in the checkout: a link out of it, a FIFO or a device
        does not count (the site never publishes them). Such a path is stored as missing
        while it exists, so a cached result is never trusted for it: it is checked again."""
        full = os.path.join(self.base, relative)
        if full not in self.seen:
            self.seen[full] = is_regular_inside(full, self.within) or (
                os.path.isdir(full) and is_within(os.path.realpath(full), self.within)
            )
        return self.seen[full]


@dataclass(frozen=True)
class CrossCheck:
    config: KnowledgeBaseConfig
    registry: OwnerRegistry
    as_of: date
    probe: PathProbe

    def document_findings(self, document: Document) -> Iterator[Finding]:
        """Rules that need one document and the registry, configuration and date."""
        freshness = FreshnessRule(self.config)
        yield from owners(document, self.registry)
        yield from future_dates(document, self.as_of)
        yield from review(document, freshness, self.as_of)
        yield from drills(document, freshness, self.as_of, self.probe)
        yield from products(document, freshness, self.config)

    def collection_findings(
        self, documents: tuple[Document, ...], unreadable_ids: Collection[str] = ()
    ) -> Iterator[Finding]:
        """Rules that need every document: duplicates, references and links. Ids found in
        files that could not be read count as existing (those files are reported already)."""
        by_id: dict[str, list[Document]] = defaultdict(list)
        for document in documents:
            by_id[document.id].append(document)
        yield from duplicate_ids(by_id)
        by_path = {document.path: document for document in documents}
        for document in documents:
            yield from references(document, by_id, unreadable_ids)
            yield from links(document, by_path, self.probe)


def duplicate_ids(by_id: dict[str, list[Document]]) -> Iterator[Finding]:
    for doc_id, documents in by_id.items():
        if len(documents) < 2:
            continue
        for document in documents:
            others = ", ".join(d.path for d in documents if d is not document)
            yield error(
                document.path,
                document.line_of("id"),
                "id-duplicate",
                f"id {doc_id} is also used by {others}",
                "ids are unique and stable: give the newer document the next free id",
            )


def owners(document: Document, registry: OwnerRegistry) -> Iterator[Finding]:
    if document.owner:
        yield from _owner(document, registry)
    for person in document.reviewers:
        if person not in registry.people:
            yield error(
                document.path,
                document.line_of("reviewers"),
                "reviewer-unknown",
                _not_a_person("reviewers", person),
                _name_a_person(registry, person),
            )
    approver = document.approved_by
    if approver is not None and approver not in registry.people:
        yield error(
            document.path,
            document.line_of("approved_by"),
            "approver-unknown",
            _not_a_person("approved_by", approver),
            _name_a_person(registry, approver),
        )


def _not_a_person(field_name: str, person: str) -> str:
    return f"{field_name}: '{person}' is not a person in {REGISTRY_FILE}"


def _name_a_person(registry: OwnerRegistry, person: str) -> str:
    return registry.suggest(person) or f"name a person (not a team) from {REGISTRY_FILE}"


def _owner(document: Document, registry: OwnerRegistry) -> Iterator[Finding]:
    owner, path, line = document.owner, document.path, document.line_of("owner")
    if not registry.knows(owner):
        yield error(
            path,
            line,
            "owner-unknown",
            f"owner '{owner}' is not in owners.yml",
            registry.suggest(owner) or "use a person or team id from owners.yml, or add it there",
        )
    elif not registry.is_active(owner):
        who = "has no active member" if owner in registry.teams else "is inactive"
        yield error(
            path,
            line,
            "owner-inactive",
            f"owner '{owner}' {who}",
            "hand the document to an active person or team (change 'owner:')",
        )


def future_dates(document: Document, as_of: date) -> Iterator[Finding]:
    """A review or drill dated after today would silently push the next due date out; an
    approval dated after today, or a version in force before its approval, is not one."""
    dated = [("last_reviewed", document.last_reviewed), ("approved_on", document.approved_on)]
    dated += [("drills", drill.date) for drill in document.drills]
    for field_name, when in dated:
        if when is not None and when > as_of:
            yield error(
                document.path,
                document.line_of(field_name),
                "date-in-future",
                f"{field_name}: {when} is after today ({as_of})",
                "write the date the review, approval or drill actually took place",
            )
    approved_on, effective = document.approved_on, document.effective
    if approved_on is not None and effective is not None and effective < approved_on:
        yield error(
            document.path,
            document.line_of("effective"),
            "effective-before-approval",
            f"effective {effective} is before the approval ({approved_on}): the version would "
            "have been in force before anyone approved it",
            f"write the day it takes effect, on or after {approved_on}",
        )


def review(document: Document, freshness: FreshnessRule, as_of: date) -> Iterator[Finding]:
    state = freshness.review_state(document, as_of)
    if state not in (Freshness.OVERDUE, Freshness.DUE_SOON):
        return
    due = freshness.review_due(document)
    line = document.line_of("review_by" if document.review_by else "last_reviewed")
    hint = (
        f"review the content; when it is still right, set 'last_reviewed: {as_of.isoformat()}' "
        "(or fix it first)"
    )
    if state is Freshness.OVERDUE:
        yield error(
            document.path,
            line,
            "review-overdue",
            f"review overdue since {due} ({_review_basis(document, freshness)})",
            hint,
        )
    elif state is Freshness.DUE_SOON:
        yield warning(
            document.path,
            line,
            "review-due-soon",
            f"review due on {due} ({_review_basis(document, freshness)})",
            hint,
        )


def _review_basis(document: Document, freshness: FreshnessRule) -> str:
    if document.review_by is not None:
        return "review_by"
    interval = document.review_every or freshness.config.review_every[document.type]
    return f"last reviewed {document.last_reviewed}, every {interval}"


def drills(
    document: Document, freshness: FreshnessRule, as_of: date, probe: PathProbe
) -> Iterator[Finding]:
    if document.type is not DocType.EMERGENCY_PLAN:
        return
    line = document.line_of("drills")
    for drill in document.drills:
        if drill.report.startswith(_EXTERNAL_PREFIXES):
            continue
        target = posixpath.normpath(posixpath.join(posixpath.dirname(document.path), drill.report))
        if not probe.exists(target):
            yield error(
                document.path,
                line,
                "drill-report-missing",
                f"the report of the {drill.date} drill ({drill.report}) does not exist",
                "add the drill report, or fix the 'report' path (relative to this file)",
            )
    state = freshness.drill_state(document, as_of)
    last = document.last_drill
    basis = f"last drill {last.date}" if last else "never drilled"
    hint = "run the drill and add it under 'drills:' with its date, scenario and report"
    if state is Freshness.OVERDUE:
        yield error(
            document.path,
            line,
            "drill-overdue",
            f"drill overdue since {freshness.drill_due(document)} ({basis})",
            hint,
        )
    elif state is Freshness.DUE_SOON:
        yield warning(
            document.path,
            line,
            "drill-due-soon",
            f"drill due on {freshness.drill_due(document)} ({basis})",
            hint,
        )


def products(
    document: Document, freshness: FreshnessRule, config: KnowledgeBaseConfig
) -> Iterator[Finding]:
    line = document.line_of("applies_to")
    for entry in document.applies_to:
        if entry.product not in config.products:
            yield error(
                document.path,
                line,
                "product-unknown",
                f"product '{entry.product}' is not listed in mkdocs.yml",
                did_you_mean(entry.product, list(config.products))
                or "add it with its current version under the supportkb plugin's 'products'",
            )
    if not freshness.is_held(document):
        return
    for entry, current in freshness.outdated_products(document):
        yield error(
            document.path,
            line,
            "product-outdated",
            f"written for {entry.product} {entry.versions}, but the current version is {current}",
            f"check the document against {entry.product} {current}, then widen 'versions'",
        )


def references(
    document: Document, by_id: dict[str, list[Document]], unreadable_ids: Collection[str] = ()
) -> Iterator[Finding]:
    targets = [("related", target) for target in document.related]
    if document.supersedes:
        targets.append(("supersedes", document.supersedes))
    for field_name, target in targets:
        line = document.line_of(field_name)
        if target in unreadable_ids:
            continue
        if target not in by_id:
            yield error(
                document.path,
                line,
                "reference-missing",
                f"{field_name}: no document has the id {target}",
                did_you_mean(target, list(by_id)) or "fix the id or remove it",
            )
        elif field_name == "related":
            yield from _retired_target(document, by_id[target][0], line)


def links(document: Document, by_path: dict[str, Document], probe: PathProbe) -> Iterator[Finding]:
    if not document.links:
        return
    folder = posixpath.dirname(document.path)
    for link in document.links:
        target = posixpath.normpath(posixpath.join(folder, link.target))
        if target.startswith("../") or not probe.exists(target):
            yield error(
                document.path,
                link.line,
                "link-broken",
                f"the link to '{link.target}' points to a file that does not exist in the checkout",
                "fix the relative path (from this file's folder) or remove the link; a link "
                "to a file outside the checkout, a FIFO or a device is never published",
            )
        elif target in by_path:
            yield from _retired_target(document, by_path[target], link.line)


def _retired_target(document: Document, target: Document, line: int) -> Iterator[Finding]:
    if document.status is not Status.PUBLISHED:
        return
    if target.status is Status.ARCHIVED:
        yield error(
            document.path,
            line,
            "links-archived",
            f"links to {target.id}, which is archived",
            f"link to its successor instead, or remove the link to {target.path}",
        )
    elif target.status is Status.DEPRECATED:
        yield warning(
            document.path,
            line,
            "links-deprecated",
            f"links to {target.id}, which is deprecated",
            "link to the document that supersedes it",
        )
