"""Importing less: every `kb` command is a new process, and imports are most of a short one.

`stand_ins(...)`: while a library is imported, modules it imports but supportkb never uses
through it are replaced by stand-ins that import the real module if they ever are used.
Whoosh (`whoosh-reloaded` 2.7.5) imports `urllib.request` for a download helper, and the
`cached_property` package, a backport of `functools.cached_property` that imports `asyncio`
(for coroutine methods, which Whoosh has none of). With what they import in turn (ssl, http,
email), that was about 40 ms of every `kb index` and `kb search`.

After the block the stand-ins are no longer in `sys.modules` (nor attributes of their package):
what imported them keeps them, and any later import gets the real module.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class StandIn(types.ModuleType):
    """Stands for module `name` while another is imported. `given` attributes are its own;
    `forwarded` functions are there at once too (for a `from name import function`), and
    import the real module when called; any other attribute imports the real module and
    answers from it."""

    def __init__(
        self, name: str, given: dict[str, Any] | None = None, forwarded: tuple[str, ...] = ()
    ) -> None:
        super().__init__(name)
        self._real: types.ModuleType | None = None
        self._package = _is_package(name)
        for attribute, value in (given or {}).items():
            setattr(self, attribute, value)
        for function in forwarded:
            setattr(self, function, _forwarder(self, function))

    def real(self) -> types.ModuleType:
        if self._real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            self._real = importlib.import_module(self.__name__)
        return self._real

    def __getattr__(self, attribute: str) -> Any:  # called only for what the stand-in lacks
        if attribute in ("_real", "_package") or (attribute == "__path__" and not self._package):
            raise AttributeError(attribute)  # `from name import ...` asks if it is a package
        return getattr(self.real(), attribute)


def _is_package(name: str) -> bool:
    spec = importlib.util.find_spec(name)
    return spec is not None and spec.submodule_search_locations is not None


def _forwarder(module: StandIn, name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(module.real(), name)(*args, **kwargs)

    call.__name__ = name
    return call


@contextmanager
def stand_ins(*modules: StandIn) -> Iterator[None]:
    """Put `modules` in place of those not imported yet, for the imports in the block."""
    placed = [module for module in modules if module.__name__ not in sys.modules]
    for module in placed:
        sys.modules[module.__name__] = module
        parent, _, child = module.__name__.rpartition(".")
        if parent in sys.modules and not hasattr(sys.modules[parent], child):
            setattr(sys.modules[parent], child, module)  # for `import parent.child`
    try:
        yield
    finally:
        for module in placed:
            if sys.modules.get(module.__name__) is module:
                del sys.modules[module.__name__]
            parent, _, child = module.__name__.rpartition(".")
            if parent in sys.modules and getattr(sys.modules[parent], child, None) is module:
                delattr(sys.modules[parent], child)
