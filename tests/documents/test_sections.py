"""Which required sections a published document left as the template had them."""

from __future__ import annotations

import pytest

from supportkb.documents.body import read_body
from supportkb.documents.model import DocType, Document, Status
from supportkb.documents.sections import empty_sections, is_placeholder

REQUIRED = {"article/troubleshooting": ("symptom", "cause", "resolution")}


def _empty(body: str, status: Status = Status.PUBLISHED) -> list[str]:
    document = Document(
        "kb/vpn/x.md", DocType.ARTICLE, "KB-0001", "x", "alice", status, kind="troubleshooting"
    )
    headings = read_body(body, 5).headings
    return [key for key, _ in empty_sections(document, headings, body, 5, REQUIRED)]


def test_a_section_written_under_a_second_heading_of_the_same_name_counts() -> None:
    body = (
        "## 症狀\nx\n## 原因\n<!-- 待補 -->\n## 解決方法\n重開機。\n"
        "## 原因（補充）\n驅動程式過舊。\n"
    )
    assert _empty(body) == []


def test_the_last_section_runs_to_the_end_of_the_body() -> None:
    assert _empty("## 症狀\nx\n## 原因\nx\n## 解決方法\n1.\n2.\n") == ["resolution"]
    assert _empty("## 症狀\nx\n## 原因\nx\n## 解決方法") == ["resolution"]


@pytest.mark.parametrize("status", [Status.DRAFT, Status.IN_REVIEW])
def test_documents_still_being_written_are_exempt(status: Status) -> None:
    assert _empty("## 症狀\n## 原因\n## 解決方法\n", status) == []


@pytest.mark.parametrize(
    "text, placeholder",
    [
        ("| 角色 | 職責 |\n| --- | --- |\n| 服務台人員 | |\n| 值班主管 | |\n", True),
        ("| 角色 | 職責 |\n| :-- | --: |\n| 服務台人員 | 受理 |\n", False),
        ("| 只有一欄 |\n| --- |\n| 內容 |\n", False),
        ("| 不是表格，只是以直線開頭的文字\n", False),
        ("<!-- 第一行\n第二行 -->\n\n1.\n2)\n- [ ]\n", True),
        ("TODO\n", True),  # what an author leaves for later is not content
        ("1. 待補\n2. TBD\n", True),
        ("（請填寫）\n\n---\n", True),
        ("…\n", True),
        ("TODO: 更換碳粉匣後列印測試頁\n", False),  # a step with words of its own
        ("1. 重新開機\n", False),
    ],
)
def test_what_counts_as_placeholder(text: str, placeholder: bool) -> None:
    assert is_placeholder(text) is placeholder
