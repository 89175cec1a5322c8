"""Cutting with the word table gives the same words as rjieba's whole dictionary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from supportkb.search.quality import converted, load_query_set
from supportkb.search.text import word_table
from supportkb.search.text.analysis import _data, text_analyzer

from conftest import REPO_ROOT

ROOT = REPO_ROOT


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> word_table.WordTable:
    folder = tmp_path_factory.mktemp("words")
    segmenter = text_analyzer().segmenter
    key = word_table.table_key(_data("it-terms.zh-TW.txt"))
    written = word_table.write_table(
        folder, key, segmenter.dictionary(), segmenter.cut_whole, segmenter.knows
    )
    assert written is not None
    return written


def _texts() -> list[str]:
    documents = [
        path.read_text(encoding="utf-8")
        for folder in ("kb", "sops", "docs")
        for path in sorted((ROOT / folder).rglob("*.md"))
    ]
    judgements = load_query_set(ROOT / "tests" / "data" / "search_queries.yml")
    queries = [j.text for j in [*judgements, *converted(judgements)]]
    return [*documents, *queries]


def test_the_table_cuts_the_starter_content_and_the_queries_like_the_whole_dictionary(
    table: word_table.WordTable,
) -> None:
    segmenter = text_analyzer().segmenter
    normaliser = text_analyzer().normaliser
    texts = [normaliser.simplified(text) for text in _texts()]
    assert len(texts) > 300
    for text in texts:
        assert table.tokenize(text) == segmenter.cut_whole(text), text[:80]


def test_words_longer_than_the_short_pieces_are_found_where_the_table_says_they_start(
    table: word_table.WordTable,
) -> None:
    """Pieces of more than SHORT characters are looked up only after a start of such a word:
    text made of long dictionary words (and of them glued together) still cuts alike."""
    segmenter = text_analyzer().segmenter
    long_words = [w for w, _ in segmenter.dictionary() if len(w) > word_table.SHORT][::40]
    assert len(long_words) > 150
    texts = ["，".join(long_words[i : i + 20]) for i in range(0, len(long_words), 20)]
    texts += ["".join(long_words[i : i + 5]) for i in range(0, len(long_words), 5)]
    long_cut = 0
    for text in texts:
        cut = table.tokenize(text)
        assert cut == segmenter.cut_whole(text), text[:80]
        long_cut += sum(len(word) > word_table.SHORT for word, _, _ in cut)
    assert long_cut > 100  # long words were cut whole


def test_the_table_knows_the_domain_terms_and_the_dictionary(
    table: word_table.WordTable,
) -> None:
    simplified = text_analyzer().normaliser.simplified
    assert table.has_word(simplified("印表機")) and table.has_word("叛徒")
    assert not table.has_word("叛徒叛徒")


def test_a_table_that_cuts_differently_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(word_table, "_WRITTEN", {})  # not copied from an earlier index
    segmenter = text_analyzer().segmenter
    key = word_table.table_key(_data("it-terms.zh-TW.txt"))

    def reference(text: str) -> list[tuple[str, int, int]]:
        return [(character, i, i + 1) for i, character in enumerate(text)]

    entries = segmenter.dictionary()
    assert word_table.write_table(tmp_path, key, entries, reference, segmenter.knows) is None
    assert not list(tmp_path.glob("words-*"))


def test_a_search_in_a_new_process_does_not_load_the_whole_dictionary(tmp_path: Path) -> None:
    from supportkb.search.indexing.index import build_index

    build_index(ROOT, tmp_path / "index")
    assert len(list((tmp_path / "index").glob("words-*.sqlite"))) == 1
    script = (
        "import sys\n"
        "from supportkb.cli.main import cli\n"
        f"cli(['-C', {str(ROOT)!r}, 'search', '--index-dir', {str(tmp_path / 'index')!r},\n"
        "     '--as-of', '2026-11-24', '印表機 卡紙'], standalone_mode=False)\n"
        "print('whole dictionary loaded:', 'rjieba' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert "whole dictionary loaded: False" in result.stdout
    assert "印表機" in result.stdout  # and it found something


def test_a_damaged_table_falls_back_to_the_whole_dictionary() -> None:
    from supportkb.search.text.analysis import Segmenter

    segmenter = Segmenter(text_analyzer().normaliser)

    class Damaged:
        def tokenize(self, text: str) -> list[tuple[str, int, int]]:
            import sqlite3

            raise sqlite3.DatabaseError("database disk image is malformed")

    segmenter.use_table(Damaged())
    assert segmenter.words("打印机卡纸") == text_analyzer().segmenter.cut_whole("打印机卡纸")
