"""The front-matter fields: one table that the checker (and later the JSON Schema) reads.

`build_document` turns a parsed front-matter mapping into a `Document`, reporting every field
that is missing, misspelt, of the wrong type or not allowed for the document's type.
"""

from __future__ import annotations

import difflib
import enum
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from supportkb.documents.durations import Duration
from supportkb.documents.findings import Finding, error
from supportkb.documents.model import (
    ARTICLE_KINDS,
    Applicability,
    DocType,
    Document,
    Drill,
    Link,
    Status,
    Visibility,
)

ALL_TYPES = frozenset(DocType)
VERSIONED = frozenset({DocType.SOP, DocType.EMERGENCY_PLAN, DocType.POLICY})
ID_PATTERN = re.compile(r"^(KB|SOP|EP|POL)-[0-9]+$")  # ASCII digits: Python's \d takes any
_ANY_DIGITS_ID = re.compile(r"^([A-Za-z]+-)(\d+)$")  # KB-００４２, KB-٠٠٤٢: an id in other digits


def ascii_id(doc_id: str) -> str | None:
    """The id written with ASCII digits when `doc_id` is written with other decimal digits
    (full-width, Arabic-Indic, Devanagari...): they look like an id, but are not the same
    id, and would coexist with it. None when the id has no such digits."""
    match = _ANY_DIGITS_ID.match(doc_id)
    if match is None or match.group(2).isascii():
        return None
    return match.group(1) + "".join(str(unicodedata.digit(c)) for c in match.group(2))


class Required(enum.Enum):
    NO = "no"
    ALWAYS = "always"
    UNLESS_DRAFT = "unless-draft"
    IF_PUBLISHED = "if-published"


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: str  # text, id, ids, texts, date, duration, choice, version, applies_to, drills
    description: str
    choices: tuple[str, ...] = ()
    types: frozenset[DocType] = ALL_TYPES  # the document types that may carry the field
    required: Required = Required.NO
    required_types: frozenset[DocType] = ALL_TYPES

    def is_required(self, doc_type: DocType, status: Status | None) -> bool:
        if self.required is Required.NO or doc_type not in (self.types & self.required_types):
            return False
        if self.required is Required.UNLESS_DRAFT:
            return status is not Status.DRAFT
        if self.required is Required.IF_PUBLISHED:
            return status is Status.PUBLISHED
        return True


def _values(enum_type: type[enum.Enum]) -> tuple[str, ...]:
    return tuple(str(member.value) for member in enum_type)


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec(
        "id",
        "id",
        "Unique, stable id: KB-, SOP-, EP- or POL- then digits (KB-0042)",
        required=Required.ALWAYS,
    ),
    FieldSpec(
        "title", "text", "Title shown in search results and on the page", required=Required.ALWAYS
    ),
    FieldSpec(
        "type",
        "choice",
        "Document type; inferred from the folder, must agree if written",
        choices=_values(DocType),
    ),
    FieldSpec(
        "status",
        "choice",
        "KCS state: draft, in-review, published, deprecated, archived",
        choices=_values(Status),
        required=Required.ALWAYS,
    ),
    FieldSpec("owner", "text", "Person or team id from owners.yml", required=Required.ALWAYS),
    FieldSpec("reviewers", "ids", "Person ids who reviewed the document"),
    FieldSpec(
        "last_reviewed",
        "date",
        "Date of the last review (YYYY-MM-DD)",
        required=Required.UNLESS_DRAFT,
    ),
    FieldSpec("review_every", "duration", "Review interval (90d, 2w, 6m, 1y)"),
    FieldSpec("review_by", "date", "Explicit review due date; overrides the computed one"),
    FieldSpec("tags", "texts", "Keywords for search and browsing"),
    FieldSpec("category", "text", "Category; for articles, the folder under kb/"),
    FieldSpec(
        "kind",
        "choice",
        "Article kind: faq, howto or troubleshooting",
        choices=ARTICLE_KINDS,
        types=frozenset({DocType.ARTICLE}),
    ),
    FieldSpec(
        "version",
        "version",
        'Document version, quoted ("1.2")',
        types=VERSIONED,
        required=Required.ALWAYS,
        required_types=VERSIONED,
    ),
    FieldSpec(
        "effective",
        "date",
        "Date the policy takes effect",
        types=frozenset({DocType.POLICY}),
        required=Required.IF_PUBLISHED,
    ),
    FieldSpec(
        "approved_by",
        "id",
        "Person id who approved this version",
        types=VERSIONED,
        required=Required.IF_PUBLISHED,
        required_types=frozenset({DocType.SOP, DocType.POLICY}),
    ),
    FieldSpec(
        "visibility",
        "choice",
        "public, internal (default) or restricted",
        choices=_values(Visibility),
    ),
    FieldSpec("applies_to", "applies_to", "Products and version ranges: [{product, versions}]"),
    FieldSpec("related", "ids", "Ids of related documents"),
    FieldSpec("supersedes", "id", "Id of the document this one replaces"),
    FieldSpec(
        "drill_every",
        "duration",
        "Drill interval for an emergency plan",
        types=frozenset({DocType.EMERGENCY_PLAN}),
    ),
    FieldSpec(
        "drills",
        "drills",
        "Drill records: [{date, scenario, report}]",
        types=frozenset({DocType.EMERGENCY_PLAN}),
    ),
)
FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}


class FieldError(ValueError):
    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


def did_you_mean(word: str, candidates: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


# --- value converters -------------------------------------------------------------------------

_LOOSE_DATE = re.compile(r"^\s*(\d{4})\s*[/.年-]\s*(\d{1,2})\s*[/.月-]\s*(\d{1,2})\s*日?\s*$")


def to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
        match = _LOOSE_DATE.match(value)
        if match:
            try:
                fixed = date(*(int(part) for part in match.groups())).isoformat()
            except ValueError:
                fixed = ""
            if fixed:
                raise FieldError(
                    f"{value!r} is not written as a date", f"write it as {fixed} (YYYY-MM-DD)"
                )
    raise FieldError(f"{value!r} is not a date", "write dates as YYYY-MM-DD, e.g. 2026-05-01")


def to_text(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise FieldError(f"expected text, found {_describe(value)}", "write a short piece of text")


def to_identifier(value: Any) -> str:
    if isinstance(value, str) and value.strip() and "\n" not in value:
        ascii_form = ascii_id(value.strip())
        if ascii_form is not None:
            raise FieldError(
                f"id '{value.strip()}' is written with digits other than 0-9",
                f"write it with ASCII digits: {ascii_form}",
            )
        return value.strip()
    raise FieldError(f"expected an id, found {_describe(value)}", "write a single id, e.g. KB-0042")


def _to_own_id(value: Any) -> str:
    """A document's own id: one written with other digits is kept (so that the document
    is still known), and reported as `id-digits` with the rules on where it lives."""
    if isinstance(value, str) and ascii_id(value.strip()) is not None:
        return value.strip()
    return to_identifier(value)


def to_id_list(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise FieldError(
            f"expected a list of ids, found {_describe(value)}",
            "write a list, e.g. [KB-0001, SOP-0002]",
        )
    return tuple(to_identifier(item) for item in items)


def to_text_list(value: Any) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list):
        raise FieldError(
            f"expected a list, found {_describe(value)}", "write a list, e.g. [vpn, 錯誤代碼]"
        )
    return tuple(to_text(item) for item in items)


def to_version(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        raise FieldError(
            f"version {value!r} was read as a number (YAML turns 1.10 into 1.1)",
            'quote the version exactly as intended, e.g. version: "1.10"',
        )
    raise FieldError(f"expected a version, found {_describe(value)}", 'write it quoted, e.g. "1.2"')


def to_duration(value: Any) -> Duration:
    try:
        return Duration.parse(value)
    except ValueError as exc:
        raise FieldError(str(exc), "e.g. review_every: 6m") from None


def to_specifier(value: Any) -> str:
    text = str(value).strip() if isinstance(value, (str, int, float)) else None
    normalised = _normalise_specifier(text) if text is not None else None
    if normalised is None:
        raise FieldError(
            f"versions {value!r} is not a version range",
            'write a range such as ">=5.4,<6" or "==7.2.*"',
        )
    return normalised


@lru_cache(maxsize=4096)
def _normalise_specifier(text: str) -> str | None:
    if text in ("*", "any", ""):
        return ""
    try:
        return str(SpecifierSet(text))
    except InvalidSpecifier:
        return None


def _records(value: Any, keys: tuple[str, ...], example: str) -> list[dict[str, Any]]:
    """A list of mappings that each have exactly `keys`."""
    if not isinstance(value, list) or not all(
        isinstance(item, dict) and set(item) == set(keys) for item in value
    ):
        raise FieldError(
            f"expected a list of entries with exactly {', '.join(keys)}; found {_describe(value)}",
            f"write e.g. - {example}",
        )
    return value


def to_applies_to(value: Any) -> tuple[Applicability, ...]:
    items = _records(value, ("product", "versions"), '{product: ERP, versions: ">=5.4,<6"}')
    return tuple(
        Applicability(to_text(item["product"]), to_specifier(item["versions"])) for item in items
    )


def to_drills(value: Any) -> tuple[Drill, ...]:
    example = "{date: 2026-05-01, scenario: ..., report: drills/x.md}"
    return tuple(
        Drill(to_date(item["date"]), to_text(item["scenario"]), to_text(item["report"]))
        for item in _records(value, ("date", "scenario", "report"), example)
    )


def _to_choice(spec: FieldSpec) -> Callable[[Any], str]:
    def convert(value: Any) -> str:
        if isinstance(value, str) and value in spec.choices:
            return value
        suggestion = did_you_mean(str(value), spec.choices) if isinstance(value, str) else ""
        raise FieldError(
            f"{spec.name} {value!r} is not one of: {', '.join(spec.choices)}",
            suggestion or f"use one of: {', '.join(spec.choices)}",
        )

    return convert


_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": to_text,
    "id": to_identifier,
    "ids": to_id_list,
    "texts": to_text_list,
    "date": to_date,
    "duration": to_duration,
    "version": to_version,
    "applies_to": to_applies_to,
    "drills": to_drills,
}


_CONVERTER_FOR: dict[str, Callable[[Any], Any]] = {
    spec.name: _CONVERTERS.get(spec.kind) or _to_choice(spec) for spec in FIELDS
}
_CONVERTER_FOR["id"] = _to_own_id  # other digits: the document is kept, `id-digits` says why


@lru_cache(maxsize=64)
def _required_fields(doc_type: DocType, status: Status | None) -> tuple[FieldSpec, ...]:
    return tuple(spec for spec in FIELDS if spec.is_required(doc_type, status))


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return f"{type(value).__name__} {value!r}"[:80]


# --- building a document ----------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a file sits decides its type and, for articles, its category."""

    path: str
    type: DocType
    category: str | None


def build_document(
    location: Location,
    front_matter: Mapping[str, Any],
    key_lines: Mapping[str, int],
    links: tuple[Link, ...] = (),
) -> tuple[Document | None, list[Finding]]:
    path, doc_type = location.path, location.type
    findings: list[Finding] = []
    values: dict[str, Any] = {}
    for key, raw in front_matter.items():
        line = key_lines.get(str(key), 1)
        spec = FIELDS_BY_NAME.get(str(key))
        if spec is None:
            findings.append(_unknown_field(path, line, str(key)))
        elif doc_type not in spec.types:
            findings.append(
                error(
                    path,
                    line,
                    "field-not-allowed",
                    f"'{key}' does not apply to a document of type {doc_type.value}",
                    "remove the field",
                )
            )
        else:
            converter = _CONVERTER_FOR[spec.name]
            try:
                values[spec.name] = converter(raw)
            except FieldError as exc:
                findings.append(error(path, line, "field-type", f"{key}: {exc.message}", exc.hint))

    status = Status(values["status"]) if "status" in values else None
    for spec in _required_fields(doc_type, status):
        if spec.name not in front_matter:
            findings.append(_missing_field(path, spec, doc_type))

    findings.extend(_check_location(location, values, key_lines))
    if "id" not in values:
        return None, findings
    document = Document(
        path=path,
        type=doc_type,
        id=values["id"],
        title=values.get("title", ""),
        owner=values.get("owner", ""),
        status=status or Status.DRAFT,
        reviewers=values.get("reviewers", ()),
        last_reviewed=values.get("last_reviewed"),
        review_every=values.get("review_every"),
        review_by=values.get("review_by"),
        tags=values.get("tags", ()),
        category=values.get("category", location.category),
        kind=values.get("kind"),
        version=values.get("version"),
        effective=values.get("effective"),
        approved_by=values.get("approved_by"),
        visibility=_visibility(front_matter, values),
        applies_to=values.get("applies_to", ()),
        related=values.get("related", ()),
        supersedes=values.get("supersedes"),
        drill_every=values.get("drill_every"),
        drills=values.get("drills", ()),
        links=links,
        field_lines=dict(key_lines),
    )
    return document, findings


def _visibility(front_matter: Mapping[str, Any], values: Mapping[str, Any]) -> Visibility:
    """Fails closed: a visibility that is written but not understood counts as restricted."""
    if "visibility" in values:
        return Visibility(values["visibility"])
    return Visibility.RESTRICTED if "visibility" in front_matter else Visibility.INTERNAL


def _unknown_field(path: str, line: int, key: str) -> Finding:
    suggestion = did_you_mean(key, list(FIELDS_BY_NAME))
    return error(
        path,
        line,
        "field-unknown",
        f"unknown field '{key}'",
        suggestion or "remove it; the fields are listed in the README",
    )


def _missing_field(path: str, spec: FieldSpec, doc_type: DocType) -> Finding:
    example = {
        "id": f"{doc_type.id_prefix}-0001",
        "last_reviewed": "YYYY-MM-DD",
        "effective": "YYYY-MM-DD",
        "version": '"1.0"',
        "status": "draft",
    }.get(spec.name, "...")
    return error(
        path,
        1,
        "field-missing",
        f"required field '{spec.name}' is missing ({spec.description})",
        f"add '{spec.name}: {example}' to the front-matter",
    )


def _check_location(
    location: Location, values: Mapping[str, Any], key_lines: Mapping[str, int]
) -> list[Finding]:
    path, doc_type = location.path, location.type
    findings = []
    if "type" in values and values["type"] != doc_type.value:
        findings.append(
            error(
                path,
                key_lines.get("type", 1),
                "type-mismatch",
                f"type '{values['type']}' does not match the folder, which holds "
                f"{doc_type.value} documents",
                f"write 'type: {doc_type.value}', or move the file to the right folder",
            )
        )
    doc_id = values.get("id")
    ascii_form = ascii_id(doc_id) if doc_id is not None else None
    if doc_id is not None and ascii_form is not None:
        findings.append(
            error(
                path,
                key_lines.get("id", 1),
                "id-digits",
                f"id '{doc_id}' is written with digits other than 0-9: it is not {ascii_form}",
                f"write it with ASCII digits: {ascii_form}",
            )
        )
    elif doc_id is not None and not (
        ID_PATTERN.match(doc_id) and doc_id.startswith(doc_type.id_prefix + "-")
    ):
        findings.append(
            error(
                path,
                key_lines.get("id", 1),
                "id-prefix",
                f"id '{doc_id}' does not fit a {doc_type.value}",
                f"{doc_type.value} ids are '{doc_type.id_prefix}-' then digits, "
                f"e.g. {doc_type.id_prefix}-0042",
            )
        )
    category = values.get("category")
    if doc_type is DocType.ARTICLE and category is not None and category != location.category:
        where = location.category or "(none: the file is directly in kb/)"
        findings.append(
            error(
                path,
                key_lines.get("category", 1),
                "category-mismatch",
                f"category '{category}' does not match the folder: {where}",
                "remove 'category' (the folder is the category) or move the file",
            )
        )
    return findings
