"""The feedback block at the end of every document page: its id, and on static hosting where a
report goes (an issue in a GitHub or GitLab repository, else an e-mail to the owner)."""

from __future__ import annotations

import html
import re
from urllib.parse import unquote

from mkdocs.commands.build import build
from mkdocs.config import load_config as load_mkdocs_config

from supportkb.site.footer import issue_channel

from conftest import KnowledgeBaseFactory


def built_page(kb: KnowledgeBaseFactory, extra: str = "") -> str:
    """The article's page of a site built with `extra` mkdocs.yml settings."""
    (kb.root / "docs").mkdir(exist_ok=True)
    (kb.root / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    text = (kb.root / "mkdocs.yml").read_text(encoding="utf-8").replace("  - search\n", "")
    (kb.root / "mkdocs.yml").write_text(text + extra, encoding="utf-8")
    build(load_mkdocs_config(str(kb.root / "mkdocs.yml"), strict=True))
    return (kb.root / "site/kb/vpn/error-809/index.html").read_text(encoding="utf-8")


def block(page: str) -> str:
    match = re.search(r'<section class="kb-feedback".*?</section>', page, re.DOTALL)
    assert match is not None, "no feedback block"
    return match.group(0)


def test_the_block_ends_the_page_with_the_id_and_a_mail_to_the_owner(
    kb: KnowledgeBaseFactory,
) -> None:
    kb.article(title="VPN <script>alert(1)</script> 錯誤", owner="network")  # a team: its members
    page = built_page(kb)
    feedback = block(page)
    assert page.rindex("解決方法") < page.index(feedback)  # after the last section
    assert 'data-kb-id="KB-0001"' in feedback
    assert "<script>alert" not in feedback and "&lt;script&gt;" in feedback
    link = re.search(r'kb-feedback__mail" href="([^"]*)"', feedback)
    assert link is not None
    href = unquote(html.unescape(link.group(1)))
    assert href.startswith("mailto:alice@example.com,bob@example.com?subject=[KB-0001] VPN ")
    assert "有幫助嗎？" in feedback and "回報內容有誤或過時" in feedback


def test_with_a_repository_a_report_is_a_new_issue(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    feedback = block(built_page(kb, "repo_url: https://github.com/example/kb\n"))
    assert 'data-kb-channel="https://github.com/example/kb/issues/new"' in feedback
    assert 'data-kb-channel-subject="title"' in feedback


def test_only_github_and_gitlab_repositories_take_issues() -> None:
    github = issue_channel("https://github.com/example/kb/")
    assert github is not None and github.url == "https://github.com/example/kb/issues/new"
    gitlab = issue_channel("https://gitlab.example.com/support/kb")
    assert gitlab is not None and gitlab.url == "https://gitlab.example.com/support/kb/-/issues/new"
    assert gitlab.link("t", "b") == (
        "https://gitlab.example.com/support/kb/-/issues/new"
        "?issue%5Btitle%5D=t&issue%5Bdescription%5D=b"
    )
    for url in (
        None,
        "",
        "https://example.com/org/kb",  # not a forge we know the address of
        "https://github.com",  # no repository
        "javascript:alert(1)//github.com/x",
        'https://github.com/x/y"onmouseover=alert(1)',
        "https://notgithub.example/x/y",
    ):
        assert issue_channel(url) is None, url


def test_no_address_no_repository_no_channel(kb: KnowledgeBaseFactory) -> None:
    (kb.root / "owners.yml").write_text(
        "people:\n  - id: alice\n    name: Alice\n    email: not-an-address\n", encoding="utf-8"
    )
    kb.article(owner="alice")
    feedback = block(built_page(kb))
    assert "data-kb-channel" not in feedback and "kb-feedback__mail" not in feedback
