"""The vocabulary of documents: their types, statuses and visibilities, declared once.

Everything else derives from here: the names the command line and the API accept (`--type
plan`, `?type=plan`, `type:plan` inside a query), the labels of the site's pages and badges,
and the labels the browser's scripts show (the plugin writes `browser_labels()` into the site).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class DocType(enum.StrEnum):
    ARTICLE = "article"
    SOP = "sop"
    EMERGENCY_PLAN = "emergency-plan"
    POLICY = "policy"

    @property
    def id_prefix(self) -> str:
        return TYPE_TERMS[self].id_prefix

    @property
    def label(self) -> str:
        return TYPE_TERMS[self].label


class Status(enum.StrEnum):
    """KCS confidence: work in progress, not validated, validated, retired."""

    DRAFT = "draft"
    IN_REVIEW = "in-review"
    PUBLISHED = "published"
    DEPRECATED = "deprecated"
    ARCHIVED = "archived"

    @property
    def is_retired(self) -> bool:
        return self in (Status.DEPRECATED, Status.ARCHIVED)

    @property
    def label(self) -> str:
        return STATUS_TERMS[self].label


ARTICLE_KINDS = ("faq", "howto", "troubleshooting")  # what an article is: front-matter `kind`


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    RESTRICTED = "restricted"


@dataclass(frozen=True)
class TypeTerms:
    id_prefix: str  # KB-0014
    aliases: tuple[str, ...]  # other names a reader may type for the type
    label: str  # the site's label: the interface speaks Traditional Chinese
    short_label: str  # a badge's label


@dataclass(frozen=True)
class StatusTerms:
    label: str
    short_label: str  # a badge's label: what an agent must know at a glance
    badge: str  # the badge's CSS modifier: ok, draft or retired


TYPE_TERMS: dict[DocType, TypeTerms] = {
    DocType.ARTICLE: TypeTerms("KB", ("kb",), "知識庫文章", "KB"),
    DocType.SOP: TypeTerms("SOP", (), "標準作業程序", "SOP"),
    DocType.EMERGENCY_PLAN: TypeTerms("EP", ("ep", "plan"), "應變計畫", "應變計畫"),
    DocType.POLICY: TypeTerms("POL", ("pol",), "管理辦法", "管理辦法"),
}

STATUS_TERMS: dict[Status, StatusTerms] = {
    Status.DRAFT: StatusTerms("草稿", "未驗證", "draft"),
    Status.IN_REVIEW: StatusTerms("審查中", "未驗證", "draft"),
    Status.PUBLISHED: StatusTerms("已驗證", "已驗證", "ok"),
    Status.DEPRECATED: StatusTerms("已淘汰", "已停用", "retired"),
    Status.ARCHIVED: StatusTerms("已封存", "已封存", "retired"),
}

OVERDUE_LABEL = "逾期未複審"  # a document past its review date


def type_names() -> tuple[str, ...]:
    """Every name of a type a reader may type: the values first, then the aliases."""
    return tuple(t.value for t in DocType) + tuple(
        a for terms in TYPE_TERMS.values() for a in terms.aliases
    )


def status_names() -> tuple[str, ...]:
    return tuple(s.value for s in Status)


def id_prefixes() -> tuple[str, ...]:
    """The prefix of each type's ids (KB, SOP, EP, POL), in the order of the types."""
    return tuple(TYPE_TERMS[doc_type].id_prefix for doc_type in DocType)


def in_words(names: tuple[str, ...], last: str = "or") -> str:
    """`a, b or c`: a list of names in a sentence."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {last} {names[-1]}"


def parse_type(name: str) -> DocType:
    """A type from its name or an alias, any case (`plan`, `EP`, `emergency-plan`)."""
    wanted = name.strip().lower()
    for doc_type, terms in TYPE_TERMS.items():
        if wanted == doc_type.value or wanted in terms.aliases:
            return doc_type
    raise ValueError(f"unknown document type {name!r}: use one of {', '.join(type_names())}")


def parse_status(name: str) -> Status:
    try:
        return Status(name.strip().lower())
    except ValueError:
        raise ValueError(
            f"unknown status {name!r}: use one of {', '.join(status_names())}"
        ) from None


def browser_labels() -> dict[str, object]:
    """What the site's scripts need to show results: written into the site by the plugin."""
    return {
        "types": {t.value: terms.short_label for t, terms in TYPE_TERMS.items()},
        "statuses": {
            s.value: [terms.short_label, f"kb-badge--{terms.badge}"]
            for s, terms in STATUS_TERMS.items()
        },
        "overdue": [OVERDUE_LABEL, "kb-badge--overdue"],
    }
