"""The related documents see a document's words as the index does: lowercased, without stop
words, English stemmed (the same `search.text` functions)."""

from __future__ import annotations

from supportkb.search.indexing.entry import IndexEntry
from supportkb.search.indexing.related import describe


def test_related_documents_see_the_index_s_words() -> None:
    entry = IndexEntry(
        path="kb/printing/jam.md",
        id="KB-0001",
        title="The Printers are Jamming",
        type="article",
        status="published",
        owner="alice",
        owner_groups=("alice",),
        visibility="internal",
        body="Printers jam when the paper is damp.",
    )
    words = describe(entry)
    assert {"printer", "jam", "paper", "damp"} <= set(words)
    assert not {"the", "are", "is", "when", "The", "Printers", "printers"} & set(words)
    assert words["printer"] == 3  # twice in the title, once in the body
