"""The strait vocabulary (data/it-terms-strait.tsv) against the installed OpenCC: every pair
still needed (tw2sp does not already map it), still right (the Taiwan form ends as the mainland
form, and the mainland form stays), not given by the other pairs, and listed once."""

from __future__ import annotations

import pytest

from supportkb.search.text.strait import KEEP, check_vocabulary, main, read_pairs, vocabulary_text


def test_every_pair_is_needed_and_right() -> None:
    assert check_vocabulary() == []


def test_the_vocabulary_is_large_and_unique() -> None:
    pairs = [pair for pair in read_pairs(vocabulary_text()) if pair.mainland != KEEP]
    assert len(pairs) >= 150
    assert len({pair.taiwan for pair in pairs}) == len(pairs)


def test_the_check_finds_each_kind_of_problem() -> None:
    text = "\n".join(
        [
            "印表機\t打印机",  # tw2sp already maps it
            "預設\t默认",
            "連線逾時\t连接超时",  # given by 逾時 alone
            "逾時\t超时",
            "逾時\t延迟",  # listed twice, and wrong: it ends as 超时
            "無一例外\t=",  # kept, but holds no Taiwan form of the vocabulary
        ]
    )
    problems = "\n".join(check_vocabulary(text))
    assert "印表機: tw2sp already gives 打印机" in problems
    assert "連線逾時: the other pairs already give 连接超时" in problems
    assert "逾時 already on line 4" in problems
    assert "逾時 becomes 超时, not 延迟" in problems
    assert "無一例外 is kept but holds no Taiwan form" in problems


@pytest.mark.parametrize("line", ["只有一欄", "預設\t", "預設\tdefault"])
def test_a_malformed_line_is_named(line: str) -> None:
    with pytest.raises(ValueError, match="line 1"):
        check_vocabulary(line)


def test_the_checker_command_reports_no_problem(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 0
    assert "0 problems" in capsys.readouterr().out
