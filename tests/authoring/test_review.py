"""`kb review`: the review is recorded and every other byte of the file is kept."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from click.testing import CliRunner
from git_identity import no_git_identity, set_git_email  # noqa: F401  (a fixture)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportkb.authoring.review import record_review
from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.documents.model import Status
from supportkb.errors import FatalError
from supportkb.workspace.knowledge_base import load_knowledge_base

from conftest import AS_OF, KnowledgeBaseFactory

SOP_TEXT = """\
---
# 網路設定變更 SOP
id: SOP-0001
title: '網路設定變更'
status: published
owner: network
approved_by: bob
reviewers:
  - alice   # 首次複審
last_reviewed: "2026-05-01"
version: "1.2"
---

## 目的
x
## 適用範圍
x
## 角色與職責
x
## 作業程序
x
## 紀錄
x

## 修訂紀錄

| 版本 | 日期 | 說明 | 核准人 |
| --- | --- | --- | --- |
| 1.2 | 2026-05-01 | 調整 | bob |

附錄：本文後面的內容不動。
"""


def review(kb: KnowledgeBaseFactory, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["review", *args, "-C", str(kb.root)])
    return result.exit_code, result.output


def test_review_changes_only_what_it_must(kb: KnowledgeBaseFactory) -> None:
    path = kb.write("sops/network.md", SOP_TEXT.replace("\n", "\r\n").encode("utf-8-sig"))
    code, output = review(kb, "SOP-0001", "--by", "bob", "--date", "2026-11-24")
    assert code == 0, output
    assert output.strip() == "sops/network.md: reviewed by bob on 2026-11-24"
    expected = SOP_TEXT.replace('last_reviewed: "2026-05-01"', 'last_reviewed: "2026-11-24"')
    expected = expected.replace("  - alice   # 首次複審\n", "  - alice   # 首次複審\n  - bob\n")
    assert path.read_bytes() == expected.replace("\n", "\r\n").encode("utf-8-sig")
    assert check(kb.root, AS_OF).findings == ()


def test_bump_raises_the_version_and_adds_a_revision_row(kb: KnowledgeBaseFactory) -> None:
    path = kb.write("sops/network.md", SOP_TEXT)
    code, output = review(
        kb,
        "SOP-0001",
        "--by",
        "alice",
        "--date",
        "2026-11-24",
        "--bump",
        "minor",
        "--note",
        "更新 VPN 7.2 步驟",
    )
    assert code == 0 and "version 1.3" in output
    text = path.read_text(encoding="utf-8")
    assert 'version: "1.3"' in text
    assert (
        "| 1.2 | 2026-05-01 | 調整 | bob |\n"
        "| 1.3 | 2026-11-24 | 更新 VPN 7.2 步驟 | 待核准 pending |\n" in text
    )
    assert text.endswith("附錄：本文後面的內容不動。\n")
    review(kb, "SOP-0001", "--by", "alice", "--date", "2026-11-23", "--bump", "major")
    assert 'version: "2.0"' in path.read_text(encoding="utf-8")


def test_bump_creates_a_revision_section_when_there_is_none(kb: KnowledgeBaseFactory) -> None:
    path = kb.write("sops/network.md", SOP_TEXT.split("## 修訂紀錄")[0])
    record_review(kb.root, "SOP-0001", "bob", date(2026, 11, 24), bump="minor")
    assert path.read_text(encoding="utf-8").endswith(
        "## 修訂紀錄\n\n| 版本 | 日期 | 說明 | 核准人 |\n| --- | --- | --- | --- |\n"
        "| 1.3 | 2026-11-24 | 複審後改版 | 待核准 pending |\n"
    )


def test_articles_cannot_be_bumped(kb: KnowledgeBaseFactory) -> None:
    """One line that says why (a user error about the document: exit code 1), before the
    reviewer is even looked for; the file is left as it was."""
    path = kb.article()
    before = path.read_bytes()
    for by in (["--by", "bob"], []):
        result = CliRunner().invoke(
            cli, ["review", "KB-0001", *by, "--bump", "minor", "-C", str(kb.root)]
        )
        assert result.exit_code == 1
        assert result.output == (
            "Error: KB-0001 is an article: articles carry no version, so there is nothing to "
            "bump; record the review without --bump\n"
        )
    assert path.read_bytes() == before


def test_a_document_without_a_version_cannot_be_bumped(kb: KnowledgeBaseFactory) -> None:
    kb.write("sops/network.md", SOP_TEXT.replace('version: "1.2"\n', ""))
    code, output = review(kb, "SOP-0001", "--by", "bob", "--bump", "minor")
    assert code == 1 and "SOP-0001 has no version to bump" in output


# --- the reviewer: git's e-mail, else asked (on a terminal) or listed ---------------------


def test_the_reviewer_is_the_person_with_gits_email(kb: KnowledgeBaseFactory) -> None:
    path = kb.article()
    set_git_email("bob@example.com")
    code, output = review(kb, "KB-0001", "--date", "2026-11-24")
    assert code == 0 and "reviewed by bob" in output
    assert "reviewers: [bob]" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "email, says",
    [
        ("new.person@example.com", "your git e-mail (new.person@example.com) is not in owners.yml"),
        (None, "git's user.email is not set"),
    ],
)
def test_an_unknown_email_lists_the_people(
    kb: KnowledgeBaseFactory, email: str | None, says: str
) -> None:
    """Not on a terminal: nothing is asked; the error names --by and the active people."""
    path = kb.article()
    before = path.read_bytes()
    set_git_email(email)
    code, output = review(kb, "KB-0001", "--date", "2026-11-24")
    assert code == 2 and says in output
    assert "--by PERSON, one of: alice (Alice Lin), bob (Bob Chen);" in output
    assert "carol" not in output and "network" not in output  # inactive; a team
    assert "add yourself under 'people:' in owners.yml" in output
    assert path.read_bytes() == before


def test_on_a_terminal_it_asks_for_the_reviewer(
    kb: KnowledgeBaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The people are listed; an id that is not a person is asked again with a did-you-mean
    (a team is not a reviewer); the review is then recorded."""
    path = kb.article()
    set_git_email("new.person@example.com")
    monkeypatch.setattr("supportkb.cli.commands.review.interactive", lambda: True)
    result = CliRunner().invoke(
        cli,
        ["review", "KB-0001", "--date", "2026-11-24", "-C", str(kb.root)],
        input="alcie\nnetwork\nalice\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == "kb/vpn/error-809.md: reviewed by alice on 2026-11-24\n"
    assert "alice  Alice Lin" in result.stderr and "carol" not in result.stderr
    assert "did you mean 'alice'?" in result.stderr
    assert "'network' is not one of those listed" in result.stderr
    assert "reviewers: [alice]" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args, message",
    [
        (["KB-0002", "--by", "bob"], "no document has the id KB-0002; did you mean 'KB-0001'?"),
        (["KB-0001", "--by", "network"], "'network' is a team"),
        (["KB-0001", "--by", "carol"], "'carol' is inactive"),
    ],
)
def test_refusals(kb: KnowledgeBaseFactory, args: list[str], message: str) -> None:
    path = kb.article()
    before = path.read_bytes()
    code, output = review(kb, *args)
    assert code == 1 and message in output
    assert path.read_bytes() == before


def test_a_file_that_does_not_parse_is_refused(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    kb.write("kb/vpn/bad.md", "---\nid: KB-0002\ntitle: [oops\n---\n")
    with pytest.raises(
        FatalError, match=r"kb/vpn/bad\.md:3: KB-0002 is in a file whose front-matter"
    ):
        record_review(kb.root, "KB-0002", "bob", AS_OF)


# --- property: whatever the YAML formatting, only the review lines change -----------------


@st.composite
def front_matters(draw: st.DrawFn) -> tuple[str, str]:
    quote = draw(st.sampled_from(["", "'", '"']))
    comment = st.sampled_from(["", "  # note", " #x"])
    lines = ["id: KB-0001" + draw(comment), "title: 標題", "status: published", "owner: network"]
    if draw(st.booleans()):
        lines.append(f"last_reviewed: {quote}2026-06-01{quote}{draw(comment)}")
    reviewers = draw(
        st.sampled_from(
            [
                [],
                ["reviewers: [alice]"],
                ["reviewers: [alice, bob]  # both"],
                ["reviewers:", "- alice"],
                ["reviewers:", "    - alice", "    - carol   # inactive now"],
                ["reviewers: alice"],
                ["reviewers: []"],
            ]
        )
    )
    extra = [f"tags: [vpn, {quote}錯誤{quote}]", "kind: troubleshooting", "# 註解行"]
    entries = [[line] for line in lines + extra] + ([reviewers] if reviewers else [])
    order = draw(st.permutations(entries))
    blank = draw(st.sampled_from(["", "\n"]))
    front = blank.join("\n".join(entry) + "\n" for entry in order)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    body = draw(st.sampled_from(["", "# 標題\n\n## 症狀\nx\n## 原因\ny\n## 解決方法\nz\n"]))
    return ("---\n" + front + "---\n" + body).replace("\n", newline), newline


def _unrelated_lines(text: str) -> list[str]:
    """The lines outside the last_reviewed and reviewers entries."""
    keep, skipping = [], False
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.startswith("---"):
            skipping = False
        elif line and line[0] not in " -#":
            skipping = line.startswith(("last_reviewed:", "reviewers:"))
            if skipping:
                continue
        elif skipping and line[:1] in (" ", "-"):
            continue
        keep.append(line)
    return keep


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(front_matters())
def test_review_keeps_every_other_line(kb: KnowledgeBaseFactory, case: tuple[str, str]) -> None:
    text, newline = case
    path = kb.write("kb/vpn/error-809.md", text.encode("utf-8"))
    record_review(kb.root, "KB-0001", "bob", date(2026, 11, 24))
    after = path.read_bytes().decode("utf-8")
    assert _unrelated_lines(after) == _unrelated_lines(text)
    assert after.count("\r\n") == (after.count("\n") if newline == "\r\n" else 0)
    front = yaml.safe_load(after.replace("\r\n", "\n").split("---\n")[1])
    assert str(front["last_reviewed"]) == "2026-11-24"
    reviewers = front["reviewers"] if isinstance(front["reviewers"], list) else [front["reviewers"]]
    assert "bob" in reviewers and reviewers.count("bob") == 1


def test_note_needs_bump(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    code, output = review(kb, "KB-0001", "--by", "bob", "--note", "x")
    assert code == 2 and "--bump" in output


@pytest.mark.parametrize(
    "before, after",
    [
        ("last_reviewed:\nreviewers:\n", "last_reviewed: 2026-11-24\nreviewers: [bob]\n"),
        ("last_reviewed: ~\nreviewers: ~\n", "last_reviewed: 2026-11-24\nreviewers: [bob]\n"),
        ("reviewers: ''\n", "reviewers: [bob]\nlast_reviewed: 2026-11-24\n"),
    ],
)
def test_empty_values_are_filled_in(kb: KnowledgeBaseFactory, before: str, after: str) -> None:
    path = kb.write(
        "kb/vpn/a.md",
        "---\nid: KB-0001\ntitle: t\nstatus: draft\nowner: network\n" + before + "---\n",
    )
    record_review(kb.root, "KB-0001", "bob", date(2026, 11, 24))
    text = path.read_text(encoding="utf-8")
    assert all(line in text for line in after.splitlines()), text


def test_flow_mapping_front_matter_is_refused_cleanly(kb: KnowledgeBaseFactory) -> None:
    path = kb.write(
        "kb/vpn/a.md", "---\n{id: KB-0001, title: t, status: draft, owner: network}\n---\n"
    )
    with pytest.raises(FatalError, match=r"one \{\.\.\.\} mapping"):
        record_review(kb.root, "KB-0001", "bob", date(2026, 11, 24))
    assert path.read_text(encoding="utf-8").startswith("---\n{id")


def test_a_review_in_the_future_is_refused(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    code, output = review(kb, "KB-0001", "--by", "bob", "--date", "2999-01-01")
    assert code == 2 and "in the future" in output


def test_note_with_a_pipe_keeps_the_table(kb: KnowledgeBaseFactory) -> None:
    path = kb.write("sops/network.md", SOP_TEXT)
    record_review(kb.root, "SOP-0001", "bob", date(2026, 11, 24), bump="minor", note="a | b")
    assert "| 1.3 | 2026-11-24 | a \\| b | 待核准 pending |" in path.read_text(encoding="utf-8")


# --- a new version is not approved: --bump clears the previous version's approval --------


def test_bump_leaves_the_new_version_in_review_without_the_old_approval(
    kb: KnowledgeBaseFactory,
) -> None:
    """The issue's case: after --bump, 1.3 must not look validated, effective and approved
    by 1.2's approver; it is in-review until kb approve, and the command says so."""
    text = SOP_TEXT.replace(
        "approved_by: bob\n", "approved_by: bob   # 處長\napproved_on: 2026-05-01\n"
    ).replace('version: "1.2"\n', 'version: "1.2"\neffective: 2026-05-02\n')
    path = kb.write("sops/network.md", text)
    code, output = review(
        kb, "SOP-0001", "--by", "alice", "--date", "2026-11-24", "--bump", "minor", "--note", "改"
    )
    assert code == 0
    assert output == (
        "sops/network.md: reviewed by alice on 2026-11-24, version 1.3, now in-review (removed "
        "approved_by, approved_on, effective: they were the previous version's)\n"
        "next: once version 1.3 is approved, record it: kb approve SOP-0001 --by PERSON "
        "[--effective YYYY-MM-DD]\n"
    )
    expected = (
        text.replace("status: published\n", "status: in-review\n")
        .replace("approved_by: bob   # 處長\napproved_on: 2026-05-01\n", "")
        .replace('last_reviewed: "2026-05-01"', 'last_reviewed: "2026-11-24"')
        .replace('version: "1.2"\neffective: 2026-05-02\n', 'version: "1.3"\n')
        .replace(
            "| 1.2 | 2026-05-01 | 調整 | bob |\n",
            "| 1.2 | 2026-05-01 | 調整 | bob |\n| 1.3 | 2026-11-24 | 改 | 待核准 pending |\n",
        )
    )
    assert path.read_text(encoding="utf-8") == expected
    assert check(kb.root, AS_OF).findings == ()
    document = load_knowledge_base(kb.root, use_cache=False).documents[0]
    assert (document.status, document.approved_by, document.approved_on) == (
        Status.IN_REVIEW,
        None,
        None,
    )


def test_bump_of_a_draft_leaves_it_a_draft(kb: KnowledgeBaseFactory) -> None:
    path = kb.write("sops/network.md", SOP_TEXT.replace("status: published", "status: draft"))
    record = record_review(kb.root, "SOP-0001", "bob", date(2026, 11, 24), bump="minor")
    assert record.status is None and record.cleared == ("approved_by",)
    text = path.read_text(encoding="utf-8")
    assert "status: draft\n" in text and "approved_by" not in text
