"""Schemathesis against the service's own OpenAPI description: whatever it sends, within the
schema or not, the service answers without a server error and as its schema says."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from supportkb.search.indexing.index import build_index
from supportkb.service.app import ServeSettings, create_app

from conftest import AS_OF, KnowledgeBaseFactory


@pytest.fixture
def api_schema(tmp_path: Path) -> schemathesis.BaseSchema:
    kb = KnowledgeBaseFactory(tmp_path)
    kb.article("kb/vpn/error-809.md")
    kb.article("kb/printing/jam.md", id="KB-0002", title="印表機卡紙")
    build_index(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    app = create_app(
        ServeSettings(
            index_folder=str(tmp_path / ".kb-index"),
            site_folder=str(tmp_path / "site"),
            analytics=str(tmp_path / "analytics.sqlite"),
            as_of=AS_OF.isoformat(),
        )
    )
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


def test_the_api_never_fails_and_keeps_to_its_schema(api_schema: schemathesis.BaseSchema) -> None:
    # schemathesis's own pytest plugin does not load under pytest 9, so its strategies are
    # driven by Hypothesis directly: the same cases, the same checks
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/api/search", "/api/documents/{doc_id}"}
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=60,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate()

        check()
