"""`kb codeowners` and the drift check."""

from __future__ import annotations

import random

import pytest
from click.testing import CliRunner

from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.documents.model import DocType, Document
from supportkb.workspace.codeowners import BEGIN, END, generated_block, owner_handles, resolve
from supportkb.workspace.knowledge_base import load_knowledge_base
from supportkb.workspace.owners import OwnerRegistry, Person, Team

from conftest import AS_OF, REPO_ROOT, KnowledgeBaseFactory, codes

ROOT = REPO_ROOT


def run(kb: KnowledgeBaseFactory) -> str:
    result = CliRunner().invoke(cli, ["codeowners", "-C", str(kb.root)])
    assert result.exit_code == 0, result.output
    return result.output


def with_handles(kb: KnowledgeBaseFactory) -> None:
    registry = kb.root / "owners.yml"
    text = registry.read_text(encoding="utf-8")
    text = text.replace(
        "    email: alice@example.com\n", "    email: alice@example.com\n    github: '@alice'\n"
    )
    registry.write_text(text, encoding="utf-8")


def test_generated_from_owners_keeping_the_rest(kb: KnowledgeBaseFactory) -> None:
    with_handles(kb)
    kb.article("kb/vpn/a b.md", id="KB-0001", owner="network")
    kb.article("kb/vpn/c.md", id="KB-0002", owner="alice")
    kb.article("kb/vpn/d.md", id="KB-0003", owner="network")
    kb.write(".github/CODEOWNERS", "# our own rules\n* @org/leads\n")
    assert "updated" in run(kb)
    text = (kb.root / ".github/CODEOWNERS").read_text(encoding="utf-8")
    assert text == (
        "# our own rules\n* @org/leads\n\n" + BEGIN + "\n"
        "/kb/vpn/ @alice bob@example.com\n"
        "/kb/vpn/c.md @alice\n" + END + "\n"
    )
    assert "already up to date" in run(kb)


def test_a_new_document_of_the_folders_owner_leaves_check_clean(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md", id="KB-0001", owner="network")
    kb.article("kb/vpn/b.md", id="KB-0002", owner="alice")
    kb.article("kb/vpn/c.md", id="KB-0003", owner="network")
    kb.article("kb/wifi/a.md", id="KB-0010", owner="alice")
    run(kb)
    assert check(kb.root, AS_OF).findings == ()
    kb.article("kb/vpn/new.md", id="KB-0004", owner="network")  # what `kb new` writes
    assert check(kb.root, AS_OF).findings == ()
    kb.article("kb/vpn/other.md", id="KB-0005", owner="bob")  # someone else: a line of its own
    assert codes(check(kb.root, AS_OF)) == ["codeowners-drift"]


def test_a_document_of_an_inactive_owner_names_nobody_rather_than_the_folders_owner() -> None:
    registry = OwnerRegistry(
        {
            "alice": Person("alice", "Alice", "alice@example.com", github="@alice"),
            "carol": Person("carol", "Carol", "carol@example.com", active=False),
        },
        {},
    )
    documents = (
        _document("kb/vpn/a.md", "alice"),
        _document("kb/vpn/b.md", "alice"),
        _document("kb/vpn/old.md", "carol"),
    )
    block = generated_block(documents, registry)
    assert "/kb/vpn/ @alice\n/kb/vpn/old.md\n" in block
    assert resolve(block, "kb/vpn/old.md") == ()
    assert resolve(block, "kb/vpn/a.md") == ("@alice",)


def test_every_document_resolves_to_exactly_its_owners_handles() -> None:
    """Varied knowledge bases: nested folders, mixed owners, ties, owners without a handle,
    names to escape; each document's last matching line names its owner's handles, no more."""
    people = {
        name: Person(name, name, f"{name}@example.com", active=name != "dora", github=f"@{name}")
        for name in ("alice", "bob", "carol", "dora")
    }
    teams = {
        "net": Team("net", "Net", members=("alice", "bob"), github="@org/net"),
        "ops": Team("ops", "Ops", members=("carol",)),  # no handle: its members
        "gone": Team("gone", "Gone", members=("dora",)),  # no active member: nobody
    }
    registry = OwnerRegistry(people, teams)
    owners = [*people, *teams]
    folders = ["kb", "kb/vpn", "kb/vpn/mac", "kb/a b", "kb/[x]", "sops", "sops/emergency",
               "docs/policies"]  # fmt: skip
    expected = {
        "alice": ("@alice",), "bob": ("@bob",), "carol": ("@carol",), "dora": (),
        "net": ("@org/net",), "ops": ("@carol",), "gone": (),
    }  # fmt: skip
    generator = random.Random(17)
    for _ in range(300):
        documents = tuple(
            _document(f"{generator.choice(folders)}/d{n} #{n}.md", generator.choice(owners))
            for n in range(generator.randint(1, 12))
        )
        block = generated_block(documents, registry)
        for document in documents:
            assert resolve(block, document.path) == expected[document.owner], block


def _document(path: str, owner: str) -> Document:
    return Document(path, DocType.ARTICLE, "KB-0001", "t", owner)


def test_check_reports_drift_until_regenerated(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="network")
    run(kb)
    assert check(kb.root, AS_OF).findings == ()
    kb.article(owner="alice")
    assert codes(check(kb.root, AS_OF)) == ["codeowners-drift"]
    run(kb)
    assert check(kb.root, AS_OF).findings == ()


def test_no_codeowners_file_no_finding(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    assert check(kb.root, AS_OF).findings == ()


def test_shipped_codeowners_gives_every_shipped_document_its_owner() -> None:
    text = (ROOT / ".github/CODEOWNERS").read_text(encoding="utf-8")
    shipped = load_knowledge_base(ROOT)
    assert shipped.documents
    for document in shipped.documents:
        handles = tuple(owner_handles(shipped.registry, document.owner))
        assert resolve(text, document.path) == handles, document.path
    assert "wenhsiung" not in text  # an inactive person is never asked


def test_no_drift_advice_while_an_owner_is_unknown(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="network")
    run(kb)
    kb.article(owner="netwrok")
    assert codes(check(kb.root, AS_OF)) == ["owner-unknown"]


def refused(kb: KnowledgeBaseFactory) -> str:
    result = CliRunner().invoke(cli, ["codeowners", "-C", str(kb.root)])
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    return result.output


def test_a_block_missing_its_end_marker_is_refused_not_eaten(kb: KnowledgeBaseFactory) -> None:
    """Without its END line, a first run appended a second block and the next replaced from
    the first BEGIN to that END: the team's lines in between were deleted."""
    kb.article(owner="network")
    run(kb)
    path = kb.root / ".github/CODEOWNERS"
    text = path.read_text(encoding="utf-8").replace(END + "\n", "")
    text += "# hand-written, keep me\n/bench/ @perf-team\n"
    path.write_text(text, encoding="utf-8")
    assert "marker lines are not a pair" in refused(kb)
    assert "marker lines are not a pair" in refused(kb)
    assert path.read_text(encoding="utf-8") == text
    assert codes(check(kb.root, AS_OF)) == ["codeowners-drift"]


def test_a_linked_or_undecodable_codeowners_is_refused_clearly(
    kb: KnowledgeBaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb.article(owner="network")
    run(kb)
    path = kb.root / ".github/CODEOWNERS"
    original = path.read_bytes()
    path.write_bytes(b"\xff\xfe hand line\n" + original)
    assert ".github/CODEOWNERS:1: not UTF-8 text" in refused(kb)
    assert path.read_bytes() == b"\xff\xfe hand line\n" + original
    [finding] = check(kb.root, AS_OF).findings
    assert finding.code == "codeowners-drift" and "not UTF-8" in finding.message
    elsewhere = tmp_path_factory.mktemp("shared") / "CODEOWNERS"
    elsewhere.write_bytes(original)
    path.unlink()
    path.symlink_to(elsewhere)
    kb.article("kb/vpn/other.md", id="KB-0002", owner="alice")  # the block must change
    assert "is a symbolic link" in refused(kb)
    assert path.is_symlink() and elsewhere.read_bytes() == original
