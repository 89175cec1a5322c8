from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from supportkb.search.text.analysis import simplified_characters, text_analyzer

from conftest import REPO_ROOT


def words(text: str, subwords: bool = False) -> list[str]:
    return [t.text for t in text_analyzer().terms(text, with_subwords=subwords) if not t.sub]


def test_traditional_and_simplified_give_the_same_terms() -> None:
    assert words("印表機一直卡紙") == words("打印机一直卡纸")
    assert words("網際網路連線很慢") == words("互联网连接很慢")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("網際網路連線", ["網際網路", "連線"]), ("使用者的印表機", ["使用者", "的", "印表機"])],
)
def test_offsets_point_at_the_original_text_when_conversion_changes_the_length(
    text: str, expected: list[str]
) -> None:
    terms = [t for t in text_analyzer().terms(text) if not t.sub]
    assert [text[t.start : t.end] for t in terms] == expected


def test_long_words_also_give_their_sub_words_at_their_position() -> None:
    terms = text_analyzer().terms("請先關閉電源")
    parent = next(t for t in terms if t.text == "关闭电源")
    subs = {t.text: t for t in terms if t.sub}
    assert {"关闭", "电源"} <= set(subs)
    assert subs["电源"].position == parent.position
    assert "請先關閉電源"[subs["电源"].start : subs["电源"].end] == "電源"


def test_letters_and_digits_run_together_give_their_parts_but_error_codes_stay_whole() -> None:
    assert {t.text for t in text_analyzer().terms("Outlook2019")} >= {"Outlook", "2019"}
    assert [t.text for t in text_analyzer().terms("0x80070005")] == ["0x80070005"]


def test_domain_dictionary_keeps_support_words_whole() -> None:
    assert "不间断电源系统" not in words("不斷電系統")  # converted, then cut with our dictionary
    assert len(words("不斷電系統")) == 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60))
def test_any_text_gives_terms_with_spans_inside_the_text(text: str) -> None:
    for term in text_analyzer().terms(text):
        assert 0 <= term.start <= term.end <= len(text)
        assert term.text


def test_offsets_stay_right_when_a_phrase_shrinks_before_the_next_word() -> None:
    text = "同仁回報快閃記憶體損毀"  # 快閃記憶體 (5) becomes 闪存 (2)
    spans = {t.text: text[t.start : t.end] for t in text_analyzer().terms(text) if not t.sub}
    assert spans["闪存"] == "快閃記憶體"
    assert spans["损毁"] == "損毀"


@pytest.mark.parametrize(
    "text",
    [
        "相關元件：記憶體、網際網路與作業系統。Outlook 2019 連線逾時。",
        "相關元件：軟體授權、隨身碟與負載平衡。",  # 隨身碟 becomes U盘: the runs do not line up
        "「快閃記憶體」\n\n網際網路（Internet）",
    ],
)
def test_one_conversion_of_the_whole_text_equals_converting_each_run(text: str) -> None:
    normaliser = text_analyzer().normaliser
    whole = normaliser.normalise(text)
    normaliser_runs = normaliser._converted_runs
    try:
        normaliser._converted_runs = lambda originals, _: [  # type: ignore[method-assign]
            normaliser.simplified(run) for run in originals
        ]
        by_run = normaliser.normalise(text)
    finally:
        normaliser._converted_runs = normaliser_runs  # type: ignore[method-assign]
    assert whole == by_run
    converted, offsets = whole
    assert offsets is not None and len(offsets) == len(converted) + 1


def test_the_shipped_simplified_characters_match_the_installed_opencc() -> None:
    from supportkb.search.text.analysis import characters_s2tw_changes, simplified_characters

    assert simplified_characters() == frozenset(characters_s2tw_changes())
    assert {"机", "软", "码", "发"} <= simplified_characters()
    assert not {"機", "軟", "碼", "系", "統"} & simplified_characters()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("依序關閉非核心系統", "依序關閉非核心系統"),  # s2tw alone would give 繫統
        ("服務台 VPN", "服務臺 VPN"),  # 台 is in both scripts: converted, normalised alike
        ("印表机 離線", "印表機 離線"),
        ("印表机驅動", "印表機驅動"),  # mixed in one run: only the Simplified character
        ("印表機 離線", "印表機 離線"),
        ("印表机 软体", "印表機 軟體"),  # Simplified characters, Taiwan wording
        ("VPN 809", "VPN 809"),
    ],
)
def test_only_queries_with_simplified_characters_are_made_traditional(
    query: str, expected: str
) -> None:
    assert text_analyzer().normaliser.from_simplified_characters(query) == expected
    analyzer = text_analyzer()
    as_query = [t.text for t in analyzer.terms(query, with_subwords=False, query=True)]
    assert as_query == words(expected)


@pytest.mark.parametrize(
    "text",
    [
        "同仁回報快閃記憶體損毀，網際網路很慢",
        "相關元件：軟體授權、隨身碟與負載平衡。",
        "「快閃記憶體」\n\n網際網路（Internet）",
        "印表機一直卡紙",
    ],
)
def test_offsets_mapped_lazily_equal_the_whole_map(text: str) -> None:
    normaliser = text_analyzer().normaliser
    normalised, offsets = normaliser.normalise(text)
    lazily, original = normaliser.mapped(text)
    assert lazily == normalised
    expected = offsets if offsets is not None else list(range(len(text) + 1))
    assert [original(i) for i in range(len(normalised) + 1)] == expected


def test_positions_are_the_terms_without_their_spans() -> None:

    analyzer = text_analyzer()
    root = REPO_ROOT
    texts = [p.read_text(encoding="utf-8") for p in sorted((root / "kb").rglob("*.md"))]
    texts.append("同仁回報快閃記憶體損毀，網際網路很慢；隨身碟 corp_vpn.xml Outlook2019")
    for text in texts:
        for subwords in (True, False):
            expected = [(t.text, t.position) for t in analyzer.terms(text, subwords)]
            assert analyzer.positions(text, subwords) == expected


def test_tw2sp_changes_no_character_outside_the_cjk_ranges() -> None:
    """What `Normaliser.normalised_text` relies on: the whole conversion is `normalise`'s."""
    from supportkb.search.text.analysis import _CJK

    normaliser = text_analyzer().normaliser
    others = [
        chr(c)
        for c in range(0x20, 0x110000)
        if not 0xD800 <= c <= 0xDFFF and not _CJK.match(chr(c))
    ]
    assert normaliser.simplified("\n".join(others)).split("\n") == others
    texts = ["軟體授權、隨身碟與負載平衡。", "「快閃記憶體」\n網際網路", "網際網路 𡻕 連線"]
    for text in texts:
        assert normaliser.normalised_text(text) == normaliser.normalise(text)[0]


def test_a_nul_character_does_not_stop_the_analysis() -> None:
    text = "印表機\x00卡紙 IPsec Passthrough"
    analyzer = text_analyzer()
    assert {"卡纸", "ipsec", "passthrough"} <= {w.lower() for w, _ in analyzer.positions(text)}
    assert analyzer.positions(text) == [(t.text, t.position) for t in analyzer.terms(text)]


def test_documents_in_simplified_characters_are_cut_as_traditional_ones() -> None:
    """tw2sp gives 运行 for 執行; a document typed with Simplified 执行 must be cut alike, or a
    knowledge base written in Simplified never finds its own words (issue 16)."""
    analyzer = text_analyzer()
    simplified = [t.text for t in analyzer.terms("批量执行的说明", with_subwords=False)]
    traditional = [t.text for t in analyzer.terms("批量執行的說明", with_subwords=False)]
    assert simplified == traditional
    assert [w for w, _ in analyzer.positions("批量执行")] == [
        w for w, _ in analyzer.positions("批量執行")
    ]


def test_a_few_simplified_characters_in_a_long_text_convert_as_in_the_whole() -> None:
    """Each lone Simplified character is converted in its neighbourhood, as the whole text
    would convert it."""
    normaliser = text_analyzer().normaliser
    text = "服務台說明。" * 40 + "请先执行重新开机。" + "台北總部的印表機。" * 40
    whole = normaliser.traditional_characters(text)
    characters = simplified_characters()
    expected = "".join(t if c in characters else c for c, t in zip(text, whole, strict=True))
    assert normaliser.from_simplified_characters(text) == expected
    assert "執行" in expected
