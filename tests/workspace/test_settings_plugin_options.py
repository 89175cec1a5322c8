"""The plugin's options are declared once (`PLUGIN_OPTIONS`): `kb` and the MkDocs plugin accept
the same options and refuse the same mistakes with the same message, and `kb` reads them
without importing MkDocs' config machinery (about 100 ms on every command)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from mkdocs.config import load_config as load_mkdocs_config
from mkdocs.exceptions import Abort, PluginError

from supportkb.cli.main import cli
from supportkb.workspace.settings import KNOWN_OPTIONS, PLUGIN_OPTIONS, validated_options

from conftest import KnowledgeBaseFactory

UNKNOWN = "mkdocs.yml: unknown 'supportkb' option(s): colour; known: audience, build_date"


def with_option(kb: KnowledgeBaseFactory, line: str) -> Path:
    """The test checkout's mkdocs.yml with one more plugin option."""
    path = kb.root / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  - supportkb:\n", f"  - supportkb:\n      {line}\n"), "utf-8")
    (kb.root / "docs").mkdir(exist_ok=True)
    (kb.root / "docs/index.md").write_text("# Home\n", encoding="utf-8")
    return path


def kb_check(root: Path) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), "check", "--as-of", "2026-11-24"])
    return result.exit_code, result.output


@pytest.mark.parametrize("written", ["'2026-11-24'", "2026-11-24"])  # YAML: text, then a date
def test_build_date_is_accepted_by_kb_check_and_by_the_plugin(
    kb: KnowledgeBaseFactory, written: str
) -> None:
    kb.article("kb/vpn/error-809.md")
    path = with_option(kb, f"build_date: {written}")
    code, output = kb_check(kb.root)
    assert code == 0, output
    config = load_mkdocs_config(str(path))
    config.plugins.on_config(config)
    assert config.plugins["supportkb"].as_of.isoformat() == "2026-11-24"


def test_an_unknown_option_is_refused_by_both_alike(kb: KnowledgeBaseFactory) -> None:
    path = with_option(kb, "colour: blue")
    code, output = kb_check(kb.root)
    assert code == 2
    assert UNKNOWN in output
    config = load_mkdocs_config(str(path))
    with pytest.raises((PluginError, Abort)) as refused:
        config.plugins.on_config(config)
    assert UNKNOWN in str(refused.value)


def test_the_plugin_declares_its_options_with_the_one_table() -> None:
    from supportkb.site.plugin import SupportKBPlugin

    names = [option.name for option in PLUGIN_OPTIONS]
    assert [name for name, _ in SupportKBPlugin.config_scheme] == names
    assert [name for name, _ in SupportKBPlugin.config_class._schema] == names
    assert set(KNOWN_OPTIONS) == {option.name for option in PLUGIN_OPTIONS}


@pytest.mark.parametrize(
    "options",
    [
        {"due_soon_days": "soon"},
        {"enabled": "yes"},
        {"audience": "everyone"},
        {"build_date": 20261124},
        {"products": ["ERP"]},
        {"index_dir": 3},
    ],
)
def test_the_plugin_and_the_cli_give_the_same_message(options: dict[str, object]) -> None:
    from supportkb.errors import ConfigError
    from supportkb.site.plugin import SupportKBPlugin

    errors, _ = SupportKBPlugin().load_config(dict(options))
    assert len(errors) == 1
    key, error = errors[0]
    with pytest.raises(ConfigError) as refused:
        validated_options(options)
    assert str(refused.value) == f"mkdocs.yml: 'supportkb.{key}': {error}"


def test_the_plugin_and_the_cli_take_the_same_defaults() -> None:
    from supportkb.site.plugin import SupportKBPlugin

    plugin = SupportKBPlugin()
    errors, _ = plugin.load_config({})
    assert errors == []
    assert dict(plugin.config) == dict(validated_options({}))
    assert plugin.config.audience == validated_options({}).audience == "internal"


def test_kb_check_does_not_import_mkdocs_config() -> None:
    """`mkdocs.config` brings in the theme, Jinja and Markdown: every `kb check` paid it."""
    probe = "import sys, supportkb.cli.commands.check; print('mkdocs.config' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_value_mkdocs_refuses_is_a_config_error_for_the_cli() -> None:
    from supportkb.errors import ConfigError

    with pytest.raises(ConfigError, match=r"'supportkb.due_soon_days': expected a whole number"):
        validated_options({"due_soon_days": "soon"})
    assert validated_options({}).audience == "internal"


def test_a_build_date_that_is_not_a_date_is_refused_by_both_alike(
    kb: KnowledgeBaseFactory,
) -> None:
    path = with_option(kb, "build_date: someday")
    message = "mkdocs.yml: 'supportkb.build_date': 'someday' is not a date (YYYY-MM-DD)"
    code, output = kb_check(kb.root)
    assert code == 2
    assert message in output
    config = load_mkdocs_config(str(path))
    with pytest.raises((PluginError, Abort)) as refused:
        config.plugins.on_config(config)
    assert message in str(refused.value)
