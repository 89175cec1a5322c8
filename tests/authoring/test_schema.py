"""The JSON Schema and the checker come from one field table, and agree."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import jsonschema
import pytest
import yaml

from supportkb.authoring.schema import SCHEMA_FILE, front_matter_schema, schema_text
from supportkb.documents.fields import FIELDS, Location, build_document
from supportkb.documents.layout import discover
from supportkb.documents.model import DocType
from supportkb.documents.source import read_source

from conftest import REPO_ROOT

ROOT = REPO_ROOT
VALIDATOR = jsonschema.Draft202012Validator(front_matter_schema())


def as_json(value: Any) -> Any:
    """What an editor's YAML 1.2 parser sees: dates are strings."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()[:10]
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items()}
    return value


def test_shipped_schema_is_the_generated_one() -> None:
    assert (ROOT / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()
    jsonschema.Draft202012Validator.check_schema(json.loads(schema_text()))


def test_starter_content_validates_against_the_schema() -> None:
    for location in discover(ROOT):
        source, _ = read_source(location.path, (ROOT / location.path).read_bytes())
        assert source is not None
        errors = list(VALIDATOR.iter_errors(as_json(source.front_matter)))
        assert errors == [], (location.path, [e.message for e in errors])


SAMPLES: dict[str, tuple[list[Any], list[Any]]] = {  # kind: (accepted, refused)
    "text": (["VPN 錯誤 809", 809], [None, "", [], {}]),
    "id": (["KB-0001"], [None, [], "a\nb"]),
    "ids": (["KB-0001", ["KB-0001", "SOP-0002"], []], [None, {}, [None]]),
    "texts": (["vpn", ["vpn", "錯誤"], [809]], [None, {}, [None]]),
    "date": (["2026-05-01"], ["2026/05/01", "2026年5月1日", None, 5]),
    "duration": (["90d", "2w", "6m", "1y"], ["6 months", "0d", "m", 6, None]),
    "version": (["1.10", 2], [None, [], ""]),
    "applies_to": (
        [[{"product": "ERP", "versions": ">=5.4,<6"}], []],
        [[{"product": "ERP"}], "ERP", [{"product": "ERP", "versions": "*", "x": 1}]],
    ),
    "drills": (
        [[{"date": "2026-05-01", "scenario": "停電", "report": "drills/a.md"}]],
        [[{"date": "2026-05-01"}], [{"date": "x", "scenario": "s", "report": "r"}]],
    ),
}


@pytest.mark.parametrize("spec", FIELDS, ids=lambda spec: spec.name)
def test_schema_and_checker_agree_on_each_field(spec: Any) -> None:
    doc_type = next(iter(sorted(spec.types, key=lambda t: t.value)))
    accepted, refused = SAMPLES.get(spec.kind, ([], []))
    if spec.kind == "choice":
        accepted, refused = list(spec.choices), ["nonsense", None, 1]
    base = {"title": "t", "status": "draft", "owner": "x", "last_reviewed": "2026-01-01"}
    for value, expected in [(v, True) for v in accepted] + [(v, False) for v in refused]:
        if spec.name == "id" and expected and not str(value).startswith(doc_type.id_prefix):
            continue
        front = {**base, "id": f"{doc_type.id_prefix}-0001", spec.name: value}
        if doc_type is not DocType.ARTICLE and spec.name != "version":
            front.setdefault("version", "1.0")
        if spec.name == "type" and value in {t.value for t in DocType}:
            location = Location("x.md", DocType(value), None)
            front.update(id=f"{location.type.id_prefix}-0001", version="1.0")
        else:
            location = Location("x.md", doc_type, None)
        _, findings = build_document(location, yaml.safe_load(yaml.safe_dump(front)), {})
        checker_ok = not [
            f for f in findings if f.code in ("field-type", "id-prefix", "field-missing")
        ]
        schema_ok = VALIDATOR.is_valid(front)
        assert (checker_ok, schema_ok) == (expected, expected), (spec.name, value)


def test_unknown_fields_and_missing_required_fields_fail_both() -> None:
    assert not VALIDATOR.is_valid(
        {"id": "KB-1", "title": "t", "status": "draft", "owner": "x", "last_reviwed": "2026-01-01"}
    )
    assert not VALIDATOR.is_valid({"id": "KB-1", "title": "t", "status": "published", "owner": "x"})
    assert VALIDATOR.is_valid({"id": "KB-1", "title": "t", "status": "draft", "owner": "x"})
