"""The `kb` command line through Click's CliRunner: exit codes, formats, messages."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from supportkb.cli.main import COMMANDS, cli

from conftest import KnowledgeBaseFactory


def run(kb: KnowledgeBaseFactory, *args: str) -> click.testing.Result:
    return CliRunner().invoke(cli, ["-C", str(kb.root), *args])


def test_every_command_has_help_text() -> None:
    assert cli.help
    names = cli.list_commands(click.Context(cli))
    assert names == list(COMMANDS)
    for name in names:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        assert command.help, f"kb {name} has no help text"
        result = CliRunner().invoke(cli, [name, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_clean_knowledge_base_exits_0(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    result = run(kb, "check", "--as-of", "2026-11-24")
    assert result.exit_code == 0, result.output
    assert "1 document checked as of 2026-11-24: 0 errors, 0 warnings" in result.output


def test_findings_exit_1_with_file_line_and_fix(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="netwrok")
    result = run(kb, "check", "--as-of", "2026-11-24")
    assert result.exit_code == 1
    assert (
        "kb/vpn/error-809.md:5: error [owner-unknown] owner 'netwrok' is not in owners.yml"
        in result.output
    )
    assert "fix: did you mean 'network'?" in result.output


def test_warnings_fail_only_under_strict(kb: KnowledgeBaseFactory) -> None:
    kb.article(last_reviewed="2025-12-10")
    assert run(kb, "check", "--as-of", "2026-11-24").exit_code == 0
    assert run(kb, "check", "--as-of", "2026-11-24", "--strict").exit_code == 1


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--as-of", "2026/11/24"],
        ["check", "--format", "xml"],
        ["check", "--bogus"],
        ["nope"],
    ],
)
def test_bad_usage_exits_2(kb: KnowledgeBaseFactory, args: list[str]) -> None:
    kb.article()
    result = run(kb, *args)
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_unreadable_configuration_exits_2(kb: KnowledgeBaseFactory) -> None:
    (kb.root / "mkdocs.yml").write_text(
        "plugins:\n  - supportkb:\n      due_soon_days: soon\n", encoding="utf-8"
    )
    result = run(kb, "check")
    assert result.exit_code == 2
    assert "due_soon_days" in result.output


def test_not_a_knowledge_base_exits_2(tmp_path: object) -> None:
    result = CliRunner().invoke(cli, ["-C", str(tmp_path), "check"])
    assert result.exit_code == 2 and "no mkdocs.yml" in result.output


def test_json_format_is_stable(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="nobody")
    result = run(kb, "check", "--as-of", "2026-11-24", "--format", "json")
    payload = json.loads(result.output)
    assert payload["summary"] == {"documents": 1, "errors": 1, "warnings": 0}
    [finding] = payload["findings"]
    assert set(finding) == {"path", "line", "severity", "code", "message", "hint"}
    assert (finding["path"], finding["line"], finding["code"]) == (
        "kb/vpn/error-809.md",
        5,
        "owner-unknown",
    )


def test_github_annotations_escape_properties(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a,b.md", owner="nobody")
    result = run(kb, "check", "--as-of", "2026-11-24", "--format", "github")
    line = result.output.splitlines()[0]
    assert line.startswith(
        "::error file=kb/vpn/a%2Cb.md,line=5,title=owner-unknown::owner 'nobody'"
    )


def test_junit_is_valid_xml(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="nobody", title="'<script>alert(1)</script>'")
    result = run(kb, "check", "--as-of", "2026-11-24", "--format", "junit")
    suite = ET.fromstring(
        result.output.split("\n", 1)[1] if result.output.startswith("<?xml") else result.output
    )
    assert suite.get("failures") == "1"
    assert suite.find("testcase/failure").get("type") == "owner-unknown"


def test_paths_argument(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md", owner="nobody")
    kb.article("kb/vpn/b.md", id="KB-0002")
    assert run(kb, "check", "--as-of", "2026-11-24", str(kb.root / "kb/vpn/b.md")).exit_code == 0
    assert run(kb, "check", "--as-of", "2026-11-24", str(kb.root / "kb/vpn/a.md")).exit_code == 1
    missing = run(kb, "check", "kb/vpn/zzz.md")
    assert missing.exit_code == 2 and "does not exist" in missing.output


def test_python_m_supportkb_runs(kb: KnowledgeBaseFactory) -> None:
    import subprocess
    import sys

    kb.article()
    done = subprocess.run(
        [sys.executable, "-m", "supportkb", "-C", str(kb.root), "check", "--as-of", "2026-11-24"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0 and "0 errors" in done.stdout


def test_control_characters_in_front_matter_are_not_replayed_to_the_terminal(
    kb: KnowledgeBaseFactory,
) -> None:
    kb.write("kb/vpn/x.md", '---\nid: KB-0001\n"evil\\e[2J": 1\n---\n')
    result = run(kb, "check", "--as-of", "2026-11-24")
    assert "\x1b" not in result.output and "evil\\x1b[2J" in result.output


def test_root_option_works_before_and_after_the_command(
    kb: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb.article(owner="nobody")
    elsewhere = tmp_path_factory.mktemp("empty")
    after = CliRunner().invoke(cli, ["-C", str(elsewhere), "check", "-C", str(kb.root)])
    assert after.exit_code == 1 and "owner-unknown" in after.output
    missing = CliRunner().invoke(cli, ["check", "-C", str(kb.root / "nope")])
    assert missing.exit_code == 2 and "not a directory" in missing.output


def test_running_from_a_subfolder_finds_the_knowledge_base(
    kb: KnowledgeBaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb.article(owner="nobody")
    monkeypatch.chdir(kb.root / "kb/vpn")
    result = CliRunner().invoke(cli, ["check", "error-809.md", "--as-of", "2026-11-24"])
    assert result.exit_code == 1 and "owner-unknown" in result.output


def test_files_from_a_list(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    kb.article("kb/vpn/a.md", owner="nobody")
    kb.article("kb/vpn/b.md", id="KB-0002")
    listing = tmp_path / "changed.txt"
    listing.write_text("kb/vpn/b.md\n\n", encoding="utf-8")
    assert run(kb, "check", "--as-of", "2026-11-24", "--files-from", str(listing)).exit_code == 0
    listing.write_text("", encoding="utf-8")
    empty = run(kb, "check", "--files-from", str(listing))
    assert empty.exit_code == 0 and "no files to check" in empty.output


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = CliRunner().invoke(cli, ["serch"])
    assert result.exit_code == 2
    assert "No such command 'serch'" in result.output and "search" in result.output
