"""The MkDocs plugin reads the same rules as the CLI and refuses invalid ones."""

from __future__ import annotations

from pathlib import Path

import pytest
from mkdocs.config import load_config as load_mkdocs_config
from mkdocs.exceptions import Abort, PluginError


def site(tmp_path: Path, options: str) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: t\nplugins:\n  - supportkb:\n{options}", encoding="utf-8")
    return config


def test_plugin_exposes_the_knowledge_base_config(tmp_path: Path) -> None:
    config = load_mkdocs_config(str(site(tmp_path, "      products: {ERP: '5.4.2'}\n")))
    config.plugins.on_config(config)
    plugin = config.plugins["supportkb"]
    assert str(plugin.kb_config.products["ERP"]) == "5.4.2"


def test_invalid_rules_stop_the_build_with_a_plugin_error(tmp_path: Path) -> None:
    config = load_mkdocs_config(str(site(tmp_path, "      drill_every: sometimes\n")))
    with pytest.raises((PluginError, Abort), match="drill_every"):
        config.plugins.on_config(config)
