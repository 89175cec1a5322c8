"""Folder names are written in `documents/layout.py` and nowhere else in the lower floors: the
site's catalog pages, `kb new`, `kb serve --watch` and the index's page URLs ask it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from supportkb.documents.layout import (
    DOCS_DIR,
    TYPE_FOLDERS,
    catalog_page,
    category_page,
    folder_for,
    locate,
    site_path,
    source_folders,
)
from supportkb.documents.vocabulary import DocType

PACKAGE = Path(__file__).resolve().parents[2] / "tools" / "supportkb"
ROOMS = ("documents", "workspace", "authoring", "checking", "reporting")
_FOLDER = re.compile(r"(^|[\s(`'\"])(kb|sops|docs)/|^(sops|docs)$|policies/")


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """The module's string constants, docstrings left out (they may name folders to explain)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_module_but_layout_writes_a_folder_name() -> None:
    found = [
        f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
        for room in ROOMS
        for path in sorted((PACKAGE / room).rglob("*.py"))
        if path.name != "layout.py"
        for line, text in _string_literals(path)
        if _FOLDER.search(text)
    ]
    assert found == []


def test_every_type_folder_holds_its_type() -> None:
    for doc_type, folder in TYPE_FOLDERS.items():
        located = locate(f"{folder_for(doc_type, 'vpn')}/x.md")
        assert located is not None and located.type is doc_type
        assert locate(f"{folder}/x.md") is not None


def test_the_catalog_pages_are_where_the_site_publishes_each_folder() -> None:
    assert {t: catalog_page(t) for t in DocType} == {
        DocType.ARTICLE: "kb/index.md",
        DocType.SOP: "sops/index.md",
        DocType.EMERGENCY_PLAN: "sops/emergency/index.md",
        DocType.POLICY: "policies/index.md",
    }
    assert category_page("applications/erp") == "kb/applications/erp/index.md"


@pytest.mark.parametrize(
    ("docs_dir", "repo_path", "published"),
    [
        (DOCS_DIR, "docs/policies/p.md", "policies/p.md"),
        (DOCS_DIR, "kb/vpn/x.md", "kb/vpn/x.md"),
        ("site-src", "docs/policies/p.md", "docs/policies/p.md"),
        ("site-src/", "site-src/index.md", "index.md"),
        (DOCS_DIR, "docsx/a.md", "docsx/a.md"),
    ],
)
def test_site_path_honours_the_configured_docs_dir(
    docs_dir: str, repo_path: str, published: str
) -> None:
    assert site_path(repo_path, docs_dir) == published


def test_the_watched_folders_follow_docs_dir() -> None:
    assert source_folders() == ("kb", "sops", "docs")
    assert source_folders("site-src") == ("kb", "sops", "docs", "site-src")
