"""The per-user cache of file results is dropped when the code that made them changes."""

from __future__ import annotations

from pathlib import Path

import supportkb
from supportkb.workspace.cache import code_files


def test_a_change_to_the_document_model_makes_cached_results_stale() -> None:
    """Cached results are pickles of `documents/` records: a release that adds a front-matter
    field (a `Document` attribute) must not unpickle the old shape (it did: `kb check` and
    every test reading the shipped content failed after `approved_on` was added)."""
    package = Path(supportkb.__file__).parent
    stamped = {path.relative_to(package).as_posix() for path in code_files()}
    assert {"documents/model.py", "documents/fields.py", "workspace/cache.py"} <= stamped
