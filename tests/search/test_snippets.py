"""Search snippets: the passage of the document's readable text that best matches the query,
escaped, with the matched words in <mark>. Bodies go through the index's `plain_text`, as
`kb search` stores them, unless a test says otherwise."""

from __future__ import annotations

import html
import json
import random
import re

from click.testing import CliRunner

from supportkb.cli.main import cli
from supportkb.search.indexing.index import plain_text
from supportkb.search.snippets import WIDTH, readable_text, snippet

from conftest import AS_OF, KnowledgeBaseFactory, article_front

MARK = re.compile(r"</?mark>")


def shown(html_snippet: str) -> str:
    """The text an agent reads (marks dropped, entities decoded)."""
    return html.unescape(MARK.sub("", html_snippet))


def marked(html_snippet: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", html_snippet)]


TABLE = """\
# 信箱容量

一般同仁的主要信箱容量為 10 GB：

| 使用量 | 系統動作 |
|:-------|:--------:|
| 9 GB | 寄出警告郵件 |
| 10 GB | 禁止傳送與接收 |

超過容量時請清理信箱。
"""


def test_table_separator_rows_are_never_shown_and_rows_read_as_rows() -> None:
    body = plain_text(TABLE)
    for words in (["系统"], ["接收"], []):
        text = shown(snippet(body, words))
        assert "--" not in text and ":-" not in text and "|" not in text, text
    # the rows stay apart: one row's last cell does not run into the next row's first
    assert "使用量 系統動作；9 GB 寄出警告郵件；10 GB 禁止傳送與接收" in shown(
        snippet(body, ["接收"])
    )


def test_raw_markdown_tables_read_cell_by_cell() -> None:
    text = readable_text(TABLE).text
    assert "使用量 · 系統動作；9 GB · 寄出警告郵件；10 GB · 禁止傳送與接收" in text
    assert "|" not in text and "--" not in text


NOISY = """\
<!-- 維護者注意：此表每季更新，請勿刪除 -->
---
layout: table
source: vendor
---

# 印表機驅動程式相容性 {#compat .wide}

!!! warning "先確認型號"
    安裝前請先確認印表機型號。

=== "Windows"

![驅動程式下載畫面](img/download.png){: .shadow}

詳細下載位置見[廠商網站][vendor]，或 [說明頁](https://example.com/help "說明")。

[vendor]: https://vendor.example.com/drivers "Vendor"

<div class="note" markdown>
其他型號請洽服務台。
</div>

## 常見問題 ##

Ricoh 印表機列印時出現亂碼，請改用通用驅動程式。
"""


def test_markup_and_front_matter_remnants_are_never_shown() -> None:
    for body in (plain_text(NOISY), NOISY):  # as the index stores it, and raw Markdown
        text = readable_text(body).text
        for noise in (
            "<!--", "-->", "維護者注意", "layout", "source:", "vendor.example", "https://",
            "{#", ".wide", "{:", ".shadow", "!!!", "warning", "===", "##", "[", "]", "(",
            "<div", "markdown>", "img/",
        ):  # fmt: skip
            assert noise not in text, (noise, text)
        assert text.startswith("印表機驅動程式相容性 先確認型號 安裝前請先確認印表機型號。")
        assert "Windows" in text  # a tab's title is text
        assert "詳細下載位置見廠商網站，或 說明頁。" in text
        assert "其他型號請洽服務台。 常見問題 Ricoh 印表機" in text
    # with no word of the query in it, a snippet is the start of that readable text
    assert shown(snippet(plain_text(NOISY), ["vendor"])).startswith("印表機驅動程式相容性 先確認")


def test_the_passage_with_the_most_query_words_is_shown_not_the_first_occurrence() -> None:
    # VPN alone comes first and is rarer there; further on a sentence has VPN, 憑證 and 過期
    body = plain_text(
        "VPN 用戶端由資訊處統一安裝。" + "其他說明。" * 40 + "\n\n"
        "若畫面顯示憑證已經過期，請重新申請。" + "補充說明。" * 40 + "\n\n"
        "連線 VPN 時出現憑證過期的警告，請先更新系統時間再重新連線。" + "結尾。" * 40
    )
    result = snippet(body, ["vpn", "凭证", "过期"])
    assert marked(result) == ["VPN", "憑證", "過期"]
    assert shown(result).startswith("…連線 VPN 時出現憑證過期的警告")


def test_among_passages_with_the_same_words_the_closest_together_is_shown() -> None:
    body = (
        "The client logs every error to a file, and after an update the"
        " certificate store may be rebuilt from scratch by the installer. "
        + "Filler sentence here. " * 12
        + "A certificate error after an update is the usual case."
    )
    result = snippet(body, ["certif", "error"])
    assert shown(result).startswith("…A certificate error after an update")


def test_a_heading_wins_over_an_equally_good_passage() -> None:
    body = plain_text(
        "# 印表機卡紙\n\n" + "說明文字。" * 30 + "\n\n## 處理\n\n若印表機卡紙，打開前蓋。\n"
    )
    assert shown(snippet(body, ["打印机", "卡纸"])).startswith("印表機卡紙 說明文字。")


def test_the_snippet_starts_at_a_sentence_and_never_cuts_a_word() -> None:
    body = (
        "Outlook keeps a copy of each message in the Outbox until the server accepts it. "
        "When the mailbox is over its quota the server refuses new messages, and the Outbox"
        " fills up with messages that are retried every few minutes without any warning."
    )
    result = snippet(body, ["quota"])
    text = shown(result)
    assert text.startswith("…When the mailbox is over its quota")
    assert text.endswith("…")
    words = body.split()
    for word in text.strip("…").split():
        assert word in words, word  # whole words only
    assert len(text) <= WIDTH + 2


def test_escaping_is_correct_for_hostile_text() -> None:
    body = plain_text(
        '# 輸入 `<script>alert("x")</script>`\n\n'
        "<script>document.cookie</script>\n\n"
        "ssh <username>@host 後輸入 a &amp; b，或 \"quoted\" 'single' <scr<b>ipt> 與 AT&T。\n"
    )
    result = snippet(body, ["amp", "username"])
    without_marks = MARK.sub("", result)
    assert "<" not in without_marks and ">" not in without_marks
    assert '"' not in without_marks and "'" not in without_marks
    text = shown(result)
    assert "document.cookie" not in text  # a script element is not text
    assert "<username>@host" in text
    assert "a &amp; b" in text and "AT&T" in text and '"quoted"' in text
    assert "&<mark>amp</mark>;" in result.replace("&amp;<mark>", "&<mark>")
    assert "<mark>username</mark>" in result


def test_every_snippet_stays_within_the_width_and_is_well_formed() -> None:
    rng = random.Random(16)
    pieces = [
        "印表機", "卡紙", "VPN", "憑證", "。", "，", " ", "\n", "\n\n", "| a | b |", "|---|---|",
        "<b>", "&", "<", "# ", "- ", "longword" * 3, "網際網路", "連接埠", "!!! note",
    ]  # fmt: skip
    for _ in range(300):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 120)))
        words = rng.sample(["打印机", "卡纸", "vpn", "凭证", "互联网", "端口"], rng.randint(0, 3))
        result = snippet(plain_text(body), words)
        assert len(shown(result)) <= WIDTH + 2, (body, words)
        assert result.count("<mark>") == result.count("</mark>")
        assert "<" not in MARK.sub("", result)


def test_kb_search_shows_the_best_passage_without_table_rules(kb: KnowledgeBaseFactory) -> None:
    body = (
        "# 信箱容量\n\n"
        + "信箱的說明。" * 30
        + "\n\n| 使用量 | 系統動作 |\n| --- | --- |\n| 10 GB | 禁止傳送與接收 |\n"
    )
    kb.document(
        "kb/email/quota.md", article_front(id="KB-0060", title="信箱容量", owner="alice"), body
    )
    assert CliRunner().invoke(cli, ["-C", str(kb.root), "index"]).exit_code == 0
    found = CliRunner().invoke(
        cli, ["-C", str(kb.root), "search", "--json", "--as-of", AS_OF.isoformat(), "禁止 接收"]
    )
    result = json.loads(found.stdout)["results"][0]
    assert result["id"] == "KB-0060"
    assert "---" not in result["snippet"]
    assert "<mark>禁止</mark>傳送與<mark>接收</mark>" in result["snippet"]


def test_placeholders_in_angle_brackets_are_text_and_page_elements_are_not() -> None:
    body = plain_text(
        '<main id="notice" type="notice">\n請先備份。\n</main>\n\n'
        "執行 cp <source> <target>，再以 <user>@<host> 登入。<font color='red'>注意</font>\n"
    )
    text = shown(snippet(body, []))
    assert text == "請先備份。 執行 cp <source> <target>，再以 <user>@<host> 登入。 注意"


def test_text_that_merely_looks_like_front_matter_is_kept() -> None:
    body = plain_text("```\nerror: 0x809\nstatus: 500\n```\n\n請改用 SSL 通訊協定。\n")
    assert shown(snippet(body, [])).startswith("error: 0x809 status: 500 請改用")
    # and a block of front-matter keys at the top of a body is not text
    left = plain_text("---\ntitle: 舊標題\nstatus: draft\n---\n\n請改用 SSL 通訊協定。\n")
    assert shown(snippet(left, [])) == "請改用 SSL 通訊協定。"


def test_a_document_in_simplified_characters_has_its_words_marked() -> None:
    """The index cuts 执行 as 運行's 运行 (issue 16): the snippet finds it there too."""
    shown = snippet("请执行以下命令重新安装印表机软体。", frozenset({"运行", "打印机", "软件"}))
    assert "<mark>执行</mark>" in shown
    assert "<mark>印表机</mark>" in shown
