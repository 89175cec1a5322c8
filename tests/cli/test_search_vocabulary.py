"""`kb search --type` and `--status` accept the vocabulary's names and aliases
(`supportkb.documents.vocabulary`), as `type:plan` inside a query does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from supportkb.cli.main import cli
from supportkb.documents.vocabulary import status_names, type_names
from supportkb.search.indexing.index import build_index

from conftest import AS_OF, POWER_PLAN, KnowledgeBaseFactory


@pytest.fixture
def indexed(kb: KnowledgeBaseFactory) -> Path:
    kb.article(title="機房網路中斷")
    kb.write("sops/emergency/power.md", POWER_PLAN)
    build_index(kb.root)
    return kb.root


def found(root: Path, *options: str) -> list[str]:
    result = CliRunner().invoke(
        cli, ["-C", str(root), "search", "--json", "--as-of", AS_OF.isoformat(), *options, "機房"]
    )
    assert result.exit_code in (0, 1), result.output
    return [r["id"] for r in json.loads(result.stdout)["results"]]


@pytest.mark.parametrize("name", ["plan", "ep", "emergency-plan"])
def test_every_name_of_a_type_filters_by_it(indexed: Path, name: str) -> None:
    assert found(indexed, "--type", name) == ["EP-0001"]


def test_aliases_of_articles_and_statuses(indexed: Path) -> None:
    assert found(indexed, "--type", "kb") == ["KB-0001"]
    assert found(indexed, "--status", "published", "--type", "article") == ["KB-0001"]
    assert found(indexed, "--status", "draft") == []


def test_the_choices_are_the_vocabulary() -> None:
    command = cli.get_command(click_context(), "search")
    assert command is not None
    choices = {p.name: getattr(p.type, "choices", None) for p in command.params}
    assert tuple(choices["types"]) == type_names()
    assert tuple(choices["statuses"]) == status_names()


def test_an_unknown_type_is_bad_usage(indexed: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(indexed), "search", "--type", "memo", "x"])
    assert result.exit_code == 2 and "plan" in result.output


def click_context() -> object:
    import click

    return click.Context(cli)


def test_type_and_status_flags_take_any_case() -> None:
    """`--type PLAN` as `type:PLAN` in the query: the names are the vocabulary's, any case."""
    from supportkb.cli.commands.search import search_command

    for flag, value in (("--type", "PLAN"), ("--type", "Ep"), ("--status", "Published")):
        param = next(p for p in search_command.params if flag in getattr(p, "opts", ()))
        assert param.type.convert(value, None, None) == value.lower()
