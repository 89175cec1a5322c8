"""IT usage across the strait: a query in Taiwan usage finds a document in mainland usage and
the reverse, in either script, through the real index; highlights stay on the original words."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportkb.search.indexing.index import build_index, open_engine
from supportkb.search.query import SearchRequest, SearchResponse, run_search
from supportkb.search.text.analysis import text_analyzer
from supportkb.search.text.strait import StraitMap, read_pairs

from conftest import AS_OF, KnowledgeBaseFactory, article_front

MAINLAND = "# 数据库连接超时\n\n连接超时的默认值是 30 秒，请单击「确定」后重启。\n"
TAIWAN = "# 印表機佇列卡住\n\n請按一下「開始功能表」，在組態檔中修改預設印表機後重新開機。\n"
OTHER = "# 機房停電應變\n\n機房停電時依序關機，當機立斷。\n"


@pytest.fixture
def root(kb: KnowledgeBaseFactory) -> Path:
    for path, doc_id, title, body in (
        ("kb/db/timeout.md", "KB-0001", "数据库连接超时", MAINLAND),
        ("kb/printing/queue.md", "KB-0002", "印表機佇列卡住", TAIWAN),
        ("kb/power/plan.md", "KB-0003", "機房停電應變", OTHER),
    ):
        kb.document(path, article_front(id=doc_id, title=title, owner="alice"), body)
    build_index(kb.root)
    return kb.root


def search(root: Path, text: str) -> SearchResponse:
    searcher = open_engine(root / ".kb-index", "internal").searcher()
    try:
        return run_search(searcher, SearchRequest(text, AS_OF))
    finally:
        searcher.close()


def ids(found: SearchResponse) -> list[str]:
    return [result.id for result in found.results]


@pytest.mark.parametrize(
    "query",
    [
        "連線逾時 預設值",  # Taiwan usage, Traditional
        "连线逾时 预设值",  # Taiwan usage typed in Simplified characters
        "逾時",
    ],
)
def test_a_taiwan_usage_query_finds_a_mainland_document(root: Path, query: str) -> None:
    assert ids(search(root, query))[:1] == ["KB-0001"]


@pytest.mark.parametrize(
    "query",
    [
        "默认打印机 配置文件",  # mainland usage, Simplified
        "默認印表機 配置文件",  # mainland usage typed in Traditional characters
        "开始菜单",
    ],
)
def test_a_mainland_usage_query_finds_a_taiwan_document(root: Path, query: str) -> None:
    assert ids(search(root, query))[:1] == ["KB-0002"]


def test_the_highlight_marks_the_original_words(root: Path) -> None:
    # 按一下 (three characters) is 单击 (two), 組態檔 is 配置文件 (four): marks on the original
    found = search(root, "单击 开始菜单 重启").results
    snippet = next(result.snippet for result in found if result.id == "KB-0002")
    assert "<mark>按一下</mark>" in snippet
    assert "<mark>開始功能表</mark>" in snippet
    assert "<mark>重新開機</mark>" in snippet
    snippet = search(root, "逾時").results[0].snippet
    assert "<mark>超时</mark>" in snippet


def test_a_word_that_only_contains_a_taiwan_term_is_not_rewritten(root: Path) -> None:
    # 當機立斷 (act decisively) holds 當機 (死机 in mainland usage) but is not that word
    assert "KB-0003" not in ids(search(root, "死机"))


def test_terms_keep_their_spans_in_the_original_text() -> None:
    analyzer = text_analyzer()
    text = "請按一下確定後重新開機，連線逾時"
    spans = {term.text: text[term.start : term.end] for term in analyzer.terms(text)}
    assert spans["单击"] == "按一下"
    assert spans["重启"] == "重新開機"
    assert spans["超时"] == "逾時"
    assert spans["确定"] == "確定"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("預設閘道", "默认网关"),  # longest match: 預設 and 閘道 both
        ("無一例外，當機立斷", "无一例外，当机立断"),
        ("當機了", "死机了"),
        ("查詢資料庫", "查询数据库"),  # tw2sp alone gives 查找
        ("预设值", "默认值"),
    ],
)
def test_replacement_takes_whole_terms(text: str, expected: str) -> None:
    assert text_analyzer().normaliser.normalised_text(text) == expected


def test_a_mainland_form_holding_a_shorter_key_stays() -> None:
    # 存取權 is 访问权 after tw2sp: the mainland 访问权限 holds it, and must not grow
    strait = StraitMap(read_pairs("存取權\t访问权限"), text_analyzer().normaliser.script_simplified)
    assert strait.apply("存取權") == "存取權"  # (a map applies to tw2sp's output)
    assert strait.apply("访问权") == "访问权限"
    assert strait.apply("访问权限不足") == "访问权限不足"


def test_mainland_text_is_left_as_it_is() -> None:
    text = "数据库连接超时的默认值，请检查端口、网关和缓存。"
    assert text_analyzer().normaliser.normalised_text(text) == text


def test_is_traditional_still_means_the_script() -> None:
    # 预设 is rewritten to 默认, but is not Traditional text (suggestions answer in its script)
    assert not text_analyzer().is_traditional("预设值")
    assert text_analyzer().is_traditional("預設值")
