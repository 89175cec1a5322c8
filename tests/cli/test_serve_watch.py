"""What `kb serve --watch` watches comes from `documents.layout` (and the settings' files)."""

from __future__ import annotations

from supportkb.cli.commands.serve import watched_paths
from supportkb.documents.layout import ARTICLES_DIR, POLICIES_DIR, SOPS_DIR
from supportkb.workspace.owners import REGISTRY_FILE

from conftest import KnowledgeBaseFactory


def test_the_document_folders_pages_and_settings_are_watched(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    kb.write("sops/power.md", "# SOP\n")
    kb.write(f"{POLICIES_DIR}/leave.md", "# policy\n")
    kb.write("docs/index.md", "# home\n")
    watched = watched_paths(kb.root)
    expected = [ARTICLES_DIR, SOPS_DIR, POLICIES_DIR.partition("/")[0], "mkdocs.yml", REGISTRY_FILE]
    assert watched == [kb.root / name for name in expected]  # docs/policies through docs/


def test_folders_that_do_not_exist_are_not_watched(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    assert watched_paths(kb.root) == [
        kb.root / p for p in (ARTICLES_DIR, "mkdocs.yml", "owners.yml")
    ]
