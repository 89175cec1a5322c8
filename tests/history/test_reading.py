"""The history of a document read from git: which version was in force on a day (decided by
the document's effective date, not by when it was committed), renames, reverts, a commit
whose front-matter could not be read, and a shallow clone."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from git_repo import BOB, STRANGER, DatedRepo, policy
from supportkb.history.git import GitHistory, NotARepository, ShallowClone
from supportkb.history.reading import read_histories, read_history
from supportkb.history.records import DocumentHistory
from supportkb.workspace.knowledge_base import load_knowledge_base

from conftest import KnowledgeBaseFactory

PATH = "docs/policies/data-retention.md"


def history_of(root: Path, doc_id: str = "POL-0001") -> DocumentHistory:
    kb = load_knowledge_base(root, use_cache=False)
    document = next(d for d in kb.documents if d.id == doc_id)
    return read_history(root, document, kb.registry)


def in_force(history: DocumentHistory, day: str) -> str | None:
    version = history.in_force_on(date.fromisoformat(day))
    return version.version if version is not None else None


@pytest.fixture
def repo(kb: KnowledgeBaseFactory) -> DatedRepo:
    repo = DatedRepo(kb.root)
    repo.commit("settings", on="2025-12-01")
    return repo


def test_a_version_approved_before_it_takes_effect_leaves_the_previous_one_in_force(
    repo: DatedRepo,
) -> None:
    repo.write(PATH, policy("1.0", effective="2026-01-01"))
    repo.commit("1.0", on="2025-12-20")
    rows = (("1.0", "2025-12-20", "初版", "bob"),)
    repo.write(PATH, policy("1.1", status="in-review", approved_by=None, effective=None, rows=rows))
    repo.commit("1.1 drafted", on="2026-02-10")
    repo.write(PATH, policy("1.1", effective="2026-04-01", rows=rows))
    repo.commit("1.1 approved, effective 1 April", on="2026-03-01", author=BOB)

    history = history_of(repo.root)
    assert [v.version for v in history.versions] == ["1.1", "1.0"]
    assert in_force(history, "2025-12-31") is None
    assert in_force(history, "2026-01-01") == "1.0"
    # committed on 1 March, but in force only from 1 April: rev-list --before would say 1.1
    assert in_force(history, "2026-03-15") == "1.0"
    assert in_force(history, "2026-04-01") == "1.1"
    newest = history.versions[0]
    assert (newest.approved, newest.effective, newest.author.person) == (
        True,
        date(2026, 4, 1),
        "bob",
    )
    assert newest.change == "第 1.1 版"
    assert [v.version for v in history.superseded(date(2026, 3, 15))] == []
    assert [v.version for v in history.superseded(date(2026, 4, 2))] == ["1.0"]


def test_of_two_versions_effective_the_same_day_the_later_recorded_is_in_force(
    repo: DatedRepo,
) -> None:
    repo.write(PATH, policy("1.0", effective="2026-05-01"))
    repo.commit("1.0", on="2026-04-01")
    repo.write(PATH, policy("1.1", effective="2026-05-01", body="保存期限改為五年。"))
    repo.commit("1.1 corrects 1.0 before either takes effect", on="2026-04-20")
    history = history_of(repo.root)
    assert in_force(history, "2026-04-30") is None
    assert in_force(history, "2026-05-01") == "1.1"


def test_renames_are_followed_including_a_change_of_case_only(repo: DatedRepo) -> None:
    repo.write("docs/policies/Data-Retention.md", policy("1.0"))
    repo.commit("1.0", on="2025-12-20")
    repo.git("mv", "docs/policies/Data-Retention.md", "docs/policies/retention.md")
    repo.commit("rename", on="2026-01-10")
    repo.git("mv", "docs/policies/retention.md", "docs/policies/Retention.md")
    repo.commit("case only", on="2026-01-11")
    repo.write("docs/policies/Retention.md", policy("1.1", effective="2026-02-01"))
    repo.commit("1.1", on="2026-01-20")
    history = history_of(repo.root)
    assert [r.path for r in history.revisions] == [
        "docs/policies/Retention.md",
        "docs/policies/Retention.md",
        "docs/policies/retention.md",
        "docs/policies/Data-Retention.md",
    ]
    assert in_force(history, "2026-01-15") == "1.0"
    kb = load_knowledge_base(repo.root, use_cache=False)
    many = read_histories(repo.root, kb.documents, kb.registry)
    assert [r.path for r in many["POL-0001"].revisions] == [r.path for r in history.revisions]


def test_a_reverted_version_stops_being_in_force_when_the_revert_is_committed(
    repo: DatedRepo,
) -> None:
    repo.write(PATH, policy("1.0", effective="2026-01-01"))
    repo.commit("1.0", on="2025-12-20")
    repo.write(PATH, policy("1.1", effective="2026-02-01"))
    bad = repo.commit("1.1", on="2026-01-25")
    repo.git("revert", "--no-edit", bad, env={"GIT_COMMITTER_DATE": "2026-03-01T09:00:00+08:00"})
    history = history_of(repo.root)
    assert [v.version for v in history.versions] == ["1.0", "1.1", "1.0"]
    assert in_force(history, "2026-02-15") == "1.1"
    assert in_force(history, "2026-03-01") == "1.0"
    assert history.in_force_on(date(2026, 3, 1)) is history.versions[0]


def test_a_commit_whose_front_matter_cannot_be_read_is_shown_and_skipped(
    repo: DatedRepo,
) -> None:
    repo.write(PATH, policy("1.0"))
    repo.commit("1.0", on="2025-12-20")
    repo.write(PATH, policy("1.0").replace("status: published", "status: [published"))
    repo.commit("broken YAML", on="2026-01-03", author=STRANGER)
    repo.write(PATH, policy("1.1", effective="2026-02-01"))
    repo.commit("1.1", on="2026-01-20")
    history = history_of(repo.root)
    assert [bool(r.problem) for r in history.revisions] == [False, True, False]
    assert history.revisions[1].author.person is None
    assert [v.version for v in history.versions] == ["1.1", "1.0"]
    assert in_force(history, "2026-01-10") == "1.0"


def test_a_deprecated_document_has_nothing_in_force_from_then(repo: DatedRepo) -> None:
    repo.write(PATH, policy("1.0"))
    repo.commit("1.0", on="2025-12-20")
    repo.write(PATH, policy("1.0", status="deprecated"))
    repo.commit("deprecated", on="2026-06-01")
    history = history_of(repo.root)
    assert in_force(history, "2026-05-31") == "1.0"
    assert in_force(history, "2026-06-01") is None


def test_reviews_are_the_changes_of_last_reviewed_with_their_reviewer(repo: DatedRepo) -> None:
    repo.write(PATH, policy("1.0", last_reviewed="2025-12-20", reviewers="[alice]"))
    repo.commit("1.0", on="2025-12-20")
    repo.write(PATH, policy("1.0", last_reviewed="2026-06-20", reviewers="[alice, bob]"))
    repo.commit("reviewed", on="2026-06-20", author=BOB)
    history = history_of(repo.root)
    assert [(r.on, r.reviewer) for r in history.reviews] == [
        (date(2026, 6, 20), "bob"),
        (date(2025, 12, 20), "alice"),
    ]


def test_a_shallow_clone_is_refused_with_the_fix(repo: DatedRepo, tmp_path: Path) -> None:
    repo.write(PATH, policy("1.0"))
    repo.commit("1.0", on="2025-12-20")
    repo.write(PATH, policy("1.1"))
    repo.commit("1.1", on="2026-01-20")
    clone = repo.shallow_clone(tmp_path / "clone")
    with pytest.raises(ShallowClone, match="git fetch --unshallow"):
        GitHistory.open(clone)
    with pytest.raises(ShallowClone) as raised:
        history_of(clone)
    assert "\n" not in str(raised.value)


def test_a_folder_outside_git_has_no_history(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(NotARepository, match="not in a git repository"):
        GitHistory.open(outside)


def test_a_file_name_with_a_line_break_is_read_as_absent_not_as_an_error(
    repo: DatedRepo,
) -> None:
    """`git cat-file --batch` takes one request a line: such a name is skipped, the others
    are still read (a hostile file name must not stop a site build's history)."""
    repo.write(PATH, policy("1.0"))
    head = repo.commit("1.0", on="2025-12-20")
    git = GitHistory.open(repo.root)
    assert git.read_many([(head, "kb/a\nb.md"), (head, PATH)]) == [
        None,
        (repo.root / PATH).read_bytes(),
    ]


def test_changes_since_a_commit_are_seen_at_the_top_of_the_repository(repo: DatedRepo) -> None:
    """`:(top).` matches nothing in git: the whole tree is `:(top)` alone."""
    repo.write(PATH, policy("1.0"))
    first = repo.commit("1.0", on="2025-12-20")
    git = GitHistory.open(repo.root)
    assert (git.changed_since(first), git.has_changes()) == ((), False)
    repo.write(PATH, policy("1.1"))
    repo.write("sops/new.md", "x")
    assert git.changed_since(first) == (PATH, "sops/new.md")
    assert git.has_changes() and git.has_changes([PATH])
    last = git.last_author(PATH)
    assert last is not None and last.sha == first


def test_a_version_merged_from_a_branch_is_the_one_the_branch_holds(repo: DatedRepo) -> None:
    """1.1 approved on a side branch (committed earlier), main's tags edited later, the merge
    keeps 1.1: read commit by commit in date order, 1.0 looked reinstated and 1.1 superseded."""
    repo.write(PATH, policy("1.0", effective="2026-01-01"))
    repo.commit("1.0", on="2025-12-20")
    repo.git("checkout", "-q", "-b", "side")
    repo.write(PATH, policy("1.1", effective="2026-02-01", body="五年。"))
    repo.commit("1.1", on="2026-01-20", author=BOB)
    repo.git("checkout", "-q", "main")
    repo.write(
        PATH, policy("1.0", effective="2026-01-01").replace("reviewers:", "tags: [x]\nreviewers:")
    )
    repo.commit("tags", on="2026-01-25")
    env = {"GIT_COMMITTER_DATE": "2026-01-26T09:00:00+08:00"}
    repo.git("merge", "-q", "-s", "ours", "--no-commit", "side", env=env)
    repo.write(PATH, policy("1.1", effective="2026-02-01", body="五年。"))
    repo.git("add", "-A")
    repo.git("commit", "-q", "-m", "merge side", env=env)
    history = history_of(repo.root)
    assert [v.version for v in history.versions] == ["1.1", "1.0"]
    assert in_force(history, "2026-02-15") == "1.1"
    kb = load_knowledge_base(repo.root, use_cache=False)
    many = read_histories(repo.root, kb.documents, kb.registry)
    assert [v.version for v in many["POL-0001"].versions] == ["1.1", "1.0"]


def test_an_approval_taken_back_before_its_effective_date_leaves_the_previous_version(
    repo: DatedRepo,
) -> None:
    repo.write(PATH, policy("1.0", effective="2026-01-01"))
    repo.commit("1.0", on="2025-12-20")
    repo.write(PATH, policy("1.1", effective="2026-03-01"))
    repo.commit("1.1 approved, effective 1 March", on="2026-02-01")
    repo.write(PATH, policy("1.1", status="in-review", approved_by=None, effective=None))
    repo.commit("approval reverted", on="2026-02-10")
    history = history_of(repo.root)
    assert history.versions[0].approval_withdrawn_on == date(2026, 2, 10)
    assert in_force(history, "2026-03-05") == "1.0"
    repo.write(PATH, policy("1.0", status="in-review", effective="2026-01-01"))
    repo.commit("1.0 under review, approval kept", on="2026-03-10")
    assert in_force(history_of(repo.root), "2026-03-15") == "1.0"
