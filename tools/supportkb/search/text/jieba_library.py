"""rjieba (jieba-rs), loaded in the two ways the analyzer needs: the one place that knows
about rjieba's package layout.

- `whole_jieba()`: the package as its authors meant it (`import rjieba`), whose `__init__`
  builds a default `Jieba` with the whole dictionary (349,000 words, 0.15 to 0.25 s).
- `jieba_class()`: the `Jieba` class alone, from the package's compiled extension
  (`rjieba/rjieba.*.so`), loaded without running the package's `__init__`. The word table
  (`word_table`) cuts a short text with an empty `Jieba.empty()` given only the words the text
  contains, so a cold `kb search` or a small `kb index` never pays for the whole dictionary.

Why load the extension by hand: rjieba's `__init__` does two things at once (exports the class,
builds the default instance), and Python cannot import a package's submodule without running
the package's `__init__`. rjieba is pinned in the project's dependencies; a test
(`tests/search/text/test_jieba_library.py`) loads the class this way from the installed
version and checks it is rjieba's own and cuts as the package does.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from functools import cache
from pathlib import Path
from typing import Any

EXTENSION = "rjieba.rjieba"  # the compiled module inside the package


def package_folder() -> Path:
    spec = importlib.util.find_spec("rjieba")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("rjieba is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def extension_file() -> Path:
    """The package's compiled extension (`rjieba.abi3.so` or `rjieba.cpython-*.so`)."""
    folder = package_folder()
    return next(p for p in folder.iterdir() if p.name.startswith("rjieba.") and p.suffix == ".so")


@cache
def jieba_class() -> Any:
    """rjieba's `Jieba` class, without running `rjieba/__init__.py` (which loads the whole
    dictionary into a default instance). Loaded once per process."""
    library = extension_file()
    loader = importlib.machinery.ExtensionFileLoader(EXTENSION, str(library))
    module_spec = importlib.util.spec_from_file_location(EXTENSION, library, loader=loader)
    assert module_spec is not None
    module = importlib.util.module_from_spec(module_spec)
    loader.exec_module(module)
    return module.Jieba


def whole_jieba() -> Any:
    """The `rjieba` package: its module functions use the default instance it builds, with
    the whole dictionary (a second `rjieba.Jieba()` would load the dictionary again)."""
    import rjieba

    return rjieba
