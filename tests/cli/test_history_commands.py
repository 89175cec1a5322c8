"""`kb history`, `kb show --in-force-on` and `kb diff` as an auditor runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from git_repo import BOB, DatedRepo, policy
from supportkb.cli.main import cli

from conftest import KnowledgeBaseFactory

PATH = "docs/policies/data-retention.md"


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def repo(kb: KnowledgeBaseFactory) -> DatedRepo:
    """Version 1.0 in force from 2026-01-01; 1.1 approved on 2026-03-01 to take effect on
    2026-04-01."""
    repo = DatedRepo(kb.root)
    repo.write(PATH, policy("1.0", effective="2026-01-01"))
    repo.commit("1.0", on="2025-12-20")
    rows = (("1.0", "2025-12-20", "初版", "bob"),)
    text = policy("1.1", effective="2026-04-01", body="保存期限改為五年。", rows=rows)
    repo.write(PATH, text.replace("第 1.1 版", "保存期限延長"))
    repo.commit("1.1", on="2026-03-01", author=BOB)
    return repo


def test_history_lists_versions_newest_first_marking_the_one_in_force(repo: DatedRepo) -> None:
    code, out, _ = run(repo.root, "history", "POL-0001", "--date", "2026-03-15")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].startswith("In force on 2026-03-15: 1.0 (since 2026-01-01")
    table = [line for line in lines if line.lstrip("* ").startswith(("1.1", "1.0"))]
    assert [line.startswith("*") for line in table] == [False, True]
    assert "2026-04-01" in table[0] and "bob" in table[0]
    assert "└ 保存期限延長" in out


def test_history_json_is_the_documented_object(repo: DatedRepo) -> None:
    code, out, _ = run(repo.root, "history", "POL-0001", "--json", "--date", "2026-04-01")
    assert code == 0
    data = json.loads(out)
    assert (data["format"], data["id"], data["in_force"]) == (1, "POL-0001", "1.1")
    newest = data["versions"][0]
    assert {k: newest[k] for k in ("version", "effective", "approved_by", "in_force")} == {
        "version": "1.1",
        "effective": "2026-04-01",
        "approved_by": "bob",
        "in_force": True,
    }
    assert newest["author"]["person"] == "bob" and newest["change"] == "保存期限延長"
    assert len(newest["commit"]) == 40 and newest["date"].startswith("2026-03-01")
    assert [r["on"] for r in data["reviews"]] == ["2025-12-20"]


def test_show_prints_the_text_in_force_and_not_the_one_merely_approved(repo: DatedRepo) -> None:
    code, out, _ = run(repo.root, "show", "POL-0001", "--in-force-on", "2026-03-15")
    assert code == 0
    header, text = out.split("\n", 1)
    assert header.startswith("<!-- POL-0001 version 1.0, in force on 2026-03-15: commit ")
    assert "資料保存期限為三年。" in text and "五年" not in text
    first = repo.git("log", "--format=%H", "--", PATH).split()[-1]
    assert text == repo.git("show", f"{first}:{PATH}")
    code, out, _ = run(repo.root, "show", "POL-0001", "--in-force-on", "2026-04-01", "--no-header")
    assert code == 0 and out == (repo.root / PATH).read_text(encoding="utf-8")


def test_show_exits_1_when_nothing_was_in_force(repo: DatedRepo) -> None:
    code, _, err = run(repo.root, "show", "POL-0001", "--in-force-on", "2025-12-31")
    assert code == 1
    assert "no version was in force on 2025-12-31" in err and "2026-01-01" in err


def test_diff_shows_front_matter_and_body_changes(repo: DatedRepo) -> None:
    code, out, _ = run(repo.root, "diff", "POL-0001", "1.0", "1.1")
    assert code == 0
    assert out.startswith("--- POL-0001 1.0 (")
    assert '-version: "1.0"' in out and '+version: "1.1"' in out
    assert "-資料保存期限為三年。" in out and "+保存期限改為五年。" in out


def test_diff_html_is_an_escaped_page_with_no_external_resource(repo: DatedRepo) -> None:
    text = (repo.root / PATH).read_text(encoding="utf-8")
    repo.write(PATH, text.replace('"1.1"', '"1.2"').replace("五年", "<script>x</script>"))
    repo.commit("1.2", on="2026-05-01")
    code, out, _ = run(repo.root, "diff", "POL-0001", "1.1", "1.2", "--html")
    assert code == 0
    assert out.startswith("<!DOCTYPE html>") and "<script>" not in out
    assert "&lt;script&gt;x&lt;/script&gt;" in out
    assert "<ins>1.2</ins>" in out  # the front-matter table: version 1.1 → 1.2
    assert "http" not in out


def test_an_unknown_version_is_bad_usage_listing_the_versions(repo: DatedRepo) -> None:
    code, _, err = run(repo.root, "diff", "POL-0001", "1.0", "2.0")
    assert code == 2 and "its versions: 1.1, 1.0" in err


def test_every_history_command_in_a_shallow_clone_says_how_to_fix_it(
    repo: DatedRepo, tmp_path: Path
) -> None:
    clone = repo.shallow_clone(tmp_path / "shallow")
    for args in (
        ("history", "POL-0001"),
        ("show", "POL-0001", "--in-force-on", "2026-03-01"),
        ("diff", "POL-0001", "1.0", "1.1"),
    ):
        code, out, err = run(clone, *args)
        assert (code, out) == (1, "")
        assert err.count("\n") == 1 and "git fetch --unshallow" in err


def test_kb_build_outside_git_builds_the_site_and_says_why_history_is_missing(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    kb.write("docs/index.md", "# 首頁\n")
    kb.write(PATH, policy("1.0"))
    site = tmp_path / "site"
    result = CliRunner().invoke(
        cli, ["-C", str(kb.root), "build", "--as-of", "2026-11-24", "--site-dir", str(site)]
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "built without history" in warnings[0]
    assert "not in a git repository" in warnings[0]
    assert (site / "index.html").is_file()


def test_versions_older_than_the_git_history_are_named_when_nothing_was_in_force(
    kb: KnowledgeBaseFactory,
) -> None:
    """A knowledge base moved into git at version 1.1: the revision table names 1.0, whose
    text git does not hold; an auditor is told so rather than "no version"."""
    repo = DatedRepo(kb.root)
    rows = (("1.0", "2025-03-01", "初版", "bob"),)
    repo.write(PATH, policy("1.1", effective="2026-02-01", rows=rows))
    repo.commit("moved into git", on="2026-02-10")
    code, _, err = run(repo.root, "show", "POL-0001", "--in-force-on", "2025-06-01")
    assert code == 1
    assert "earlier versions (1.0 (2025-03-01)) whose text is not in git" in err
