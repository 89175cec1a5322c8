"""A cut word as the index holds it: lowercased, a stop word dropped, English stemmed."""

from __future__ import annotations

from supportkb.search.text.words import indexed_word, is_stop_word, stemmed


def test_english_words_are_lowercased_and_stemmed() -> None:
    assert indexed_word("Printers") == "printer"
    assert indexed_word("CONNECTING") == "connect"
    assert indexed_word("fundamentally") == "fundament"


def test_stop_words_become_nothing() -> None:
    assert indexed_word("The") == ""
    assert indexed_word("with") == ""
    assert is_stop_word("the") and not is_stop_word("vpn")


def test_other_words_are_only_lowercased() -> None:
    assert indexed_word("打印机") == "打印机"
    assert indexed_word("Outlook2019") == "outlook2019"  # letters and digits: not stemmed
    assert stemmed("corp_vpn") == "corp_vpn"
