"""The field table is the one declaration of the front-matter: every field it lists reaches
the `Document`, the JSON Schema and the reference, and nothing fills the `Document` that the
table (or the file's place) does not."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import pytest

from supportkb.authoring.schema import front_matter_schema
from supportkb.checking.check import check
from supportkb.documents.fields import (
    FIELDS,
    FIELDS_BY_NAME,
    FROM_THE_FILE,
    KINDS,
    FieldSpec,
    Location,
    build_document,
    filter_names,
    index_values,
)
from supportkb.documents.model import Document
from supportkb.documents.vocabulary import DocType, Status
from supportkb.search.indexing.entry import IndexEntry

from conftest import AS_OF, KnowledgeBaseFactory

SAMPLES: dict[str, Any] = {  # kind: a value written in a front-matter
    "text": "VPN 錯誤 809",
    "ids": ["KB-0002", "SOP-0003"],
    "texts": ["vpn", "錯誤"],
    "date": date(2026, 5, 1),
    "duration": "6m",
    "version": "1.10",
    "applies_to": [{"product": "ERP", "versions": ">=5.4,<6"}],
    "drills": [{"date": date(2026, 5, 1), "scenario": "停電", "report": "drills/a.md"}],
}


def written(spec: FieldSpec, doc_type: DocType) -> Any:
    """A valid value of the field for a document of `doc_type`."""
    if spec.name == "id":
        return f"{doc_type.id_prefix}-0001"
    if spec.name == "type":
        return doc_type.value
    if spec.name == "category":
        return "network"  # the folder's, as the checker wants
    if spec.kind == "id":
        return "alice"
    if spec.kind == "choice":
        return spec.choices[-1]
    return SAMPLES[spec.kind]


def full_document(doc_type: DocType) -> tuple[Document, dict[str, Any]]:
    """A document of `doc_type` whose front-matter writes every field its type may carry."""
    front = {spec.name: written(spec, doc_type) for spec in FIELDS if doc_type in spec.types}
    category = "network" if doc_type is DocType.ARTICLE else None
    document, findings = build_document(Location("x.md", doc_type, category), front, {})
    assert document is not None
    assert [f for f in findings if f.code.startswith("field-")] == [], findings
    return document, front


@pytest.mark.parametrize("doc_type", list(DocType), ids=str)
def test_every_field_in_the_table_reaches_the_document(doc_type: DocType) -> None:
    document, front = full_document(doc_type)
    for spec in FIELDS:
        if spec.name in front:
            assert getattr(document, spec.attribute) == spec.parse(front[spec.name]), spec.name


def test_the_table_and_the_file_fill_every_attribute_of_the_document() -> None:
    attributes = {f.name for f in dataclasses.fields(Document)}
    from_the_table = {spec.attribute for spec in FIELDS}
    assert from_the_table <= attributes  # no field fills an attribute that does not exist
    assert attributes == from_the_table | set(FROM_THE_FILE)  # no attribute filled by hand


def test_every_field_is_documented_for_authors() -> None:
    for spec in FIELDS:
        assert spec.description.strip(), spec.name
        assert "\n" not in spec.description, spec.name
        assert spec.kind in KINDS or (spec.kind == "choice" and spec.choices), spec.name


def test_the_schema_covers_every_field_with_its_own_fragment() -> None:
    properties = front_matter_schema()["properties"]
    assert list(properties) == [spec.name for spec in FIELDS]
    for spec in FIELDS:
        assert properties[spec.name] == {
            **spec.schema,
            "description": properties[spec.name]["description"],
        }
        assert properties[spec.name]["description"].startswith(spec.description)


@pytest.mark.parametrize("doc_type", list(DocType), ids=str)
def test_the_index_entry_is_filled_from_the_table(doc_type: DocType) -> None:
    document, _ = full_document(doc_type)
    values = index_values(document)
    entry = IndexEntry(**values, path=document.path, owner_groups=(document.owner,))
    assert entry.id == document.id
    assert entry.type == doc_type.value
    assert entry.status == str(document.status)
    assert entry.visibility == str(document.visibility)
    assert entry.tags == document.tags
    assert entry.products == ("ERP",)
    assert entry.version == (document.version or "")


def test_filters_are_named_once_each() -> None:
    names = filter_names()
    assert len(names) == len(set(names))
    assert {"id", "type", "status", "owner", "tag", "product", "category", "kind"} == set(names)


def test_the_requirement_in_words_agrees_with_the_checker() -> None:
    assert FIELDS_BY_NAME["tags"].requirement() == "optional"
    assert FIELDS_BY_NAME["id"].requirement() == "required"
    assert FIELDS_BY_NAME["approved_by"].requirement() == (
        "required for sop and policy once the status is published"
    )
    for spec in FIELDS:
        required_somewhere = any(
            spec.is_required(doc_type, status) for doc_type in DocType for status in Status
        )
        assert (spec.requirement() != "optional") == required_somewhere, spec.name


def test_a_published_document_without_last_reviewed_is_told_to_record_the_review(
    kb: KnowledgeBaseFactory,
) -> None:
    """`kb new` writes no last_reviewed on a draft: publishing it asks for the review, by the
    command that records one."""
    kb.article(last_reviewed="")
    [finding] = [f for f in check(kb.root, AS_OF).findings if f.code == "field-missing"]
    assert finding.path == "kb/vpn/error-809.md" and "last_reviewed" in finding.message
    assert "kb review KB-0001" in finding.hint and "a draft needs none" in finding.hint
