"""The full-text engine's door: an index in a folder, opened, written and searched.

What the rest of supportkb sees is `Engine` (create, open, write, searcher) and plain records
(`IndexEntry` in; `EngineQuery` in and `EngineResults` out of `EngineSearcher.run`). Everything
that touches Whoosh (`whoosh-reloaded`, pinned) is in this package, `search/backend`:

- `fields`: the schema, the tokenizer and fields over `search.text`, a document's values;
- `codec`: W3's codec, writing the same bytes faster; `patches`: applied when an index opens;
- `parsing`: the query syntax, required filters, synonyms and sub-words;
- `searching`: `EngineSearcher`, one pass from query to ranked hits, over `arrays` (the index
  as NumPy arrays for `ranking.vector_search`), scored as Whoosh's BM25F (`scoring`);
- `suggestions`: "did you mean"; `private_names`: every private name of Whoosh used here.

Replacing Whoosh means rewriting this package only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from whoosh import index

from supportkb.search.backend.codec import Codec
from supportkb.search.backend.fields import build_schema, fields_of
from supportkb.search.backend.patches import apply_patches
from supportkb.search.backend.records import EngineHit, EngineQuery, EngineResults
from supportkb.search.indexing.entry import IndexEntry

if TYPE_CHECKING:
    from supportkb.search.backend.searching import EngineSearcher
    from supportkb.search.ranking.rules import RankingRules

__all__ = ["Engine", "EngineHit", "EngineQuery", "EngineResults", "EngineSearcher"]

# Whoosh's estimate of the postings a writer keeps in memory before sorting them out to a
# temporary file (and merging those files back, a posting at a time): 10,000 documents of
# 3 KB make about 190 "MB" per worker, and spilling cost a third of the build
POOL_MB = 512


class Engine:
    """A Whoosh index in one folder."""

    def __init__(self, folder: Path, handle: Any) -> None:
        self.folder = folder
        self._index = handle

    @classmethod
    def create(cls, folder: Path) -> Engine:
        apply_patches()
        folder.mkdir(parents=True, exist_ok=True)
        return cls(folder, index.create_in(str(folder), build_schema()))

    @classmethod
    def open(cls, folder: Path) -> Engine:
        apply_patches()
        return cls(folder, index.open_dir(str(folder)))

    def write(
        self,
        added: Iterable[IndexEntry],
        removed: Iterable[str],
        processes: int = 1,
        fresh: bool = False,
        during_commit: Callable[[], None] | None = None,
    ) -> None:
        """Add or replace `added` (by path) and delete `removed`, in one commit. `fresh`: the
        index is new, so nothing needs replacing. `during_commit` runs in a thread while the
        workers sort and write their postings (this process only waits for them then)."""
        if processes > 1:
            writer = self._index.writer(
                procs=processes, multisegment=True, limitmb=POOL_MB, codec=Codec()
            )
        else:
            writer = self._index.writer(limitmb=POOL_MB, codec=Codec())
        try:
            added = list(added) if not fresh else added
            if not fresh:
                _delete_paths(writer, [*removed, *(entry.path for entry in added)])
            for entry in added:
                writer.add_document(**fields_of(entry))
        except BaseException:
            writer.cancel()
            raise
        # A process forked while another thread holds a lock (an import's, SQLite's) can hang
        # on it: the thread runs only if Whoosh has already started every worker it will.
        workers = getattr(writer, "tasks", None)
        if during_commit is None or workers is None or len(workers) < writer.procs:
            writer.commit(optimize=False)
            if during_commit is not None:
                during_commit()
            return
        with ThreadPoolExecutor(1) as pool:
            meanwhile = pool.submit(during_commit)
            try:
                writer.commit(optimize=False)
            finally:
                failed = meanwhile.exception()  # waits for it; the commit's error comes first
            if failed is not None:
                raise failed

    def searcher(
        self,
        rules: RankingRules | None = None,
        vectorised: bool = True,
        cache_bytes: int | None = None,
    ) -> EngineSearcher:
        """`vectorised=False`: Whoosh's own matchers match and score what is written with
        structure and the filters (slower; the reference the arrays are tested against); a
        list of words is graded over the arrays either way (`searching`).
        `cache_bytes`: posting lists kept for the next queries (the default, when None).
        Searching's modules (NumPy, Whoosh's searching side) are imported here, not with this
        module: writing an index needs none of them, and importing them was a third of
        `kb index` after a small change."""
        from supportkb.search.backend.arrays import CACHE_BYTES
        from supportkb.search.backend.searching import EngineSearcher
        from supportkb.search.ranking.rules import RankingRules

        held = CACHE_BYTES if cache_bytes is None else cache_bytes
        return EngineSearcher(self._index, rules or RankingRules(), vectorised, held)

    def doc_count(self) -> int:
        return int(self._index.doc_count())


def _delete_paths(writer: Any, paths: list[str]) -> None:
    """Delete the documents of `paths`: Whoosh's `delete_by_term` through a reader, without
    the searcher it would make (importing Whoosh's searching side for it was a tenth of
    `kb index` after a small change)."""
    if not paths:
        return
    reader = writer.reader()
    try:
        for path in paths:
            if ("path", path) in reader:
                for docnum in reader.postings("path", path).all_ids():  # deleted ones left out
                    writer.delete_document(docnum)
    finally:
        reader.close()

