"""The generated pages are one list (`GENERATED_PAGES`): each entry is published."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from supportkb.site.build import build_site
from supportkb.site.pages import GENERATED_PAGES, SiteModel, site_free
from supportkb.workspace.owners import OwnerRegistry
from supportkb.workspace.settings import KnowledgeBaseConfig

from conftest import KnowledgeBaseFactory


def test_every_page_of_the_list_is_published(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    kb.article("kb/vpn/error-809.md")
    kb.write("docs/index.md", "# 首頁\n")
    site = build_site(kb.root, date(2026, 11, 24), tmp_path / "site").site_dir
    assert [path for path, _ in GENERATED_PAGES]
    for path, _ in GENERATED_PAGES:
        folder = path.removesuffix("index.md") if path.endswith("/index.md") else path[:-3]
        assert (site / folder / "index.html").is_file(), path


def test_a_page_that_does_not_need_the_site_is_one_function() -> None:
    site = SiteModel((), OwnerRegistry({}, {}), KnowledgeBaseConfig(), date(2026, 11, 24), str)
    assert site_free(lambda: "# Reference\n")(site) == "# Reference\n"
    tags = dict(GENERATED_PAGES)["tags.md"](site)
    assert tags.startswith("---\nsearch:\n  exclude: true\n---\n\n# 標籤 Tags")
