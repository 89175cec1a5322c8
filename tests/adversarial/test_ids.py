"""Ids are `PREFIX-` then ASCII digits: other decimal digits look the same and are not."""

from __future__ import annotations

import pytest

from supportkb.checking.check import check

from conftest import AS_OF, KnowledgeBaseFactory, codes

OTHER_DIGITS = {
    "full-width": "KB-００４２",
    "Arabic-Indic": "KB-٠٠٤٢",
    "Devanagari": "KB-००४२",
    "Bengali": "KB-০০৪২",
}


@pytest.mark.parametrize("doc_id", OTHER_DIGITS.values(), ids=OTHER_DIGITS.keys())
def test_an_id_in_other_digits_is_an_error_that_shows_the_ascii_form(
    kb: KnowledgeBaseFactory, doc_id: str
) -> None:
    kb.article("kb/vpn/real.md", id="KB-0042")
    kb.article("kb/vpn/lookalike.md", id=doc_id)
    result = check(kb.root, AS_OF)
    assert codes(result) == ["id-digits"]
    (finding,) = result.findings
    assert (finding.path, finding.line) == ("kb/vpn/lookalike.md", 2)
    assert "KB-0042" in finding.hint


@pytest.mark.parametrize("doc_id", OTHER_DIGITS.values(), ids=OTHER_DIGITS.keys())
def test_a_reference_in_other_digits_is_an_error(kb: KnowledgeBaseFactory, doc_id: str) -> None:
    kb.article("kb/vpn/real.md", id="KB-0042")
    kb.article("kb/vpn/citing.md", id="KB-0043", related=f"[{doc_id}]")
    result = check(kb.root, AS_OF)
    assert [(f.path, f.code) for f in result.findings] == [("kb/vpn/citing.md", "field-type")]
    assert "KB-0042" in result.findings[0].hint


def test_ascii_ids_are_left_alone() -> None:
    from supportkb.documents.fields import ascii_id

    assert ascii_id("KB-0042") is None
    assert ascii_id("SOP-１") == "SOP-1"
    assert ascii_id("KB-0042x") is None  # not an id at all: the prefix rule reports it
