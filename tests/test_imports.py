from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from supportkb.search.backend.imports import StandIn, stand_ins

TARGET = """
import sys
sys.modules.setdefault("standin_log", []).append("imported")  # the import is seen
VALUE = 3

def twice(number):
    return 2 * number
"""


@pytest.fixture
def target(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "standin_target.py").write_text(TARGET, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "standin_target", raising=False)
    monkeypatch.setitem(sys.modules, "standin_log", [])  # type: ignore[arg-type]
    return "standin_target"


def test_a_stand_in_imports_the_real_module_only_when_used(target: str) -> None:
    with stand_ins(StandIn(target, given={"GIVEN": 1}, forwarded=("twice",))):
        from standin_target import GIVEN, twice  # type: ignore[import-not-found]

        assert GIVEN == 1
    assert sys.modules["standin_log"] == []  # not imported by the `from ... import`
    assert target not in sys.modules  # and nothing left in place of it
    assert twice(4) == 8  # calling the function imports it
    assert sys.modules["standin_log"] == ["imported"]


def test_any_other_attribute_of_a_stand_in_comes_from_the_real_module(target: str) -> None:
    with stand_ins(StandIn(target)):
        import standin_target  # type: ignore[import-not-found]

    assert standin_target.VALUE == 3
    assert standin_target.twice(2) == 4
    assert sys.modules["standin_log"] == ["imported"]  # once


def test_a_module_already_imported_is_left_alone(target: str) -> None:
    import standin_target  # type: ignore[import-not-found]

    with stand_ins(StandIn(target, given={"VALUE": 99})):
        from standin_target import VALUE  # type: ignore[import-not-found]
    assert VALUE == 3 and sys.modules[target] is standin_target


def test_a_stand_in_does_not_stay_on_its_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "standin_package").mkdir()
    (tmp_path / "standin_package/__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "standin_package/child.py").write_text("VALUE = 7\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import standin_package  # type: ignore[import-not-found]

    with stand_ins(StandIn("standin_package.child")):
        assert isinstance(standin_package.child, StandIn)
    assert "standin_package.child" not in sys.modules
    assert not hasattr(standin_package, "child")
    import standin_package.child  # type: ignore[import-not-found]

    assert standin_package.child.VALUE == 7 and not isinstance(standin_package.child, StandIn)
    for name in ("standin_package.child", "standin_package"):
        monkeypatch.delitem(sys.modules, name)


def test_the_search_engine_loads_what_writing_needs_only() -> None:
    """`kb index` imports the engine: no NumPy, asyncio, urllib.request or Whoosh searching;
    `load_searching` (what a searcher calls first) brings NumPy and Whoosh's side."""
    script = (
        "import sys\n"
        "import supportkb.search.backend.engine as engine\n"
        "heavy = ('numpy._core', 'asyncio', 'urllib.request', 'whoosh.searching')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "engine.load_searching()\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.splitlines() == ["[]", "['numpy._core', 'whoosh.searching']"]
