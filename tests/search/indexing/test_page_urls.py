"""The index's links to pages follow MkDocs' docs_dir, as the site does."""

from __future__ import annotations

from supportkb.search.indexing.index import page_url


def test_a_file_in_the_configured_docs_dir_loses_that_prefix() -> None:
    assert page_url("", "pages/policies/leave.md", True, "pages") == "policies/leave/"
    assert page_url("https://kb.example/", "pages/index.md", True, "pages") == (
        "https://kb.example/"
    )


def test_a_docs_folder_that_is_not_the_docs_dir_keeps_its_path() -> None:
    assert page_url("", "docs/policies/leave.md", True, "pages") == "docs/policies/leave/"
    assert page_url("", "kb/vpn/x.md", False, "pages") == "kb/vpn/x.html"
