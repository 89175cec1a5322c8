"""`kb approve`: the approval of a version is recorded in place (approved_by, approved_on,
status, effective, the pending revision row), every other byte kept; refused for a team, an
unknown or inactive person, an article, an effective date before the approval; a warning
when the approver approves their own change."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from git_identity import no_git_identity, set_git_email  # noqa: F401  (a fixture)

from git_repo import BOB, DatedRepo, policy
from supportkb.authoring.approve import record_approval
from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.history.reading import read_history
from supportkb.workspace.knowledge_base import load_knowledge_base

from conftest import AS_OF, KnowledgeBaseFactory

PATH = "docs/policies/data-retention.md"
IN_REVIEW = """\
---
# 資料保存辦法
id: POL-0001
title: 資料保存辦法
status: in-review   # 待核准
owner: alice
reviewers: [alice]
last_reviewed: 2026-11-20
version: "1.3"
---

# 資料保存辦法

## 1. 目的

資料保存期限為五年。

## 2. 適用範圍

全中心。

## 3. 權責

資訊室。

## 修訂紀錄

| 版本 | 日期 | 說明 | 核准人 |
| --- | --- | --- | --- |
| 1.2 | 2026-09-22 | 新增保存規定 | bob |
| 1.3 | 2026-11-20 | 保存期限改為五年 | 待核准 pending |

附錄：本文後面的內容不動。
"""


def approve(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["approve", *args, "-C", str(root)])
    return result.exit_code, result.stdout, result.stderr


def test_the_approval_is_recorded_and_nothing_else_changes(kb: KnowledgeBaseFactory) -> None:
    path = kb.write(PATH, IN_REVIEW.replace("\n", "\r\n").encode("utf-8-sig"))
    code, out, err = approve(
        kb.root, "POL-0001", "--by", "bob", "--date", "2026-11-21", "--effective", "2026-12-01"
    )
    assert (code, err) == (0, "")
    assert out == (
        f"{PATH}: version 1.3 approved by bob on 2026-11-21, effective 2026-12-01; "
        "revision-history row filled in\n"
    )
    expected = (
        IN_REVIEW.replace("status: in-review   # 待核准", "status: published   # 待核准")
        .replace(
            'version: "1.3"\n',
            'version: "1.3"\napproved_by: bob\napproved_on: 2026-11-21\neffective: 2026-12-01\n',
        )
        .replace("| 保存期限改為五年 | 待核准 pending |", "| 保存期限改為五年 | bob |")
    )
    assert path.read_bytes() == expected.replace("\n", "\r\n").encode("utf-8-sig")
    assert check(kb.root, AS_OF).findings == ()


def test_effective_defaults_to_the_day_of_the_approval_and_existing_fields_are_replaced(
    kb: KnowledgeBaseFactory,
) -> None:
    """A version approved before (an approval recorded again) keeps its fields' places."""
    path = kb.write(PATH, policy("1.0", approved_by="alice", effective="2026-01-01"))
    record = record_approval(kb.root, "POL-0001", "bob", date(2026, 2, 3))
    assert (record.effective, record.row_filled) == (date(2026, 2, 3), False)
    text = path.read_text(encoding="utf-8")
    assert "effective: 2026-02-03\napproved_by: bob\napproved_on: 2026-02-03\n" in text
    assert "| 1.0 | 2025-12-20 | 第 1.0 版 | alice |" in text  # not pending: left as written


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--by", "network"], 1, "'network' is a team; a version is approved by a person"),
        (["--by", "bobb"], 1, "'bobb' is not a person in owners.yml; did you mean 'bob'?"),
        (["--by", "carol"], 1, "'carol' is inactive in owners.yml"),
        (
            ["--by", "bob", "--date", "2026-11-21", "--effective", "2026-11-20"],
            2,
            "--effective 2026-11-20 is before the approval (2026-11-21): a version cannot "
            "take effect before it is approved",
        ),
        (["--by", "bob", "--date", "2999-01-01"], 2, "--date 2999-01-01 is in the future"),
        ([], 2, "Missing option '--by'"),
    ],
)
def test_refusals_leave_the_file_as_it_was(
    kb: KnowledgeBaseFactory, args: list[str], code: int, message: str
) -> None:
    path = kb.write(PATH, IN_REVIEW)
    result, _, err = approve(kb.root, "POL-0001", *args)
    assert result == code and message in err, err
    assert len(err.strip().splitlines()) == 1 or (code == 2 and "Usage" in err)
    assert path.read_text(encoding="utf-8") == IN_REVIEW


def test_an_article_has_no_version_to_approve(kb: KnowledgeBaseFactory) -> None:
    path = kb.article()
    before = path.read_bytes()
    code, _, err = approve(kb.root, "KB-0001", "--by", "bob")
    assert code == 1
    assert err == (
        "Error: KB-0001 is an article: articles carry no version, so there is no version to "
        "approve (publish it with status: published)\n"
    )
    assert path.read_bytes() == before


# --- segregation of duties: the approver of their own change --------------------------------


@pytest.fixture
def repo(kb: KnowledgeBaseFactory) -> DatedRepo:
    repo = DatedRepo(kb.root)  # git's user is alice
    repo.commit("settings", on="2026-11-01")
    return repo


def test_approving_ones_own_committed_change_warns(repo: DatedRepo) -> None:
    repo.write(PATH, IN_REVIEW)
    sha = repo.commit("1.3", on="2026-11-20", author=BOB)
    code, out, err = approve(repo.root, "POL-0001", "--by", "bob", "--date", "2026-11-21")
    assert code == 0 and "approved by bob" in out
    assert err == (
        f"Warning: {PATH}: bob is the author of the last commit of the file ({sha[:7]}, "
        "2026-11-20): the approver should not approve their own change (segregation of "
        "duties); have another person approve it, or record why not\n"
    )
    assert "approved_by: bob" in (repo.root / PATH).read_text(encoding="utf-8")


def test_another_person_approves_without_a_warning(repo: DatedRepo) -> None:
    repo.write(PATH, IN_REVIEW)
    repo.commit("1.3", on="2026-11-20", author=BOB)
    code, _, err = approve(repo.root, "POL-0001", "--by", "alice", "--date", "2026-11-21")
    assert (code, err) == (0, "")


def test_an_uncommitted_change_is_gits_users(repo: DatedRepo) -> None:
    """The file changed since its last commit (by bob): the author is git's user, alice."""
    repo.write(PATH, IN_REVIEW)
    repo.commit("1.3", on="2026-11-20", author=BOB)
    repo.write(PATH, IN_REVIEW.replace("五年。", "五年，另有規定者從其規定。"))
    code, _, err = approve(repo.root, "POL-0001", "--by", "alice", "--date", "2026-11-21")
    assert code == 0
    assert "alice is the author of the uncommitted change (git's user)" in err
    code, _, err = approve(repo.root, "POL-0001", "--by", "bob", "--date", "2026-11-21")
    assert code == 0 and "the author of" not in err  # it replaces alice's approval, it says


def test_an_approval_before_its_effective_date_leaves_the_previous_version_in_force(
    repo: DatedRepo,
) -> None:
    """What kb approve writes is what the history reads: approved on 21 November, effective
    1 December, so 1.2 stays in force until then."""
    repo.write(PATH, policy("1.2", approved_on="2026-09-22", effective="2026-10-01"))
    repo.commit("1.2", on="2026-09-22", author=BOB)
    repo.write(PATH, IN_REVIEW)
    repo.commit("1.3", on="2026-11-20")
    record_approval(repo.root, "POL-0001", "bob", date(2026, 11, 21), date(2026, 12, 1))
    repo.commit("1.3 approved", on="2026-11-21", author=BOB)
    kb = load_knowledge_base(repo.root, use_cache=False)
    history = read_history(repo.root, kb.documents[0], kb.registry)
    in_force = history.in_force_on
    assert [v.version for v in (in_force(date(2026, 11, 30)), in_force(date(2026, 12, 1)))] == [
        "1.2",
        "1.3",
    ]
    assert history.versions[0].approved_on == date(2026, 11, 21)


def test_a_version_without_a_revision_row_is_approved_with_a_warning(
    kb: KnowledgeBaseFactory,
) -> None:
    kb.write(PATH, IN_REVIEW.split("## 修訂紀錄")[0])
    code, out, err = approve(kb.root, "POL-0001", "--by", "bob", "--date", "2026-11-21")
    assert code == 0 and out.endswith("effective 2026-11-21\n")
    assert err == (
        f"Warning: {PATH}: the revision history has no row for version 1.3: add one (version, "
        "date, change), or kb check --since will report revision-missing\n"
    )


def test_a_retired_document_is_not_put_back_in_force(kb: KnowledgeBaseFactory) -> None:
    path = kb.write(PATH, IN_REVIEW.replace("status: in-review", "status: deprecated"))
    before = path.read_bytes()
    code, _, err = approve(kb.root, "POL-0001", "--by", "bob")
    assert code == 1 and "POL-0001 is deprecated; approving it would put it back in force" in err
    assert path.read_bytes() == before


def test_approving_a_version_approved_before_says_it_replaces_that_approval(
    kb: KnowledgeBaseFactory,
) -> None:
    """The newcomer ran kb approve on 1.2 (published, approved) after editing it: its
    approval and effective date were rewritten without a word, where a new version was due."""
    kb.write(PATH, policy("1.2", approved_by="alice", approved_on="2026-01-02"))
    record = record_approval(kb.root, "POL-0001", "bob", date(2026, 2, 3))
    [warning] = [w for w in record.warnings if "already approved" in w]
    assert "by alice on 2026-01-02" in warning and "this replaces that approval" in warning
    assert "kb review POL-0001 --bump minor" in warning
    kb.write(PATH, IN_REVIEW)
    record = record_approval(kb.root, "POL-0001", "bob", date(2026, 11, 21))
    assert not [w for w in record.warnings if "already approved" in w]


def test_an_approval_dated_before_the_change_was_committed_warns(repo: DatedRepo) -> None:
    repo.write(PATH, IN_REVIEW)
    sha = repo.commit("1.3", on="2026-11-20", author=BOB)
    code, _, err = approve(repo.root, "POL-0001", "--by", "alice", "--date", "2026-11-10")
    assert code == 0
    assert (
        f"the approval is dated 2026-11-10, before the file's last commit ({sha[:7]}, "
        "2026-11-20): it cannot have approved that text" in err
    )
