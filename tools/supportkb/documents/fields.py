"""The front-matter fields, declared once in `FIELDS`: each field's name, the document types
that may carry it, whether it is required, its parser, its JSON Schema, its description for
authors, the `Document` attribute it fills and what the search index keeps of it.

Everything else is made from the table: `build_document` (a parsed front-matter mapping to a
`Document`, reporting every field that is missing, misspelt, of the wrong type or not allowed
for the document's type), the JSON Schema (`authoring.schema`), the search index's entry
(`index_values`) and the authors' reference. Adding a field is one entry here and one
attribute on `Document`.
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
from supportkb.documents.layout import ARTICLES_DIR
from supportkb.documents.layout import Location as Location  # where it was declared before
from supportkb.documents.model import Applicability, Document, Drill, Link
from supportkb.documents.vocabulary import (
    ARTICLE_KINDS,
    DocType,
    Status,
    Visibility,
    id_prefixes,
    in_words,
    status_names,
)

ALL_TYPES = frozenset(DocType)
VERSIONED = frozenset({DocType.SOP, DocType.EMERGENCY_PLAN, DocType.POLICY})
# ASCII digits: Python's \d takes any
ID_PATTERN = re.compile(rf"^({'|'.join(id_prefixes())})-[0-9]+$")
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


def _to_choice(
    name: str, choices: tuple[str, ...], enum_type: type[enum.StrEnum] | None = None
) -> Callable[[Any], Any]:
    """A value among `choices`; an enum's member when the field names one (`status: draft`
    becomes `Status.DRAFT`, the value the `Document` holds)."""

    def convert(value: Any) -> Any:
        if isinstance(value, str) and value in choices:
            return enum_type(value) if enum_type is not None else value
        suggestion = did_you_mean(str(value), choices) if isinstance(value, str) else ""
        raise FieldError(
            f"{name} {value!r} is not one of: {', '.join(choices)}",
            suggestion or f"use one of: {', '.join(choices)}",
        )

    return convert


# --- the JSON Schema of each kind of value ------------------------------------------------------

_DATE_SCHEMA = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "format": "date"}
_TEXT_SCHEMA = {"type": ["string", "number"], "minLength": 1}
_IDENTIFIER_SCHEMA = {"type": "string", "pattern": r"^[^\n]*\S[^\n]*$"}


def _records_schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "array",
        "items": {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        },
    }


@dataclass(frozen=True)
class Kind:
    """A kind of front-matter value: how it is read and what the JSON Schema says of it."""

    parse: Callable[[Any], Any]
    schema: Mapping[str, Any]


KINDS: dict[str, Kind] = {
    "text": Kind(to_text, _TEXT_SCHEMA),
    "id": Kind(to_identifier, _IDENTIFIER_SCHEMA),
    "ids": Kind(
        to_id_list, {"oneOf": [_IDENTIFIER_SCHEMA, {"type": "array", "items": _IDENTIFIER_SCHEMA}]}
    ),
    "texts": Kind(
        to_text_list, {"oneOf": [{"type": "string"}, {"type": "array", "items": _TEXT_SCHEMA}]}
    ),
    "date": Kind(to_date, _DATE_SCHEMA),
    "duration": Kind(
        to_duration, {"type": "string", "pattern": r"^\s*0*[1-9]\d{0,3}\s*[dwmy]\s*$"}
    ),
    "version": Kind(to_version, {"type": ["string", "integer"], "minLength": 1}),
    "applies_to": Kind(
        to_applies_to,
        _records_schema({"product": _TEXT_SCHEMA, "versions": {"type": ["string", "number"]}}),
    ),
    "drills": Kind(
        to_drills,
        _records_schema({"date": _DATE_SCHEMA, "scenario": _TEXT_SCHEMA, "report": _TEXT_SCHEMA}),
    ),
}


# --- the field table --------------------------------------------------------------------------


class _Unset(enum.Enum):
    UNSET = "unset"


UNSET = _Unset.UNSET  # no value of its own: the `Document`'s default applies


def _text_or_empty(value: Any) -> Any:
    return value if value is not None else ""


def _as_text(value: Any) -> str:
    return str(value)


def _same(value: Any) -> Any:
    return value


def _products(value: tuple[Applicability, ...]) -> tuple[str, ...]:
    return tuple(sorted({entry.product for entry in value}))


@dataclass(frozen=True)
class Indexed:
    """What the search index keeps of a field: the `IndexEntry` attribute it fills, the value
    it stores there (made from the `Document`'s), and the name a query filters it by
    (`tag:vpn`, `--tag vpn`, `?tag=vpn`; None when it is not a filter)."""

    entry: str
    value: Callable[[Any], Any] = _same
    filter: str | None = None


@dataclass(frozen=True)
class FieldSpec:
    """One front-matter field, declared once: the checker, the `Document`, the JSON Schema,
    the search index and the authors' reference all read it from here."""

    name: str
    kind: str  # a key of KINDS, or "choice"
    description: str  # for authors: the reference, the JSON Schema and `field-missing`
    parse: Callable[[Any], Any]  # the written value to the Document's value (raises FieldError)
    schema: Mapping[str, Any]  # the JSON Schema of the written value
    choices: tuple[str, ...] = ()
    types: frozenset[DocType] = ALL_TYPES  # the document types that may carry the field
    required: Required = Required.NO
    required_types: frozenset[DocType] = ALL_TYPES
    attribute: str = ""  # the Document attribute it fills (its name unless said otherwise)
    default: Any = UNSET  # the Document's value when the field is absent
    if_refused: Any = UNSET  # the Document's value when it is written but refused
    example: str = "..."  # the value `field-missing` suggests
    when_missing: str = ""  # `field-missing`'s fix when more helpful than "add NAME: example";
    # {id} stands for the document's id
    index: Indexed | None = None

    def is_required(self, doc_type: DocType, status: Status | None) -> bool:
        if self.required is Required.NO or doc_type not in (self.types & self.required_types):
            return False
        if self.required is Required.UNLESS_DRAFT:
            return status is not Status.DRAFT
        if self.required is Required.IF_PUBLISHED:
            return status is Status.PUBLISHED
        return True

    def requirement(self) -> str:
        """When the field is required, in words for the authors' reference."""
        types = self.types & self.required_types
        scope = "" if types == ALL_TYPES else " for " + in_words(_in_order(types), "and")
        return {
            Required.NO: "optional",
            Required.ALWAYS: f"required{scope}",
            Required.UNLESS_DRAFT: f"required{scope} unless the status is {Status.DRAFT}",
            Required.IF_PUBLISHED: f"required{scope} once the status is {Status.PUBLISHED}",
        }[self.required]

    def json_schema(self) -> dict[str, Any]:
        """The field's JSON Schema, its description naming the types that may carry it."""
        types = ", ".join(sorted(t.value for t in self.types))
        return {**self.schema, "description": f"{self.description} [{types}]"}


def _in_order(types: frozenset[DocType]) -> tuple[str, ...]:
    return tuple(doc_type.value for doc_type in DocType if doc_type in types)


def _field(
    name: str,
    kind: str,
    description: str,
    *,
    choices: tuple[str, ...] = (),
    enum_type: type[enum.StrEnum] | None = None,
    parse: Callable[[Any], Any] | None = None,
    schema: Mapping[str, Any] | None = None,
    **details: Any,
) -> FieldSpec:
    """A field whose parser and schema come from its kind unless given."""
    if enum_type is not None:
        choices = tuple(str(member.value) for member in enum_type)
    if kind == "choice":
        parse = parse or _to_choice(name, choices, enum_type)
        schema = schema or {"enum": list(choices)}
    return FieldSpec(
        name,
        kind,
        description,
        parse=parse or KINDS[kind].parse,
        schema=schema or KINDS[kind].schema,
        choices=choices,
        attribute=details.pop("attribute", name),
        **details,
    )


def _to_own_id(value: Any) -> str:
    """A document's own id: one written with other digits is kept (so that the document
    is still known), and reported as `id-digits` with the rules on where it lives."""
    if isinstance(value, str) and ascii_id(value.strip()) is not None:
        return value.strip()
    return to_identifier(value)


FIELDS: tuple[FieldSpec, ...] = (
    _field(
        "id",
        "id",
        f"Unique, stable id: {in_words(tuple(p + '-' for p in id_prefixes()))} then digits "
        f"({DocType.ARTICLE.id_prefix}-0042)",
        parse=_to_own_id,  # other digits: the document is kept, `id-digits` says why
        schema={"type": "string", "pattern": ID_PATTERN.pattern},
        required=Required.ALWAYS,
        index=Indexed("id", filter="id"),
    ),
    _field(
        "title",
        "text",
        "Title shown in search results and on the page",
        required=Required.ALWAYS,
        default="",
        index=Indexed("title"),
    ),
    _field(
        "type",
        "choice",
        "Document type; inferred from the folder, must agree if written",
        enum_type=DocType,  # the Document's type is the folder's (`type-mismatch` if not)
        index=Indexed("type", _as_text, filter="type"),
    ),
    _field(
        "status",
        "choice",
        f"KCS state: {', '.join(status_names())}",
        enum_type=Status,
        required=Required.ALWAYS,
        example=Status.DRAFT.value,
        index=Indexed("status", _as_text, filter="status"),
    ),
    _field(
        "owner",
        "text",
        "Person or team id from owners.yml",
        required=Required.ALWAYS,
        default="",
        index=Indexed("owner", filter="owner"),
    ),
    _field("reviewers", "ids", "Person ids who reviewed the document"),
    _field(
        "last_reviewed",
        "date",
        "Date of the last review (YYYY-MM-DD)",
        required=Required.UNLESS_DRAFT,
        example="YYYY-MM-DD",
        when_missing="once the document is reviewed, run `kb review {id}` (it writes last_reviewed "
        "and adds the reviewer), or add 'last_reviewed: YYYY-MM-DD' with the day of the review; "
        "a draft needs none",
        index=Indexed("last_reviewed"),
    ),
    _field("review_every", "duration", "Review interval (90d, 2w, 6m, 1y)"),
    _field("review_by", "date", "Explicit review due date; overrides the computed one"),
    _field(
        "tags",
        "texts",
        "Keywords for search and browsing",
        index=Indexed("tags", filter="tag"),
    ),
    _field(
        "category",
        "text",
        f"Category; for articles, the folder under {ARTICLES_DIR}/",  # absent: the folder's
        index=Indexed("category", _text_or_empty, filter="category"),
    ),
    _field(
        "kind",
        "choice",
        f"Article kind: {in_words(ARTICLE_KINDS)}",
        choices=ARTICLE_KINDS,
        types=frozenset({DocType.ARTICLE}),
        index=Indexed("kind", _text_or_empty, filter="kind"),
    ),
    _field(
        "version",
        "version",
        'Document version, quoted ("1.2")',
        types=VERSIONED,
        required=Required.ALWAYS,
        required_types=VERSIONED,
        example='"1.0"',
        index=Indexed("version", _text_or_empty),
    ),
    _field(
        "effective",
        "date",
        "Date this version takes effect (on or after its approval; default: the approval date)",
        types=VERSIONED,
        required=Required.IF_PUBLISHED,
        required_types=frozenset({DocType.POLICY}),
        example="YYYY-MM-DD",
    ),
    _field(
        "approved_by",
        "id",
        "Person id who approved this version",
        types=VERSIONED,
        required=Required.IF_PUBLISHED,
        required_types=frozenset({DocType.SOP, DocType.POLICY}),
    ),
    # Not required by the table: knowledge bases written before it existed stay valid; a
    # version changed since the base branch needs it (`kb check --since`: approval-missing).
    _field(
        "approved_on",
        "date",
        "Date this version was approved (YYYY-MM-DD; `kb approve` writes it)",
        types=VERSIONED,
        example="YYYY-MM-DD",
    ),
    _field(
        "visibility",
        "choice",
        in_words(tuple(f"{v} (default)" if v is Visibility.INTERNAL else v for v in Visibility)),
        enum_type=Visibility,
        if_refused=Visibility.RESTRICTED,  # fails closed: not understood counts as restricted
        index=Indexed("visibility", _as_text),
    ),
    _field(
        "applies_to",
        "applies_to",
        "Products and version ranges: [{product, versions}]",
        index=Indexed("products", _products, filter="product"),
    ),
    _field("related", "ids", "Ids of related documents"),
    _field("supersedes", "id", "Id of the document this one replaces"),
    _field(
        "drill_every",
        "duration",
        "Drill interval for an emergency plan",
        types=frozenset({DocType.EMERGENCY_PLAN}),
    ),
    _field(
        "drills",
        "drills",
        "Drill records: [{date, scenario, report}]",
        types=frozenset({DocType.EMERGENCY_PLAN}),
    ),
)
FIELDS_BY_NAME = {spec.name: spec for spec in FIELDS}
FROM_THE_FILE = ("path", "type", "category", "links", "field_lines")
"""The Document attributes its file fills (its place, its body, its lines) rather than a field:
`type` and `category` are the folder's (a written one must agree), `links` the body's."""


def index_values(document: Document) -> dict[str, Any]:
    """The `IndexEntry` attributes the front-matter fills, by name: what the index builder
    passes to `IndexEntry(...)` besides what it makes itself (path, owner groups, headings,
    body, review due date, URL, digest)."""
    return {
        spec.index.entry: spec.index.value(getattr(document, spec.attribute))
        for spec in FIELDS
        if spec.index is not None
    }


def filter_names() -> tuple[str, ...]:
    """The names a search filters fields by (`type`, `tag`, `product`...), in table order."""
    return tuple(spec.index.filter for spec in FIELDS if spec.index and spec.index.filter)


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
            try:
                values[spec.name] = spec.parse(raw)
            except FieldError as exc:
                findings.append(error(path, line, "field-type", f"{key}: {exc.message}", exc.hint))

    status: Status | None = values.get("status")
    for spec in _required_fields(doc_type, status):
        if spec.name not in front_matter:
            findings.append(_missing_field(path, spec, doc_type, str(values.get("id", "ID"))))

    findings.extend(_check_location(location, values, key_lines))
    if "id" not in values:
        return None, findings
    document = Document(
        **{
            "category": location.category,
            **_attributes(front_matter, values),
            "path": path,
            "type": doc_type,  # the folder's: a type written otherwise is `type-mismatch`
            "links": links,
            "field_lines": dict(key_lines),
        }
    )
    return document, findings


def _attributes(front_matter: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """The Document's attributes that the fields fill, by the table: the value read, else
    the field's value for one written but refused, else its default."""
    attributes: dict[str, Any] = {}
    for spec in FIELDS:
        if spec.name in values:
            attributes[spec.attribute] = values[spec.name]
        elif spec.name in front_matter and spec.if_refused is not UNSET:
            attributes[spec.attribute] = spec.if_refused
        elif spec.default is not UNSET:
            attributes[spec.attribute] = spec.default
    return attributes


def _unknown_field(path: str, line: int, key: str) -> Finding:
    suggestion = did_you_mean(key, list(FIELDS_BY_NAME))
    return error(
        path,
        line,
        "field-unknown",
        f"unknown field '{key}'",
        suggestion
        or "remove it; the fields are listed in the site (Contributing › Reference › Front-matter)",
    )


def _missing_field(path: str, spec: FieldSpec, doc_type: DocType, doc_id: str) -> Finding:
    example = f"{doc_type.id_prefix}-0001" if spec.name == "id" else spec.example
    return error(
        path,
        1,
        "field-missing",
        f"required field '{spec.name}' is missing ({spec.description})",
        spec.when_missing.replace("{id}", doc_id)
        or f"add '{spec.name}: {example}' to the front-matter",
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
        where = location.category or f"(none: the file is directly in {ARTICLES_DIR}/)"
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
