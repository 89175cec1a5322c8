"""Every private name of uvicorn and FastAPI that `kb serve` uses (`supportkb.service.internals`
lists them) exists on the installed versions: an upgrade that renames one fails here, not in
production. And no other module of supportkb imports uvicorn's or Starlette's insides."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import supportkb
from supportkb.service import internals
from supportkb.service.internals import PRIVATE_NAMES, GuardedH11Protocol, SocketPerWorker

PACKAGE = Path(supportkb.__file__).parent


def _exists(module_name: str, name: str) -> bool:
    module = importlib.import_module(module_name)
    owner_name, _, member = name.rpartition(".")
    if not owner_name:  # a module's name, or a message found in its code
        message = getattr(internals, name, None)
        found_in_code = isinstance(message, str) and message in inspect.getsource(module)
        return hasattr(module, name) or found_in_code
    owner = getattr(module, owner_name)
    if hasattr(owner, member):
        return True
    source = inspect.getsource(owner)  # an attribute only the instances have
    return f"self.{member} =" in source or f"self.{member}: " in source


@pytest.mark.parametrize(("module", "name"), PRIVATE_NAMES)
def test_each_private_name_exists_on_the_installed_version(module: str, name: str) -> None:
    assert _exists(module, name), f"{module}.{name} is gone: see supportkb.service.internals"


def test_a_made_up_name_is_not_found() -> None:
    assert not _exists("uvicorn.config", "NO_SUCH_NAME")
    assert not _exists("uvicorn.protocols.http.h11_impl", "H11Protocol.no_such_member")


def test_the_protocol_takes_what_uvicorn_gives_it() -> None:
    """uvicorn makes a protocol with `config`, `server_state` and `app_state` by keyword."""
    given = {"config", "server_state", "app_state"}
    assert given <= set(inspect.signature(GuardedH11Protocol).parameters)
    from uvicorn.protocols.http.h11_impl import H11Protocol

    assert given <= set(inspect.signature(H11Protocol).parameters)


def test_the_worker_replaces_only_uvicorn_worker_target() -> None:
    from uvicorn.supervisors.multiprocess import Process

    assert SocketPerWorker.target is not Process.target
    assert set(inspect.signature(SocketPerWorker).parameters) == set(
        inspect.signature(Process).parameters
    )


def _imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_only_the_internals_module_imports_uvicorn_internals() -> None:
    """uvicorn's public door is `uvicorn` itself (`uvicorn.run`, `uvicorn.Config`); anything
    deeper is used only in `service/internals.py`."""
    deeper = {}
    for path in PACKAGE.rglob("*.py"):
        modules = {m for m in _imported_modules(path) if m.startswith("uvicorn.")}
        if modules and path != Path(internals.__file__):
            deeper[str(path.relative_to(PACKAGE))] = sorted(modules)
    assert deeper == {}
