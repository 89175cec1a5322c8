"""mkdocs.yml is the one place the rules live; reading it must survive Material's tags."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportkb.documents.durations import Duration
from supportkb.documents.model import DocType
from supportkb.errors import ConfigError
from supportkb.workspace.settings import (
    PLUGIN_OPTIONS,
    KnowledgeBaseConfig,
    load_config,
    option_value,
)

from conftest import REPO_ROOT


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "mkdocs.yml").write_text(text, encoding="utf-8")
    return tmp_path


def test_defaults_when_the_plugin_has_no_options(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, "site_name: x\nplugins:\n  - search\n  - supportkb\n"))
    assert config.review_every[DocType.SOP] == Duration(6, "m")
    assert config.review_every[DocType.ARTICLE] == Duration(12, "m")
    assert config.drill_every == Duration(12, "m")
    assert config.due_soon_days == 30
    assert config.required_sections["sop"] == ("purpose", "scope", "roles", "procedure", "records")


def test_python_name_and_env_tags_do_not_choke(tmp_path: Path) -> None:
    config = load_config(
        write(
            tmp_path,
            """\
site_name: !ENV [SITE_NAME, "x"]
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
      emoji_generator: !!python/name:material.extensions.emoji.to_svg
plugins:
  supportkb:
    review_every: {sop: 3m}
    products: {ERP: "5.4.2"}
""",
        )
    )
    assert config.review_every[DocType.SOP] == Duration(3, "m")
    assert str(config.products["ERP"]) == "5.4.2"


def test_shipped_mkdocs_yml_is_read(tmp_path: Path) -> None:
    root = REPO_ROOT
    config = load_config(root)
    assert "ERP" in config.products


@pytest.mark.parametrize(
    "options, message",
    [
        ("review_every: {sop: often}", "review_every.sop"),
        ("review_every: {memo: 6m}", "not a document type"),
        ("due_soon_days: -1", "due_soon_days"),
        ("products: {ERP: five}", "products.ERP"),
        ("required_sections: {sop: [nonsense]}", "unknown section"),
        ("required_sections: {memo: []}", "required_sections.memo"),
        ("colour: blue", "unknown 'supportkb' option"),
    ],
)
def test_invalid_options_are_config_errors(tmp_path: Path, options: str, message: str) -> None:
    write(tmp_path, f"plugins:\n  - supportkb:\n      {options}\n")
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    write(tmp_path, "site_name: x\nplugins: [\n")
    with pytest.raises(ConfigError, match=r"mkdocs.yml:\d+: invalid YAML"):
        load_config(tmp_path)


def test_custom_section_names(tmp_path: Path) -> None:
    config = KnowledgeBaseConfig.from_options(
        {
            "section_names": {"workaround": ["暫時解法", "Workaround"]},
            "required_sections": {"article/troubleshooting": ["symptom", "workaround"]},
        }
    )
    assert config.required_sections["article/troubleshooting"] == ("symptom", "workaround")
    assert "症狀" in config.section_names["symptom"]


def test_duration_arithmetic_follows_the_calendar() -> None:
    from datetime import date

    assert Duration.parse("1m").after(date(2026, 1, 31)) == date(2026, 2, 28)
    assert Duration.parse("2w").after(date(2026, 12, 25)) == date(2027, 1, 8)
    assert Duration.parse("1y").after(date(2028, 2, 29)) == date(2029, 2, 28)
    for bad in ("0d", "6 months", "-1m", "", None, True):
        with pytest.raises(ValueError):
            Duration.parse(bad)


def test_every_plugin_option_is_described_and_its_default_is_valid() -> None:
    for option in PLUGIN_OPTIONS:
        assert option.description, option.name
        assert option_value(option, None) == option.default
