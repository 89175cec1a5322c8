"""The field table takes its types, statuses, kinds and id prefixes from the vocabulary: a
type or a status added there is accepted by the checker and named in the reference."""

from __future__ import annotations

from supportkb.documents.fields import FIELDS_BY_NAME, ID_PATTERN
from supportkb.documents.vocabulary import (
    ARTICLE_KINDS,
    DocType,
    Status,
    Visibility,
    id_prefixes,
    in_words,
)


def test_every_type_id_prefix_makes_a_valid_id() -> None:
    assert id_prefixes() == tuple(doc_type.id_prefix for doc_type in DocType)
    for doc_type in DocType:
        assert ID_PATTERN.match(f"{doc_type.id_prefix}-0042"), doc_type
        assert doc_type.id_prefix + "-" in FIELDS_BY_NAME["id"].description
    assert not ID_PATTERN.match("XX-0042")


def test_the_choices_and_their_descriptions_come_from_the_vocabulary() -> None:
    assert FIELDS_BY_NAME["type"].choices == tuple(DocType)
    assert FIELDS_BY_NAME["status"].choices == tuple(Status)
    assert FIELDS_BY_NAME["visibility"].choices == tuple(Visibility)
    assert FIELDS_BY_NAME["kind"].choices == ARTICLE_KINDS
    for status in Status:
        assert status.value in FIELDS_BY_NAME["status"].description
    for kind in ARTICLE_KINDS:
        assert kind in FIELDS_BY_NAME["kind"].description


def test_names_in_a_sentence() -> None:
    assert in_words(("a",)) == "a"
    assert in_words(("a", "b", "c")) == "a, b or c"
    assert in_words(("a", "b"), "and") == "a and b"
