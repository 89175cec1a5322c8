"""Every private name of Whoosh the backend uses exists on the installed, pinned version."""

from __future__ import annotations

import importlib
import inspect
import re
from importlib.metadata import version
from typing import Any

import pytest

from supportkb.search.backend.private_names import INSTANCE, PRIVATE_NAMES, PrivateName


def test_whoosh_is_the_pinned_version() -> None:
    assert version("whoosh-reloaded") == "2.7.5"


@pytest.mark.parametrize("name", PRIVATE_NAMES, ids=lambda n: f"{n.module}:{n.path}")
def test_each_private_name_exists(name: PrivateName) -> None:
    owner: Any = importlib.import_module(name.module)
    *path, last = name.path.split(".")
    for part in path:
        owner = getattr(owner, part)
    if name.kind == INSTANCE:  # given to instances by the class's code: `self.name = ...`
        assigned = re.compile(rf"self\.{re.escape(last)}\s*=")
        sources = [inspect.getsource(c) for c in inspect.getmro(owner) if c is not object]
        assert any(assigned.search(source) for source in sources), name
    else:
        assert hasattr(owner, last), name
    assert name.why


def test_every_private_name_the_backend_uses_is_listed() -> None:
    """A `._name` in the backend's code that is neither listed nor the backend's own."""
    from pathlib import Path

    import supportkb.search.backend as backend

    listed = {n.path.rsplit(".", 1)[-1] for n in PRIVATE_NAMES}
    folder = Path(backend.__file__).parent
    used: set[str] = set()
    own: set[str] = set()
    for module in folder.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        used |= set(re.findall(r"\.(_[a-z]\w*)", text))
        own |= set(re.findall(r"self\.(_[a-z]\w*)\s*[:=,]", text))  # set by our classes
        own |= set(re.findall(r"def (_[a-z]\w*)", text))
        own |= set(re.findall(r"\"(_[a-z]\w*)\"", text))
    assert sorted(used - own - listed) == []


INTERNAL_MODULES = re.compile(
    r"from (whoosh\.(?:codec|filedb|util|system|matching|columns)[\w.]*) import ([\w, ]+)"
)


def test_every_name_taken_from_an_internal_module_is_listed() -> None:
    from pathlib import Path

    import supportkb.search.backend as backend

    listed = {(n.module, n.path) for n in PRIVATE_NAMES}
    taken: set[tuple[str, str]] = set()
    for module in Path(backend.__file__).parent.glob("*.py"):
        text = module.read_text(encoding="utf-8")
        for source, names in INTERNAL_MODULES.findall(text):
            taken |= {(source, name.strip()) for name in names.split(",")}
        taken |= {("whoosh.columns", path) for path in re.findall(r"columns\.(\w+\.\w+)", text)}
    assert sorted(taken - listed) == []
