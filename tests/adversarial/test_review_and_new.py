"""The tools that write documents, `kb review` and `kb new`, attacked with every layout and text
`kb check` accepts, and run many at once.

Each test starts from a reproduction: the review written into a bare `-` item or after a folded
`- >-` item, the traceback on a tab after a title, reviews lost when seven ran at once, a note
that added a heading to the revision table, titles that ended the front-matter early, and ids
handed out twice when `.git` is a file (a worktree) or absent.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from supportkb.authoring.new import MAX_SLUG
from supportkb.authoring.review import _Intended, _refuse_unintended
from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.documents.findings import Severity
from supportkb.documents.source import read_source
from supportkb.errors import FatalError
from supportkb.system.checkout_lock import lock_path

from conftest import AS_OF, TROUBLESHOOTING_BODY, KnowledgeBaseFactory

ON = "2026-11-24"
SOP = """\
---
id: SOP-0001
title: 網路設定變更
status: published
owner: network
approved_by: bob
last_reviewed: 2026-05-01
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
"""


def run(root: Path, *args: str) -> tuple[int, str]:
    """`kb ARGS -C root` in this process; a traceback is a failure of its own."""
    result = CliRunner().invoke(cli, [*args, "-C", str(root)])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kb {' '.join(args)} crashed: {result.exception!r}")
    return result.exit_code, result.output


def errors(root: Path) -> list[str]:
    findings = check(root, AS_OF, use_cache=False).findings
    return [
        f"{f.path}:{f.line} {f.code} {f.message}" for f in findings if f.severity is Severity.ERROR
    ]


def front_matter(path: Path) -> dict[str, object]:
    source, findings = read_source(path.name, path.read_bytes())
    assert source is not None, findings
    return source.front_matter


def reviewers(path: Path) -> list[str]:
    value = front_matter(path).get("reviewers")
    items = [value] if isinstance(value, str) else value
    assert isinstance(items, list)
    return [str(item).strip() for item in items]


def article(kb: KnowledgeBaseFactory, front_tail: str, title: str = "title: VPN 錯誤 809") -> Path:
    head = f"---\nid: KB-0001\n{title}\nstatus: published\nowner: network\n"
    return kb.write(
        "kb/vpn/error-809.md",
        head
        + f"last_reviewed: 2026-10-01\nkind: troubleshooting\n{front_tail}---\n\n"
        + TROUBLESHOOTING_BODY,
    )


# --- kb review: layouts kb check accepts -----------------------------------------------------


@pytest.mark.parametrize(
    "reviewers_block",
    [
        "reviewers:\n  -\n    alice\n",  # a bare dash, the value on the next line
        "reviewers:\n  - >-\n    alice\n",  # a folded item
        "reviewers:\n  - |-\n    alice\n\n",  # a literal item, a blank line after it
        "reviewers:\n- alice # first\n# a comment line\n",
        "reviewers: [\n  alice,\n]\n",  # a flow list with a trailing comma
        "reviewers: [alice # first\n  ]\n",
        "reviewers: >-\n  alice\n",  # one folded value, not a list
    ],
)
def test_review_records_the_reviewer_in_every_list_layout(
    kb: KnowledgeBaseFactory, reviewers_block: str
) -> None:
    path = article(kb, reviewers_block)
    assert errors(kb.root) == []
    code, output = run(kb.root, "review", "KB-0001", "--by", "bob", "--date", ON)
    assert code == 0, output
    assert reviewers(path) == ["alice", "bob"]
    assert front_matter(path)["last_reviewed"] in (date(2026, 11, 24), ON)
    assert errors(kb.root) == []


@pytest.mark.parametrize(
    "title",
    [
        "title: VPN 錯誤 809\t",
        "title: 'VPN 錯誤 809'\t# quoted, a tab",
        "title: >-\n  VPN 錯誤 809",
    ],
)
def test_review_after_a_tab_or_a_block_title(kb: KnowledgeBaseFactory, title: str) -> None:
    path = article(kb, "", title=title)
    assert errors(kb.root) == []
    code, output = run(kb.root, "review", "KB-0001", "--by", "bob", "--date", ON)
    assert code == 0, output
    assert reviewers(path) == ["bob"] and front_matter(path)["title"] == "VPN 錯誤 809"
    assert errors(kb.root) == []


def test_a_layout_the_editor_cannot_edit_is_refused_and_left_alone(
    kb: KnowledgeBaseFactory,
) -> None:
    """Old Mac line ends (a bare CR): `kb check` reads them, the editor does not edit them."""
    text = (
        f"---\nid: KB-0001\ntitle: t\nstatus: draft\nowner: network\n---\n\n{TROUBLESHOOTING_BODY}"
    )
    path = kb.write("kb/vpn/a.md", text.replace("\n", "\r").encode("utf-8"))
    assert errors(kb.root) == []
    code, output = run(kb.root, "review", "KB-0001", "--by", "bob", "--date", ON)
    assert code == 1 and "carriage returns" in output
    assert path.read_bytes() == text.replace("\n", "\r").encode("utf-8")


def test_review_writes_through_a_link_inside_the_checkout(kb: KnowledgeBaseFactory) -> None:
    target = article(kb, "")
    kept = kb.root / "shared" / "error-809.txt"
    kept.parent.mkdir()
    target.rename(kept)
    target.symlink_to(Path("../../shared/error-809.txt"))
    code, output = run(kb.root, "review", "KB-0001", "--by", "bob", "--date", ON)
    assert code == 0, output
    assert target.is_symlink() and reviewers(kept) == ["bob"]


def test_review_refuses_a_link_out_of_the_checkout(
    kb: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    target = article(kb, "")
    outside = tmp_path_factory.mktemp("elsewhere") / "error-809.md"
    outside.write_bytes(target.read_bytes())
    target.unlink()
    target.symlink_to(outside)
    before = outside.read_bytes()
    code, output = run(kb.root, "review", "KB-0001", "--by", "bob", "--date", ON)
    assert code == 1, output
    assert outside.read_bytes() == before and target.is_symlink()


_TABLE = (
    "| 版本 | 日期 | 說明 | 核准人 |\n| --- | --- | --- | --- |\n| 1.2 | 2026-05-01 | 調整 | bob |"
)


@pytest.mark.parametrize(
    "history",
    [
        "",  # no revision history yet
        "## 修訂紀錄\n",  # a heading, no table
        "## 修訂紀錄\n\n" + _TABLE,  # the table ends the file, no line end
        "## 修訂紀錄\n\n" + _TABLE + "\n\n附錄：後面的內容不動。\n",
        "## Revision history\n\n| Version | Date | Change | Approved by |\n|---|---|---|---|\n",
        "## 修訂紀錄\n\n" + _TABLE + "\n## 附錄\nx\n",
    ],
)
def test_bump_adds_one_row_whatever_the_history_looks_like(
    kb: KnowledgeBaseFactory, history: str
) -> None:
    text = SOP.split("## 修訂紀錄")[0] + history
    path = kb.write("sops/network.md", text.replace("\n", "\r\n").encode("utf-8-sig"))
    code, output = run(
        kb.root,
        "review",
        "SOP-0001",
        "--by",
        "alice",
        "--date",
        ON,
        "--bump",
        "minor",
        "--note",
        "a | b \\ c",
    )
    assert code == 0, output
    after = path.read_bytes().decode("utf-8-sig")
    assert "\r\n" in after and "\n" not in after.replace("\r\n", "")
    rows = [line for line in after.split("\r\n") if line.startswith("| 1.3 ")]
    assert len(rows) == 1 and "a | b \\ c" in _cells(rows[0]), rows
    assert front_matter(path)["version"] == "1.3"
    assert errors(kb.root) == []


_BEFORE = (
    "---\nid: KB-0001\ntitle: t\nstatus: draft\nowner: network\nreviewers:\n  -\n    alice\n"
    "---\n\n## 修訂紀錄\n\n| 版本 | 日期 |\n| --- | --- |\n"
)


@pytest.mark.parametrize(
    "after, version, reason",
    [  # what the editor once wrote, or could: the read-back refuses each
        (
            _BEFORE.replace("    alice\n", "    alice\n    bob\nlast_reviewed: 2026-11-24\n"),
            None,
            "reviewers list",
        ),
        (
            _BEFORE.replace("---\n\n", "last_reviewed: 2026-11-24\n---\n  - bob\n"),
            None,
            "reviewers",
        ),
        (
            _BEFORE.replace("title: t", "title: t\nlast_reviewed: 2026-11-24\nreviewers: [bob]"),
            None,
            "written twice",
        ),
        (
            _BEFORE.replace(
                "status: draft",
                "last_reviewed: 2026-11-24\nstatus: draft\nreviewers: [alice, bob]\nx: 1",
            ).replace("reviewers:\n  -\n    alice\n", ""),
            None,
            "fields",
        ),
        (
            _BEFORE.replace("title: t", "title: u\nlast_reviewed: 2026-11-24").replace(
                "    alice", "    alice\n  - bob"
            ),
            None,
            "'title'",
        ),
        (
            _BEFORE.replace("title: t", "title: t\nlast_reviewed: 2026-11-24").replace(
                "    alice", "    alice\n  - bob"
            )
            + "x\n",
            None,
            "body",
        ),
        (
            _BEFORE.replace(
                "title: t", "title: t\nlast_reviewed: 2026-11-24\nversion: '1.3'"
            ).replace("    alice", "    alice\n  - bob")
            + "| 1.3 | x\n## Injected |\n",
            "1.3",
            "revision row",
        ),
    ],
)
def test_the_read_back_refuses_what_was_not_intended(
    after: str, version: str | None, reason: str
) -> None:
    """The safety net under the editor: whatever it writes is read back as `kb check` reads
    it, and anything but the intended change is refused."""
    before = read_source("a.md", _BEFORE.encode())[0]
    assert before is not None
    intended = _Intended(date(2026, 11, 24), "bob", version, "| 1.3 | x |" if version else None)
    with pytest.raises(FatalError, match=reason):
        _refuse_unintended("a.md", before, after.encode(), intended)


# --- kb review: notes are one line, table cells are escaped --------------------------------


def review_with_note(root: Path, note: str) -> tuple[int, str]:
    """`kb review SOP-0001 --bump minor --note NOTE` by bob: a revision row with that note."""
    return run(
        root, "review", "SOP-0001", "--by", "bob", "--date", ON, "--bump", "minor", "--note", note
    )


@pytest.mark.parametrize(
    "note",
    [
        "fix\n## Injected",
        "fix\r## Injected",
        "fix\x85x",
        "fix\u2028x",
        "fix\u2029x",
        "fix\x00",
        "tab\there",
        "\u202eevil",  # right-to-left override
        "\ufeffbom",
        "bad \udc85 bytes",  # what Python makes of argv bytes that are not UTF-8
    ],
)
def test_a_note_with_a_line_break_or_control_character_is_refused(
    kb: KnowledgeBaseFactory, note: str
) -> None:
    path = kb.write("sops/network.md", SOP)
    code, output = review_with_note(kb.root, note)
    assert code == 2 and "--note must be one line of text" in output
    assert path.read_text(encoding="utf-8") == SOP


def test_other_free_text_is_one_line_too(kb: KnowledgeBaseFactory) -> None:
    """Names are looked up in owners.yml, but echoed in messages first: a terminal escape in
    them would be played on the user's terminal."""
    kb.article()
    code, output = run(kb.root, "review", "KB-0001", "--by", "bob\x1b[2J", "--date", ON)
    assert code == 2 and "--by must be one line of text" in output
    code, output = run(kb.root, "new", "sop", "--title", "t", "--owner", "alice\x1b[2J")
    assert code == 2 and "--owner must be one line of text" in output


def _cells(row: str) -> list[str]:
    """A Markdown table row's cells, with `\\|` and `\\\\` read back."""
    cells, cell, escaped = [], "", False
    for char in row.strip().removeprefix("|").removesuffix("|"):
        if escaped:
            cell, escaped = cell + char, False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append(cell.strip())
            cell = ""
        else:
            cell += char
    return [*cells, cell.strip()]


_NOTES = st.text(
    st.characters(blacklist_categories=("Cs",)) | st.sampled_from("|\\#*`<>-\u200d\u3000"),
    min_size=1,
    max_size=30,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(note=_NOTES)
def test_any_note_is_refused_or_lands_in_one_cell(kb: KnowledgeBaseFactory, note: str) -> None:
    path = kb.write("sops/network.md", SOP)
    code, output = review_with_note(kb.root, note)
    if code != 0:
        assert code == 2 and "--note must be one line of text" in output, output
        assert path.read_text(encoding="utf-8") == SOP
        return
    lines = path.read_text(encoding="utf-8").split("\n")
    rows = [line for line in lines if line.startswith("| 1.3 ")]
    assert len(rows) == 1 and _cells(rows[0]) == ["1.3", ON, note.strip(), "待核准 pending"]
    assert [line for line in lines if line.startswith("#")] == [
        line for line in SOP.split("\n") if line.startswith("#")
    ]


# --- kb review: any front-matter layout kb check accepts ------------------------------------


def _value(draw: st.DrawFn, value: str) -> str:
    """`value` written in one of the scalar styles YAML offers, maybe with a tab or comment."""
    style = draw(st.sampled_from(["plain", "single", "double", "folded", "literal"]))
    after = draw(st.sampled_from(["", "\t", "  # note", "\t# tab", " "]))
    if style == "single":
        return f"'{value}'{after}"
    if style == "double":
        return f'"{value}"{after}'
    if style in ("folded", "literal"):
        indicator = ">-" if style == "folded" else "|-"
        return f"{indicator}{after.rstrip()}\n  {value}"
    return value + after


@st.composite
def layouts(draw: st.DrawFn) -> tuple[str, str]:
    """An article that `kb check` accepts, in one of the many ways YAML lets one write it;
    returns the file's text and its line end."""
    status = draw(st.sampled_from(["published", "draft"]))
    entries = [
        [f"id: {_value(draw, 'KB-0001')}"],
        [f"title: {_value(draw, 'VPN 錯誤 809')}"],
        [f"status: {_value(draw, status)}"],
        [f"owner: {_value(draw, 'network')}"],
        [f"kind: {_value(draw, 'troubleshooting')}"],
        ["tags: " + draw(st.sampled_from(["[vpn, 錯誤]", "\n  - vpn", "[]", "\n- vpn  # x"]))],
    ]
    if status == "published" or draw(st.booleans()):
        date_value = draw(
            st.sampled_from(
                ["2026-10-01", "'2026-10-01'", '"2026-10-01"', "!!str 2026-10-01", "&d 2026-10-01"]
            )
        )
        after = draw(st.sampled_from(["", "\t", " # x"]))
        key = draw(st.sampled_from(["last_reviewed", '"last_reviewed"', "? last_reviewed\n"]))
        entries.append([f"{key}: {date_value}{after}"])
    item = st.sampled_from(
        ["alice", "'alice'", '"alice"', ">-\n      alice", "|-\n      alice", "bob", "!!str alice"]
    )
    reviewers = draw(
        st.sampled_from(
            [
                None,
                "reviewers: []",
                "reviewers: alice",
                "reviewers: 'alice'\t",
                "reviewers: |-\n  alice\n",
                "reviewers: [alice, ]",
                "reviewers: [\n    alice\n  ]",
                "reviewers: [alice] # one",
                "reviewers: !!seq [alice]",
                "reviewers: &r [alice]",
                '"reviewers": [alice]',
                "reviewers:\n  -\n    alice",
                "reviewers:\n  - ITEM",
                "reviewers:\n- ITEM",
                "reviewers:\n  - ITEM\n  - ITEM2\n  # two",
                "reviewers:\n    -   ITEM\n\n    # between\n    - ITEM2",
                "reviewers: !!seq\n- ITEM",
            ]
        )
    )
    if reviewers is not None:
        first, second = draw(item), draw(item)
        if "ITEM2" in reviewers and first.split()[-1].strip("'\"") == second.split()[-1].strip(
            "'\""
        ):
            second = "bob" if "alice" in first else "alice"
        entries.append([reviewers.replace("ITEM2", second).replace("ITEM", first)])
    if draw(st.booleans()):
        entries.append(["# 註解行"])
    order = draw(st.permutations(entries))
    blank = draw(st.sampled_from(["", "\n"]))
    front = blank.join("\n".join(entry) + "\n" for entry in order)
    closing = draw(st.sampled_from(["---", "---", "---  ", "----"]))
    newline = draw(st.sampled_from(["\n", "\n", "\r\n", "\r"]))
    body = draw(st.sampled_from(["\n" + TROUBLESHOOTING_BODY, TROUBLESHOOTING_BODY]))
    bom = draw(st.sampled_from(["", "\ufeff"]))
    return bom + ("---\n" + front + closing + "\n" + body).replace("\n", newline), newline


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much],
)
@given(layouts())
def test_review_on_any_accepted_layout_is_recorded_or_refused(
    kb: KnowledgeBaseFactory, case: tuple[str, str]
) -> None:
    text, newline = case
    data = text.encode("utf-8")
    path = kb.write("kb/vpn/error-809.md", data)
    # the generator writes layouts `kb check` accepts today; should the checker come to refuse
    # some (a tab after a value, a `----` line), those are simply not a review's concern
    assume(errors(kb.root) == [])
    code, output = run(kb.root, "review", "KB-0001", "--by", "bob", "--date", ON)
    if code != 0:  # a refusal: a clear message, the file as it was
        assert code == 1 and output.startswith("Error: "), output
        assert path.read_bytes() == data
        assert newline == "\r", (text, output)  # the one layout the editor leaves alone
        return
    assert errors(kb.root) == [], (text, path.read_text(encoding="utf-8"))
    assert front_matter(path)["last_reviewed"] in (date(2026, 11, 24), ON)
    assert "bob" in reviewers(path)
    assert reviewers(path).count("bob") == 1


# --- concurrent runs -----------------------------------------------------------------------

PEOPLE = [f"p{n}" for n in range(1, 8)]


def _kb_process(root: Path, *args: str, cache: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "SUPPORTKB_CACHE_DIR": str(cache)}  # each one another user
    return subprocess.Popen(
        [sys.executable, "-m", "supportkb", "-C", str(root), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )


def _run_all(processes: list[subprocess.Popen[bytes]]) -> list[str]:
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err.decode()
        outputs.append(out.decode().splitlines()[0])  # the path, then the next steps
    return outputs


def _owners_with_seven_people(root: Path) -> None:
    people = "".join(f"  - id: {p}\n    name: {p}\n    email: {p}@example.com\n" for p in PEOPLE)
    teams = "teams:\n  - id: network\n    name: Network\n    members: [p1]\n"
    (root / "owners.yml").write_text("people:\n" + people + teams, encoding="utf-8")


def test_seven_reviews_at_once_are_all_recorded(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    _owners_with_seven_people(kb.root)
    path = article(kb, "")
    processes = [
        _kb_process(kb.root, "review", "KB-0001", "--by", p, "--date", ON, cache=tmp_path / p)
        for p in PEOPLE
    ]
    _run_all(processes)
    assert sorted(reviewers(path)) == PEOPLE
    assert errors(kb.root) == []


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def _new_ids(root: Path, caches: Path, count: int = 8) -> list[str]:
    processes = [
        _kb_process(
            root,
            "new",
            "sop",
            "--title",
            f"Procedure {n}",
            "--owner",
            "alice",
            "--date",
            ON,
            cache=caches / str(n),
        )
        for n in range(count)
    ]
    paths = _run_all(processes)
    return [str(front_matter(root / path)["id"]) for path in paths]


@pytest.fixture
def git_worktree(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    main = tmp_path / "main"
    main.mkdir()
    KnowledgeBaseFactory(main)
    _git(main, "init", "-q")
    _git(main, "add", "-A")
    _git(main, "commit", "-q", "-m", "start")
    worktree = tmp_path / "worktree"
    _git(main, "worktree", "add", "-q", str(worktree))
    assert (worktree / ".git").is_file()
    return worktree


def test_eight_new_documents_at_once_in_a_worktree_get_eight_ids(
    git_worktree: Path, tmp_path: Path
) -> None:
    ids = _new_ids(git_worktree, tmp_path / "caches")
    assert sorted(ids) == [f"SOP-000{n}" for n in range(1, 9)]
    assert lock_path(git_worktree).parent.parent.name == "worktrees"  # in git's own folder
    assert "lock" not in _git(git_worktree, "status", "--porcelain", "--ignored")


def test_eight_new_documents_at_once_without_git_get_eight_ids(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    ids = _new_ids(kb.root, tmp_path / "caches")
    assert sorted(ids) == [f"SOP-000{n}" for n in range(1, 9)]
    assert lock_path(kb.root) == kb.root / ".kb.lock"


def test_the_lock_file_is_ignored_by_git() -> None:
    ignored = (Path(__file__).parents[2] / ".gitignore").read_text(encoding="utf-8")
    assert "/.kb.lock" in ignored.split("\n")


def test_a_killed_holder_does_not_block_the_next_run(kb: KnowledgeBaseFactory) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from supportkb.system.checkout_lock import checkout_lock\n"
            "with checkout_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True); time.sleep(600)",
            str(kb.root),
        ],
        stdout=subprocess.PIPE,
    )
    assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
    holder.kill()
    holder.wait()
    code, output = run(kb.root, "new", "sop", "--title", "x", "--owner", "alice", "--date", ON)
    assert code == 0, output


# --- kb new: titles and categories ---------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "a\x01b",
        "a\r---",
        "a\r---\nx: 1",
        "a\u2028b",
        "a\u2029---",
        "a\x85---",
        "a\tb",
        "\u202egnp.exe",
        "bad \udc85 bytes",
    ],
)
def test_new_refuses_a_title_that_is_not_one_line(kb: KnowledgeBaseFactory, title: str) -> None:
    before = sorted(p for p in kb.root.rglob("*") if p.name != ".kb.lock")
    code, output = run(kb.root, "new", "sop", "--title", title, "--owner", "alice", "--date", ON)
    assert code == 2 and "--title must be one line of text" in output
    assert sorted(p for p in kb.root.rglob("*") if p.name != ".kb.lock") == before


@pytest.mark.parametrize(
    "doc_type, category",
    [("sop", "網路\u2028---"), ("policy", "x\x00y"), ("sop", "a\r---"), ("article", "vpn\n")],
)
def test_new_refuses_a_category_that_is_not_one_line(
    kb: KnowledgeBaseFactory, doc_type: str, category: str
) -> None:
    kind = ["--kind", "faq"] if doc_type == "article" else []
    before = sorted(p for p in kb.root.rglob("*") if p.name != ".kb.lock")
    code, output = run(
        kb.root, "new", doc_type, "--title", "t", "--owner", "alice", "--category", category, *kind
    )
    assert code == 2 and "--category" in output
    assert sorted(p for p in kb.root.rglob("*") if p.name != ".kb.lock") == before


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40))
def test_any_title_is_refused_or_reads_back_exactly(kb: KnowledgeBaseFactory, title: str) -> None:
    for old in kb.root.rglob("*.md"):
        old.unlink()
    code, output = run(kb.root, "new", "sop", "--title", title, "--owner", "alice", "--date", ON)
    if code != 0:
        assert code == 2 and "--title" in output, output
        assert not list(kb.root.rglob("*.md"))
        return
    path = kb.root / output.splitlines()[0]
    assert front_matter(path)["title"] == title
    assert re.fullmatch(r"sop-0001(-[a-z0-9]+)*\.md", path.name), path.name  # ASCII, no space
    assert len(path.name) <= len("sop-0001-.md") + MAX_SLUG
    assert [e for e in errors(kb.root) if "title" in e or "yaml" in e] == []


# --- kb new: the team's own templates are read as documents are --------------------------


def test_a_template_that_links_out_of_the_checkout_is_refused(
    kb: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "secret.txt"
    outside.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    templates = kb.root / "templates"
    templates.mkdir()
    (templates / "sop.zh-TW.md").symlink_to(outside)
    code, output = run(kb.root, "new", "sop", "--title", "x", "--owner", "alice", "--date", ON)
    assert code == 1, output
    assert "template" in output and "outside the checkout" in output
    assert not any("root:x:0:0" in p.read_text("utf-8") for p in (kb.root / "sops").glob("*.md"))


def test_new_refuses_a_category_folder_that_leads_out_of_the_checkout(
    kb: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Red-team reproduction: with kb/ext a link to a folder elsewhere, `kb new article
    --category ext` wrote the document there and exited 0; a 300-character category was a
    traceback (file name too long)."""
    outside = tmp_path_factory.mktemp("outdir")
    (kb.root / "kb").mkdir(exist_ok=True)
    (kb.root / "kb/ext").symlink_to(outside, target_is_directory=True)
    args = ("--title", "Outside", "--owner", "alice", "--date", ON, "--kind", "faq")
    code, output = run(kb.root, "new", "article", "--new-category", "ext", *args)
    assert code == 1 and "out of the checkout" in output
    assert list(outside.iterdir()) == []
    code, output = run(kb.root, "new", "article", "--new-category", "a" * 300, *args)
    assert code in (1, 2), output


# --- git's e-mail is anyone's text ---------------------------------------------------------


@pytest.mark.parametrize("command", [["new", "sop", "--title", "x"], ["review", "KB-0001"]])
def test_an_email_with_terminal_escapes_is_shown_escaped(
    kb: KnowledgeBaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    """git's user.email is printed in the message that says it is nobody's: an escape
    sequence in it (clear the screen) must reach the terminal as text, not run."""
    article(kb, "")
    config = tmp_path_factory.mktemp("git") / "config"
    config.write_text("[user]\n\temail = evil\x1b[2Jx@example.com\n", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    code, output = run(kb.root, *command, "--date", ON)
    assert code == 2 and "\x1b" not in output
    assert "evil\\x1b[2Jx@example.com" in output
