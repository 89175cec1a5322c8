"""`kb codeowners` and the drift check."""

from __future__ import annotations

from click.testing import CliRunner

from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.workspace.codeowners import BEGIN, END

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
    kb.write(".github/CODEOWNERS", "# our own rules\n* @org/leads\n")
    assert "updated" in run(kb)
    text = (kb.root / ".github/CODEOWNERS").read_text(encoding="utf-8")
    assert text == (
        "# our own rules\n* @org/leads\n\n" + BEGIN + "\n"
        "/kb/vpn/a\\ b.md @alice bob@example.com\n"
        "/kb/vpn/c.md @alice\n" + END + "\n"
    )
    assert "already up to date" in run(kb)


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


def test_shipped_codeowners_matches_the_starter_content() -> None:
    text = (ROOT / ".github/CODEOWNERS").read_text(encoding="utf-8")
    assert "/sops/escalation-sla.md @example-support/management" in text
    assert "/kb/vpn/vpn-error-809.md @example-support/network" in text
    assert "chang.wenhsiung" not in text and "wenhsiung" not in text


def test_no_drift_advice_while_an_owner_is_unknown(kb: KnowledgeBaseFactory) -> None:
    kb.article(owner="network")
    run(kb)
    kb.article(owner="netwrok")
    assert codes(check(kb.root, AS_OF)) == ["owner-unknown"]
