"""The site's fragments come from templates a theme override can replace."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from supportkb.errors import FatalError
from supportkb.site.build import build_site
from supportkb.site.rendering import template_environment

from conftest import KnowledgeBaseFactory

OVERRIDE = """\
<div class="my-header">{{ document.id }} · {{ document.title }} · {{ status_label }}</div>
"""


def with_custom_dir(kb: KnowledgeBaseFactory) -> Path:
    """The test checkout with `theme.custom_dir: overrides` and a home page."""
    path = kb.root / "mkdocs.yml"
    text = path.read_text(encoding="utf-8").replace("  - search\n", "")
    text = text.replace("  name: material\n", "  name: material\n  custom_dir: overrides\n")
    path.write_text(text, encoding="utf-8")
    kb.write("docs/index.md", "# 首頁\n")
    overrides = kb.root / "overrides"
    overrides.mkdir()
    return overrides


def test_a_header_in_the_custom_dir_replaces_the_packaged_one(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    kb.article("kb/vpn/error-809.md", title='"<b>VPN</b>"')
    overrides = with_custom_dir(kb)
    (overrides / "supportkb").mkdir()
    (overrides / "supportkb/header.html").write_text(OVERRIDE, encoding="utf-8")
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    page = (site / "kb/vpn/error-809/index.html").read_text(encoding="utf-8")
    mine = '<div class="my-header">KB-0001 · &lt;b&gt;VPN&lt;/b&gt; · 已驗證</div>'
    assert mine in page
    assert "kb-meta" not in page  # the packaged header is not used
    register = (site / "register/index.html").read_text(encoding="utf-8")
    assert "下載 CSV" in register  # what is not overridden stays packaged


def test_without_an_override_the_packaged_header_is_used(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    kb.article("kb/vpn/error-809.md")
    with_custom_dir(kb)
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    page = (site / "kb/vpn/error-809/index.html").read_text(encoding="utf-8")
    assert 'class="kb-meta"' in page


def test_values_are_escaped_as_the_rest_of_supportkb_escapes_them(tmp_path: Path) -> None:
    (tmp_path / "supportkb").mkdir()
    (tmp_path / "supportkb/x.html").write_text("{{ value }}|{{ value | md }}", encoding="utf-8")
    rendered = template_environment(tmp_path).get_template("x.html").render(value="<'\"*>")
    assert rendered == "&lt;&#x27;&quot;*&gt;|&lt;&\\#x27;&quot;\\*&gt;"  # html.escape, as esc()


@pytest.mark.parametrize(
    "override, why",
    [
        ("{{ document.no_such_field.x }}\n", "no attribute 'no_such_field'"),
        ("<div>\n{% if %}\n", "Expected an expression"),
    ],
)
def test_a_broken_override_is_the_user_s_error_with_its_file_and_line(
    kb: KnowledgeBaseFactory, tmp_path: Path, override: str, why: str
) -> None:
    """A mistake in a theme's template is not a bug in supportkb: one line naming the file."""
    kb.article("kb/vpn/error-809.md")
    overrides = with_custom_dir(kb)
    (overrides / "supportkb").mkdir()
    (overrides / "supportkb/header.html").write_text(override, encoding="utf-8")
    with pytest.raises(FatalError) as raised:
        build_site(kb.root, date(2026, 11, 24), tmp_path / "site")
    line = override.splitlines().index(next(x for x in override.splitlines() if "{" in x)) + 1
    assert f"overrides/supportkb/header.html:{line}" in str(raised.value)
    assert why in str(raised.value)
