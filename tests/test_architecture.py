"""The floors of tools/docs/architecture.md hold: a room imports only from its own room and
from lower floors, and the four rooms of one floor (search, authoring, checking, reporting)
do not import each other. The floors are read from the document, so the picture a newcomer
reads is the one this test enforces."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from conftest import REPO_ROOT

PACKAGE = REPO_ROOT / "tools" / "supportkb"


def floors() -> list[set[str]]:
    text = (REPO_ROOT / "tools" / "docs" / "architecture.md").read_text(encoding="utf-8")
    [line] = [line for line in text.splitlines() if line.startswith("cli → ")]
    return [{room.strip() for room in floor.split("/")} for floor in line.split("→")]


def room_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if re.match(r"^supportkb(\.|$)", name)}


def test_no_room_imports_from_a_higher_floor_or_a_neighbour() -> None:
    level = {room: number for number, floor in enumerate(floors()) for room in floor}
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    rooms |= {p.stem for p in PACKAGE.glob("*.py") if p.stem in level}
    assert rooms - {"assets", "data", "templates"} <= set(level), "a room missing from the floors"
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        own = path.relative_to(PACKAGE).parts[0].removesuffix(".py")
        if own not in level:
            continue
        for name in imports(path):
            other = room_of(name)
            if other in ("", own) or other not in level:
                continue
            if level[other] <= level[own]:  # the same floor's other rooms, or a higher floor
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert wrong == []
