"""The history as a stable JSON object: what `kb history --json` prints and what an audit
pack stores for each document. `FORMAT` is raised when a key changes meaning or goes away
(new keys may be added without raising it). Documented in docs/contributing/reference/."""

from __future__ import annotations

from datetime import date
from typing import Any

from supportkb.history.records import Author, DocumentHistory, Review, Revision, Version

FORMAT = 1


def history_object(history: DocumentHistory, title: str, as_of: date) -> dict[str, Any]:
    in_force = history.in_force_on(as_of)
    return {
        "format": FORMAT,
        "id": history.id,
        "title": title,
        "type": history.type.value,
        "path": history.path,
        "as_of": as_of.isoformat(),
        "in_force": _version_name(in_force) if in_force is not None else None,
        "versions": [_version(v, v is in_force) for v in history.versions],
        "reviews": [_review(r) for r in history.reviews],
        "revisions": [_revision(r) for r in history.revisions],
    }


def _version_name(version: Version) -> str:
    return version.version or version.commit


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _author(author: Author) -> dict[str, Any]:
    return {"name": author.name, "email": author.email, "person": author.person}


def _version(version: Version, in_force: bool) -> dict[str, Any]:
    return {
        "version": version.version,
        "status": version.status.value,
        "effective": _day(version.effective),
        "approved_by": version.approved_by,
        "approved_on": _day(version.approved_on),
        "approved": version.approved,
        "in_force_from": _day(version.in_force_from),
        "withdrawn_on": _day(version.withdrawn_on),
        "approval_withdrawn_on": _day(version.approval_withdrawn_on),
        "in_force": in_force,
        "change": version.change,
        "commit": version.commit,
        "date": version.date.isoformat(),
        "author": _author(version.author),
        "path": version.path,
    }


def _review(review: Review) -> dict[str, Any]:
    return {
        "on": review.on.isoformat(),
        "reviewer": review.reviewer,
        "version": review.version,
        "commit": review.commit,
        "date": review.date.isoformat(),
        "author": _author(review.author),
    }


def _revision(revision: Revision) -> dict[str, Any]:
    return {
        "commit": revision.commit,
        "date": revision.date.isoformat(),
        "author": _author(revision.author),
        "path": revision.path,
        "version": revision.document.version if revision.document else None,
        "status": revision.document.status.value if revision.document else None,
        "problem": revision.problem or None,
    }
