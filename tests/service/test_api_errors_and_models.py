"""The API's one exception handler for the library's errors, its filters taken from the
vocabulary (aliases included) and its result model derived from the search layer's record."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from supportkb.documents.vocabulary import status_names, type_names
from supportkb.search.indexing.index import build_index, open_engine
from supportkb.search.query import SearchRequest, SearchResult, run_search
from supportkb.service import app as app_module
from supportkb.service.app import ServeSettings, create_app

from conftest import AS_OF, POWER_PLAN, KnowledgeBaseFactory


@pytest.fixture
def root(kb: KnowledgeBaseFactory) -> Path:
    kb.article(title="機房網路中斷")
    kb.write("sops/emergency/power.md", POWER_PLAN)
    (kb.root / "site").mkdir()
    (kb.root / "site" / "index.html").write_text("<h1>KB</h1>", encoding="utf-8")
    build_index(kb.root)
    return kb.root


@pytest.fixture
def client(root: Path) -> TestClient:
    settings = ServeSettings(
        index_folder=str(root / ".kb-index"),
        site_folder=str(root / "site"),
        audience="internal",
        as_of=AS_OF.isoformat(),
    )
    return TestClient(create_app(settings))


def found(client: TestClient, **params: str) -> list[str]:
    answer = client.get("/api/search", params={"q": "機房", **params})
    assert answer.status_code == 200, answer.text
    return [result["id"] for result in answer.json()["results"]]


@pytest.mark.parametrize("name", ["plan", "ep", "emergency-plan"])
def test_every_name_of_a_type_filters_by_it(client: TestClient, name: str) -> None:
    assert found(client, type=name) == ["EP-0001"]


def test_article_aliases_and_statuses(client: TestClient) -> None:
    assert found(client, type="kb") == ["KB-0001"]
    assert found(client, type="article", status="published") == ["KB-0001"]


def test_a_query_that_cannot_be_run_is_400_with_its_message(client: TestClient) -> None:
    answer = client.get("/api/search", params={"q": "NOT NOT vpn"})
    assert answer.status_code == 400
    assert answer.json() == {"detail": answer.json()["detail"]}
    assert "cannot read the query" in answer.json()["detail"]


def test_a_missing_index_is_503_with_what_to_do_on_every_route(
    client: TestClient, root: Path
) -> None:
    shutil.rmtree(root / ".kb-index")
    answers = [
        client.get("/api/search", params={"q": "機房"}),
        client.get("/api/documents/KB-0001"),
        client.get("/api/health"),
        client.post("/api/opened", json={"query": "機房", "id": "KB-0001"}),
    ]
    assert [answer.status_code for answer in answers] == [503] * 4
    assert all("kb index" in answer.json()["detail"] for answer in answers)
    assert all("Traceback" not in answer.text for answer in answers)


def test_the_routes_catch_no_library_error() -> None:
    """The library's errors are translated by one handler: no route has a try block of its
    own that names them."""
    tree = ast.parse(inspect.getsource(app_module._routes))
    caught = {
        ast.unparse(handler.type)
        for node in ast.walk(tree)
        if isinstance(node, ast.Try)
        for handler in node.handlers
        if handler.type is not None
    }
    assert not {name for name in caught if "Error" in name}


def test_the_openapi_filters_are_the_vocabulary(client: TestClient) -> None:
    schema = client.get("/api/openapi.json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/search"]["get"]["parameters"]}

    def allowed(name: str) -> list[str]:
        items = parameters[name]["schema"]["anyOf"][0]["items"]
        return list(items["enum"])

    assert allowed("type") == [str(name) for name in type_names()]
    assert allowed("status") == [str(name) for name in status_names()]


def test_the_result_model_has_the_fields_of_search_result(client: TestClient, root: Path) -> None:
    schema = client.get("/api/openapi.json").json()["components"]["schemas"]
    result = next(model for model in schema.values() if "snippet" in model.get("properties", {}))
    fields = dataclasses.fields(SearchResult)
    assert list(result["properties"]) == [field.name for field in fields]
    required = [f.name for f in fields if f.default is dataclasses.MISSING]
    assert result["required"] == required
    assert all(prop.get("description") for prop in result["properties"].values())
    # a result is the object of `kb search --json`, no field added (an optional one left out)
    [first] = client.get("/api/search", params={"q": "停電"}).json()["results"]
    engine = open_engine(root / ".kb-index", "internal")
    searcher = engine.searcher()
    try:
        [expected] = run_search(searcher, SearchRequest("停電", AS_OF)).as_json()["results"]
    finally:
        searcher.close()
    assert list(first) == list(expected)
