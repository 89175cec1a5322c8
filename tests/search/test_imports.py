"""What importing the search engine brings in: writing an index needs neither NumPy nor
Whoosh's searching side (a third of `kb index` after a small change); a searcher does."""

from __future__ import annotations

import subprocess
import sys

LOADED = """
import sys, tempfile
from pathlib import Path
from supportkb.search.backend.engine import Engine
heavy = ("numpy", "whoosh.searching", "whoosh.qparser", "supportkb.search.backend.searching")
print(sorted(m for m in heavy if m in sys.modules))
with tempfile.TemporaryDirectory() as folder:
    engine = Engine.create(Path(folder) / "index")
    engine.write([], [])
    print(sorted(m for m in heavy if m in sys.modules))
    engine.searcher().close()
    print(sorted(m for m in heavy if m in sys.modules))
"""


def test_the_search_engine_loads_what_writing_needs_only() -> None:
    done = subprocess.run(
        [sys.executable, "-c", LOADED], capture_output=True, text=True, check=True
    )
    searching = (
        "['numpy', 'supportkb.search.backend.searching', 'whoosh.qparser', 'whoosh.searching']"
    )
    assert done.stdout.splitlines() == ["[]", "[]", searching]


def test_whoosh_is_imported_plainly() -> None:
    """No stand-in modules: what Whoosh imports is what it gets."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, supportkb.search.backend.engine\n"
            "print(type(sys.modules['urllib.request']).__name__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "module"
