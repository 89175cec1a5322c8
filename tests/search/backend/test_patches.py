"""Whoosh is patched by an explicit call when an index is opened, never by an import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from whoosh.filedb import structfile

from supportkb.search.backend import patches
from supportkb.search.backend.engine import Engine

IMPORT_EVERY_BACKEND_MODULE = """
import pkgutil, importlib
import supportkb.search.backend as backend
from whoosh.filedb import structfile
original = structfile.BufferFile.__init__
for module in pkgutil.iter_modules(backend.__path__):
    importlib.import_module("supportkb.search.backend." + module.name)
import supportkb.search.query, supportkb.search.indexing.index, supportkb.cli.main
print(structfile.BufferFile.__init__ is original)
"""


def test_importing_the_backend_patches_nothing() -> None:
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EVERY_BACKEND_MODULE],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.split() == ["True"]


def test_opening_an_index_applies_the_patches_once(tmp_path: Path) -> None:
    Engine.create(tmp_path / "index")
    assert patches.is_patched()
    patched = structfile.BufferFile.__init__
    patches.apply_patches()  # again: nothing changes
    Engine.open(tmp_path / "index")
    assert structfile.BufferFile.__init__ is patched
    assert patches.original_buffer_file_init() is not patched


def test_the_patched_buffer_file_reads_what_whoosh_s_reads() -> None:
    data = bytes(range(256)) * 40
    patches.apply_patches()
    ours = structfile.BufferFile(memoryview(data), name="part")
    theirs = object.__new__(structfile.BufferFile)
    patches.original_buffer_file_init()(theirs, memoryview(data), name="part")
    for buffer in (ours, theirs):
        buffer.seek(100)
    assert ours.read(500) == theirs.read(500)
    assert ours.tell() == theirs.tell() == 600
    assert ours.get(1000, 24) == theirs.get(1000, 24)
    assert ours.read_varint() == theirs.read_varint()
    ours.seek(-10, 2)
    theirs.seek(-10, 2)
    assert ours.read() == theirs.read()
