"""Whoosh is imported by `search/backend` only, and rjieba by `search/text/jieba_library`."""

from __future__ import annotations

import re
from pathlib import Path

import supportkb

PACKAGE = Path(supportkb.__file__).parent


def importers(library: str) -> set[str]:
    imports = re.compile(rf"^\s*(?:import|from) {library}\b", re.MULTILINE)
    return {
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if imports.search(path.read_text(encoding="utf-8"))
    }


def test_only_the_backend_imports_whoosh() -> None:
    found = importers("whoosh")
    assert found and all(path.startswith("search/backend/") for path in found), found


def test_only_the_jieba_library_module_imports_rjieba() -> None:
    assert importers("rjieba") == {"search/text/jieba_library.py"}
