"""`kb check --since REF`: a controlled document changed since REF must raise its version, add
a revision-history row and, when published, carry an approval dated on or after the change;
a review or an approval alone is not a change. Built on small git repositories with dated
commits."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from git_repo import BOB, DatedRepo, policy
from supportkb.checking.since import check_since
from supportkb.cli.main import cli

from conftest import KnowledgeBaseFactory

PATH = "docs/policies/data-retention.md"
AS_OF = date(2026, 11, 24)
ROWS = (("1.0", "2026-01-02", "初版", "bob"),)
CHANGE_CODES = {"version-not-bumped", "revision-missing", "approval-missing"}


@pytest.fixture
def repo(kb: KnowledgeBaseFactory) -> DatedRepo:
    """A policy 1.0, approved by bob on 2 January, committed on 5 January: the base."""
    repo = DatedRepo(kb.root)
    repo.write(PATH, policy("1.0", approved_on="2026-01-02", effective="2026-01-05"))
    repo.commit("1.0", on="2026-01-05")
    repo.git("branch", "base")
    return repo


def since(root: Path, ref: str = "base", as_of: date = AS_OF) -> list[tuple[str, int, str]]:
    """The change control findings (path, line, code)."""
    result = check_since(root, as_of, ref, use_cache=False)
    return [(f.path, f.line, f.code) for f in result.findings if f.code in CHANGE_CODES]


def line_of(repo: DatedRepo, text: str) -> int:
    lines = (repo.root / PATH).read_text(encoding="utf-8").split("\n")
    return next(number for number, line in enumerate(lines, 1) if line.startswith(text))


def test_a_change_without_a_new_version_is_reported(repo: DatedRepo) -> None:
    """The body changed, the version did not, and the approval is 1.0's (2 January, before
    the change): both are reported, each on its line."""
    repo.write(
        PATH,
        policy("1.0", approved_on="2026-01-02", effective="2026-01-05", body="保存期限改為五年。"),
    )
    repo.commit("five years", on="2026-03-02")
    assert sorted(since(repo.root)) == sorted(
        [
            (PATH, line_of(repo, "approved_on:"), "approval-missing"),
            (PATH, line_of(repo, "version:"), "version-not-bumped"),
        ]
    )


def test_a_change_not_committed_yet_is_dated_the_day_of_the_check(repo: DatedRepo) -> None:
    repo.write(
        PATH,
        policy("1.1", approved_on="2026-11-23", effective="2026-11-23", body="五年。", rows=ROWS),
    )
    assert [code for *_, code in since(repo.root)] == ["approval-missing"]  # 23 < 24 November
    repo.write(
        PATH,
        policy("1.1", approved_on="2026-11-24", effective="2026-11-24", body="五年。", rows=ROWS),
    )
    assert since(repo.root) == []


def test_a_new_version_needs_its_revision_row(repo: DatedRepo) -> None:
    text = policy("1.1", status="in-review", approved_by=None, effective=None, rows=ROWS)
    repo.write(PATH, text.replace("| 1.1 | 2025-12-20 | 第 1.1 版 | 待核准 pending |\n", ""))
    repo.commit("1.1 without a row", on="2026-03-02")
    assert since(repo.root) == [(PATH, line_of(repo, "version:"), "revision-missing")]
    # a row without the change described does not count either
    repo.write(PATH, text.replace("| 第 1.1 版 |", "|  |"))
    assert since(repo.root) == [(PATH, line_of(repo, "| 1.1 |"), "revision-missing")]
    repo.write(PATH, text)
    assert since(repo.root) == []


def test_the_issues_case_a_bumped_version_that_still_claims_the_old_approval(
    repo: DatedRepo,
) -> None:
    """POL-0003 1.3 looked validated with 1.2's approver: a raised version that says published
    with the previous approval (dated before the change) is approval-missing."""
    rows = (*ROWS, ("1.1", "2026-03-02", "五年", "待核准 pending"))
    repo.write(PATH, policy("1.1", approved_on="2026-01-02", effective="2026-01-05", rows=rows))
    repo.commit("1.1", on="2026-03-02")
    assert since(repo.root) == [(PATH, line_of(repo, "approved_on:"), "approval-missing")]


def test_an_approval_given_after_the_change_clears_it_even_recorded_later(
    repo: DatedRepo,
) -> None:
    """Changed on 2 March, approved on 3 March, the approval committed on 9 March: clean."""
    rows = (*ROWS, ("1.1", "2026-03-02", "五年", "待核准 pending"))
    repo.write(PATH, policy("1.1", "in-review", approved_by=None, effective=None, rows=rows))
    repo.commit("1.1 drafted", on="2026-03-02")
    assert since(repo.root) == []  # in review: nothing claims an approval
    rows = (*ROWS, ("1.1", "2026-03-02", "五年", "bob"))
    repo.write(PATH, policy("1.1", approved_on="2026-03-03", effective="2026-04-01", rows=rows))
    repo.commit("1.1 approved", on="2026-03-09", author=BOB)
    assert since(repo.root) == []
    # approved before the first commit of the change: the previous version's approval
    repo.write(PATH, policy("1.1", approved_on="2026-03-01", effective="2026-04-01", rows=rows))
    assert since(repo.root) == [(PATH, line_of(repo, "approved_on:"), "approval-missing")]


def test_a_review_or_an_approval_alone_is_not_a_new_version(repo: DatedRepo) -> None:
    """kb review without --bump changes last_reviewed and reviewers; kb approve changes the
    status, the approval fields and the row's approver: neither asks for a new version."""
    repo.write(
        PATH,
        policy(
            "1.0",
            approved_on="2026-01-02",
            effective="2026-01-05",
            last_reviewed="2026-06-01",
            reviewers="[alice, bob]",
        ).replace("| 1.0 | 2026-06-01 |", "| 1.0 | 2025-12-20 |"),
    )
    repo.commit("reviewed", on="2026-06-01")
    assert since(repo.root) == []

    rows = (*ROWS, ("1.1", "2026-03-02", "五年", "待核准 pending"))
    repo.write(PATH, policy("1.1", "in-review", approved_by=None, effective=None, rows=rows))
    repo.commit("1.1", on="2026-07-02")
    repo.git("branch", "-f", "base")
    approved = (*ROWS, ("1.1", "2026-03-02", "五年", "bob"))
    repo.write(PATH, policy("1.1", approved_on="2026-07-03", effective="2026-07-03", rows=approved))
    repo.commit("1.1 approved", on="2026-07-03")
    assert since(repo.root) == []


def test_a_new_document_needs_a_row_and_an_approval_only_when_published(
    repo: DatedRepo,
) -> None:
    new = "docs/policies/new.md"
    draft = policy("0.1", "draft", doc_id="POL-0002", approved_by=None, effective=None)
    repo.write(new, draft.split("## 修訂紀錄")[0])
    assert since(repo.root) == []
    repo.write(new, policy("1.0", doc_id="POL-0002", effective="2026-11-24"))
    repo.commit("new policy", on="2026-11-20")
    lines = (repo.root / new).read_text(encoding="utf-8").split("\n")
    status = next(n for n, line in enumerate(lines, 1) if line.startswith("status:"))
    assert since(repo.root) == [(new, status, "approval-missing")]


def test_a_renamed_document_is_compared_with_its_file_at_ref(repo: DatedRepo) -> None:
    repo.git("mv", PATH, "docs/policies/retention.md")
    repo.commit("renamed", on="2026-03-02")
    assert since(repo.root) == []


def test_articles_are_not_under_change_control(repo: DatedRepo, kb: KnowledgeBaseFactory) -> None:
    kb.article()
    repo.commit("article", on="2026-03-02")
    repo.git("branch", "-f", "base")
    kb.article(title="VPN 錯誤 809 (改)")
    assert since(repo.root) == []


def test_the_command_reports_the_changed_documents_only(
    repo: DatedRepo, kb: KnowledgeBaseFactory
) -> None:
    """Files unchanged since REF are not checked (their overdue reviews are the daily job's);
    the findings name the file and line; exit code 1."""
    kb.article(relative="kb/vpn/old.md", id="KB-0002", last_reviewed="2020-01-01")
    repo.commit("an overdue article", on="2026-01-06")
    repo.git("branch", "-f", "base")
    repo.write(
        PATH,
        policy("1.0", approved_on="2026-01-02", effective="2026-01-05", body="五年。"),
    )
    result = CliRunner().invoke(
        cli, ["check", "-C", str(repo.root), "--since", "base", "--as-of", "2026-11-24"]
    )
    assert result.exit_code == 1
    assert f"{PATH}:{line_of(repo, 'version:')}: error [version-not-bumped]" in result.output
    assert "kb/vpn/old.md" not in result.output and "1 document checked" in result.output
    clean = CliRunner().invoke(cli, ["check", "-C", str(repo.root), "--since", "HEAD~0"])
    assert "kb/vpn/old.md" not in clean.output


def test_an_unknown_ref_is_a_usage_error_in_one_line(repo: DatedRepo) -> None:
    result = CliRunner().invoke(cli, ["check", "-C", str(repo.root), "--since", "origin/nope"])
    assert result.exit_code == 2
    assert result.output == "Error: --since origin/nope: git knows no commit named 'origin/nope'\n"


def test_a_shallow_clone_says_how_to_fetch_the_history(
    repo: DatedRepo, tmp_path_factory: pytest.TempPathFactory
) -> None:
    clone = repo.shallow_clone(tmp_path_factory.mktemp("shallow") / "clone")
    result = CliRunner().invoke(cli, ["check", "-C", str(clone), "--since", "HEAD"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "git fetch --unshallow" in result.output


def test_an_edit_after_the_approval_is_not_covered_by_it(repo: DatedRepo) -> None:
    """Approved on 2 March, then the text edited the same day in a later commit (or only in
    the working tree): the approval recorded is for the text before the edit."""
    bumped = policy(
        "1.1", approved_on="2026-03-02", effective="2026-03-02", body="五年。", rows=ROWS
    )
    repo.write(PATH, bumped.replace("status: published", "status: in-review"))
    repo.commit("1.1 drafted", on="2026-03-02")
    repo.write(PATH, bumped)
    repo.commit("1.1 approved", on="2026-03-02", author=BOB)
    assert since(repo.root) == []  # the approval came after the last edit
    repo.write(PATH, bumped.replace("五年。", "七年。"))
    assert since(repo.root) == [(PATH, line_of(repo, "approved_on:"), "approval-missing")]
    repo.commit("one more edit", on="2026-03-02")
    assert since(repo.root) == [(PATH, line_of(repo, "approved_on:"), "approval-missing")]
    result = check_since(repo.root, AS_OF, "base", use_cache=False)
    [finding] = [f for f in result.findings if f.code == "approval-missing"]
    assert "edited after its approval (in commit " in finding.message


def test_rewriting_who_approved_a_version_or_when_is_reported(repo: DatedRepo) -> None:
    """Nothing else changed: another approver and an earlier day written by hand."""
    text = (repo.root / PATH).read_text(encoding="utf-8")
    forged = text.replace("approved_by: bob", "approved_by: carol").replace(
        "approved_on: 2026-01-02", "approved_on: 2025-12-30"
    )
    repo.write(PATH, forged)
    assert since(repo.root) == [(PATH, line_of(repo, "approved_by:"), "approval-missing")]
    repo.write(PATH, text.replace("approved_on: 2026-01-02\n", ""))
    repo.commit("an older base without approved_on", on="2026-01-06")
    repo.git("branch", "-f", "base")
    repo.write(PATH, text)  # filling the day in is not a rewrite
    assert since(repo.root) == []
