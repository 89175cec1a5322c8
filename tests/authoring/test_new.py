"""`kb new`: next free id, right folder, valid draft, never overwrites."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from click.testing import CliRunner

from supportkb.authoring.new import NewDocument, create_document
from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.documents.model import DocType
from supportkb.errors import FatalError, InvalidUsage

from conftest import AS_OF, KnowledgeBaseFactory


def new(kb: KnowledgeBaseFactory, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["new", *args, "-C", str(kb.root), "--date", "2026-11-24"])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "doc_type, extra, folder",
    [
        ("article", ["--kind", "troubleshooting", "--category", "vpn"], "kb/vpn/"),
        (
            "article",
            ["--kind", "howto", "--category", "applications/erp", "--lang", "en"],
            "kb/applications/erp/",
        ),
        ("article", ["--kind", "faq", "--category", "wifi"], "kb/wifi/"),
        ("sop", [], "sops/"),
        ("sop", ["--lang", "en"], "sops/"),
        ("emergency-plan", [], "sops/emergency/"),
        ("emergency-plan", ["--lang", "en"], "sops/emergency/"),
        ("policy", [], "docs/policies/"),
        ("policy", ["--lang", "en"], "docs/policies/"),
    ],
)
def test_new_document_passes_check_as_a_draft(
    kb: KnowledgeBaseFactory, doc_type: str, extra: list[str], folder: str
) -> None:
    code, output = new(kb, doc_type, "--title", "Printer jam: tray 2", "--owner", "network", *extra)
    assert code == 0, output
    path = output.strip()
    assert path.startswith(folder) and path.endswith(".md")
    text = (kb.root / path).read_text(encoding="utf-8")
    assert 'title: "Printer jam: tray 2"' in text and "status: draft" in text
    assert "last_reviewed: 2026-11-24" in text
    assert ('version: "0.1"' in text) == (doc_type != "article")
    assert check(kb.root, AS_OF).findings == ()


def test_next_id_follows_the_highest_even_with_gaps(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md", id="KB-0001")
    kb.article("kb/vpn/b.md", id="KB-0007")
    kb.write("kb/vpn/broken.md", "---\nid: KB-0009\ntitle: [broken\n---\n")
    request = NewDocument(DocType.ARTICLE, "Wi-Fi 斷線", "network", "wifi", "troubleshooting")
    path = create_document(kb.root, request, date(2026, 11, 24))
    assert path.name == "kb-0010-wi-fi.md"
    assert "id: KB-0010" in path.read_text(encoding="utf-8")


def test_ids_of_other_types_do_not_count(kb: KnowledgeBaseFactory) -> None:
    kb.article(id="KB-0042")
    code, output = new(kb, "sop", "--title", "Call-back", "--owner", "alice")
    assert code == 0 and "SOP-0001" in (kb.root / output.strip()).read_text(encoding="utf-8")


def test_never_overwrites(kb: KnowledgeBaseFactory) -> None:
    kb.write("sops/call-back.md", "my own notes\n")
    code, output = new(kb, "sop", "--title", "Call back", "--owner", "alice")
    assert code == 0 and output.strip() == "sops/call-back-sop-0001.md"
    assert (kb.root / "sops/call-back.md").read_text() == "my own notes\n"


def test_concurrent_new_documents_get_different_ids(kb: KnowledgeBaseFactory) -> None:
    paths: list[str] = []

    def make(number: int) -> None:
        request = NewDocument(DocType.SOP, f"Procedure {number}", "alice")
        paths.append(create_document(kb.root, request, date(2026, 11, 24)).read_text())

    threads = [threading.Thread(target=make, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = {line for text in paths for line in text.splitlines() if line.startswith("id:")}
    assert ids == {f"id: SOP-000{n}" for n in range(1, 7)}


@pytest.mark.parametrize(
    "args, message",
    [
        (["article", "--title", "x", "--owner", "alice", "--category", "vpn"], "--kind"),
        (["article", "--title", "x", "--owner", "alice", "--kind", "faq"], "--category"),
        (
            [
                "article",
                "--title",
                "x",
                "--owner",
                "alice",
                "--kind",
                "faq",
                "--category",
                "../etc",
            ],
            "--category",
        ),
        (["sop", "--title", "x", "--owner", "alice", "--kind", "faq"], "articles only"),
        (["memo", "--title", "x"], "Invalid value"),
    ],
)
def test_bad_usage_exits_2(kb: KnowledgeBaseFactory, args: list[str], message: str) -> None:
    code, output = new(kb, *args)
    assert code == 2 and message in output


def test_unknown_or_inactive_owner_is_refused(kb: KnowledgeBaseFactory) -> None:
    code, output = new(kb, "sop", "--title", "x", "--owner", "carol")
    assert code == 1 and "not an active person or team" in output
    with pytest.raises(FatalError, match="did you mean 'alice'"):
        create_document(kb.root, NewDocument(DocType.SOP, "x", "alcie"), AS_OF)


def test_team_templates_override_the_shipped_ones(kb: KnowledgeBaseFactory) -> None:
    kb.write(
        "templates/sop.zh-TW.md",
        "# $title\n\n## 目的\n## 範圍\n## 角色\n## 程序\n## 紀錄\n本組範本\n",
    )
    code, output = new(kb, "sop", "--title", "自訂", "--owner", "alice")
    assert code == 0 and "本組範本" in (kb.root / output.strip()).read_text(encoding="utf-8")


def test_title_must_be_one_line(kb: KnowledgeBaseFactory) -> None:
    with pytest.raises(InvalidUsage):
        create_document(kb.root, NewDocument(DocType.SOP, "a\nb", "alice"), AS_OF)
