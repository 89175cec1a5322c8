"""Hostile values that could become links, and the site's security policy.

Reproduced first: an owners.yml e-mail `x@y.z) [m](javascript:alert(1)` became
`<a href="javascript:alert(1)">` in the review calendar, `kb check` said nothing, and
`kb serve` allowed every inline script (`script-src 'unsafe-inline'`).
"""

from __future__ import annotations

import os
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from supportkb.checking.check import check
from supportkb.documents.urls import is_email, safe_url
from supportkb.reporting.report import as_markdown, build_report
from supportkb.service.app import ServeSettings, create_app
from supportkb.site.build import build_site
from supportkb.site.content_policy import (
    POLICY_FILE,
    SitePolicy,
    inline_script_hashes,
    policy_file_text,
    with_policy_meta,
)
from supportkb.workspace.knowledge_base import load_knowledge_base

from conftest import KnowledgeBaseFactory

AS_OF = date(2026, 11, 24)
MARKDOWN_BREAKER = "x@y.z) [m](javascript:alert(1)"
HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "\x01javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "javascript&#58;alert(1)",
    "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;avascript:alert",
    MARKDOWN_BREAKER,
    "mailto:" + MARKDOWN_BREAKER,
    "mailto:a@example.com?body=<script>",
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/) [m](javascript:alert(1)",
    "https://example.com/<img src=x>",
    "//evil.example/x",
    "/\\evil.example",
    "\\\\evil.example\\x",
    "https:evil.example",
    "http:/evil.example",
    "http://",
    "ftp://example.com/x",
    "file:///etc/passwd",
    "",
]
HOSTILE_EMAILS = [
    MARKDOWN_BREAKER,
    "a b@example.com",
    "<a@example.com>",
    '"a"@example.com',
    "a@@example.com",
    "a@example.com\n",
    "a@example.com\x00",
    "a@example",
    "a(b)@example.com",
    "a@[127.0.0.1]",
    "javascript:alert(1)//@example.com",
    "a@example.com?subject=x",
]


@pytest.mark.parametrize("value", HOSTILE_URLS)
def test_hostile_values_are_never_urls(value: str) -> None:
    assert safe_url(value) is None


@pytest.mark.parametrize("value", HOSTILE_EMAILS)
def test_hostile_addresses_are_not_addresses(value: str) -> None:
    assert not is_email(value)
    assert safe_url("mailto:" + value) is None


@pytest.mark.parametrize(
    "value",
    [
        "https://chat.example.com/u/alice",
        "http://kb.example.com.tw/x?a=1&b=2",
        "mailto:a.b@ex.com",
        "../kb/vpn/",
        "#top",
        "register.csv",
    ],
)
def test_plain_links_stay_links(value: str) -> None:
    assert safe_url(value) == value


def _hostile_owner(kb: KnowledgeBaseFactory, email: str) -> None:
    owners = (kb.root / "owners.yml").read_text(encoding="utf-8")
    owners = owners.replace("email: alice@example.com", f"email: '{email}'")
    owners = owners.replace(
        "    name: Bob Chen\n", "    name: Bob Chen\n    chat: 'javascript:alert(2)'\n"
    )
    (kb.root / "owners.yml").write_text(owners, encoding="utf-8")
    kb.write("docs/index.md", "# Home\n")
    kb.article(owner="alice", last_reviewed="2025-11-01")  # overdue: in the review calendar


def _links(page: str) -> list[str]:
    return re.findall(r"""<a\b[^>]*\bhref\s*=\s*["']?([^"'\s>]*)""", page, re.IGNORECASE)


def test_hostile_e_mail_is_no_link_anywhere_in_the_site(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    _hostile_owner(kb, MARKDOWN_BREAKER)
    site = build_site(kb.root, AS_OF, tmp_path / "site", strict=False).site_dir
    calendar = (site / "review-calendar" / "index.html").read_text(encoding="utf-8")
    article = (site / "kb" / "vpn" / "error-809" / "index.html").read_text(encoding="utf-8")
    for page in (calendar, article):
        assert "x@y.z) [m](javascript:alert(1)" in page  # shown, as text
        for href in _links(page):
            assert not href.lower().startswith(("javascript:", "data:", "vbscript:")), href
            assert "x@y.z" not in href, href


def test_valid_e_mail_is_a_mailto_link(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    _hostile_owner(kb, "alice@example.com")
    site = build_site(kb.root, AS_OF, tmp_path / "site", strict=False).site_dir
    calendar = (site / "review-calendar" / "index.html").read_text(encoding="utf-8")
    assert "mailto:alice@example.com" in _links(calendar)


def test_check_reports_invalid_contacts_with_their_line(kb: KnowledgeBaseFactory) -> None:
    _hostile_owner(kb, MARKDOWN_BREAKER)
    found = [f for f in check(kb.root, AS_OF).findings if f.code == "contact-invalid"]
    assert [(f.path, f.line) for f in found] == [("owners.yml", 2), ("owners.yml", 5)]
    assert "email" in found[0].message and "chat" in found[1].message


def test_report_markdown_has_no_link_from_a_hostile_address(kb: KnowledgeBaseFactory) -> None:
    _hostile_owner(kb, MARKDOWN_BREAKER)
    text = as_markdown(build_report(load_knowledge_base(kb.root), AS_OF))
    assert not re.search(r"(?<!\\)\]\(javascript", text) and "mailto:" not in text
    assert r"x@y.z) \[m\](javascript:alert(1)" in text


def _script_sources(policy: str) -> list[str]:
    directive = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    return directive.split()[1:]


def test_server_policy_allows_no_inline_script_without_a_site(tmp_path: Path) -> None:
    client = TestClient(create_app(ServeSettings(index_folder=str(tmp_path / "index"))))
    policy = client.get("/api/health").headers["content-security-policy"]
    assert _script_sources(policy) == ["'self'"]
    assert "unsafe-eval" not in policy and "https:" not in policy


def test_site_pages_and_server_share_one_hash_based_policy(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    _hostile_owner(kb, "alice@example.com")
    site = build_site(kb.root, AS_OF, tmp_path / "site", strict=False).site_dir
    settings = ServeSettings(index_folder=str(tmp_path / "index"), site_folder=str(site))
    header = TestClient(create_app(settings)).get("/").headers["content-security-policy"]
    allowed = set(_script_sources(header))
    assert "'unsafe-inline'" not in allowed and "frame-ancestors 'none'" in header
    recorded = (site / POLICY_FILE).read_text(encoding="utf-8")
    pages = list(site.rglob("*.html"))
    assert len(pages) > 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)"', text)
        assert meta is not None, page
        assert text.index(meta.group(0)) < text.index("<script"), page  # before any script
        in_page = set(_script_sources(meta.group(1)))
        assert "'unsafe-inline'" not in in_page
        hashes = {f"'{h}'" for h in inline_script_hashes(text)}
        assert hashes and hashes <= in_page <= allowed, page  # every inline script is Material's
        assert all(h.strip("'") in recorded for h in hashes)
        assert "api.github.com" not in text and 'data-md-component="source"' not in text


def test_an_injected_inline_script_is_not_allowed(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    """Raw HTML in a body is the contributor's; still, its inline script is not in the policy."""
    kb.write("docs/index.md", "# Home\n\n<script>alert(document.cookie)</script>\n")
    kb.article()
    site = build_site(kb.root, AS_OF, tmp_path / "site", strict=False).site_dir
    settings = ServeSettings(index_folder=str(tmp_path / "index"), site_folder=str(site))
    header = TestClient(create_app(settings)).get("/").headers["content-security-policy"]
    injected = inline_script_hashes("<script>alert(document.cookie)</script>")
    assert injected and not {f"'{h}'" for h in injected} & set(_script_sources(header))


def test_policy_meta_follows_the_charset_and_precedes_every_script() -> None:
    page = '<html><head>\n<meta charset="utf-8">\n<script>var a=1</script></head></html>'
    secured = with_policy_meta(page, inline_script_hashes(page))
    assert secured.index('charset="utf-8"') < secured.index("http-equiv") < secured.index("<script")


def test_served_policy_follows_a_rebuilt_site(tmp_path: Path) -> None:
    """`kb serve --watch` rebuilds the site: the header must allow the new pages' scripts."""
    site = tmp_path / "site"
    (site / POLICY_FILE).parent.mkdir(parents=True)
    served = SitePolicy(site)
    assert _script_sources(served.text()) == ["'self'"]  # no policy file yet: files only
    first = inline_script_hashes("<script>var a=1</script>")
    (site / POLICY_FILE).write_text(policy_file_text(first), encoding="utf-8")
    assert f"'{min(first)}'" in served.text()
    second = inline_script_hashes("<script>var b=2</script>")
    (site / POLICY_FILE).write_text(policy_file_text(second), encoding="utf-8")
    os.utime(site / POLICY_FILE, ns=(1, 10**18))  # a new stamp even on a coarse clock
    assert _script_sources(served.text()) == ["'self'", f"'{min(second)}'"]
