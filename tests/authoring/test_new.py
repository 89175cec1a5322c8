"""`kb new`: next free id, right folder, valid draft, never overwrites; and, for a contributor
who knows nothing of the code, a category chosen from those that exist, the owner found by
git's e-mail, a readable file name, the next steps printed and CODEOWNERS kept in step."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from git_identity import no_git_identity, set_git_email  # noqa: F401  (a fixture)

from supportkb.authoring.new import MAX_SLUG, NewDocument, create_document, slug_of
from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.documents.model import DocType
from supportkb.errors import FatalError, InvalidUsage
from supportkb.workspace.codeowners import CODEOWNERS_FILE, drift, write_codeowners
from supportkb.workspace.knowledge_base import load_knowledge_base

from conftest import AS_OF, MKDOCS_YML, KnowledgeBaseFactory, codes

ARTICLE = ("article", "--kind", "troubleshooting")
NEW_WIFI = ("--new-category", "wifi")


def invoke(kb: KnowledgeBaseFactory, *args: str, terminal_input: str | None = None) -> Result:
    return CliRunner().invoke(
        cli, ["new", *args, "-C", str(kb.root), "--date", "2026-11-24"], input=terminal_input
    )


def new(kb: KnowledgeBaseFactory, *args: str) -> tuple[int, str]:
    result = invoke(kb, *args)
    return result.exit_code, result.output


def written_path(result: Result) -> str:
    """The first line of standard output: the path, for scripts."""
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[0]


def files(kb: KnowledgeBaseFactory) -> list[str]:
    """The files of the knowledge base (the lock `kb new` takes aside)."""
    paths = kb.root.rglob("*")
    return sorted(p.relative_to(kb.root).as_posix() for p in paths if p.name != ".kb.lock")


@pytest.mark.parametrize(
    "doc_type, extra, folder",
    [
        ("article", ["--kind", "troubleshooting", "--new-category", "vpn"], "kb/vpn/"),
        (
            "article",
            ["--kind", "howto", "--new-category", "applications/erp", "--lang", "en"],
            "kb/applications/erp/",
        ),
        ("article", ["--kind", "faq", "--new-category", "wifi"], "kb/wifi/"),
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
    result = invoke(kb, doc_type, "--title", "Printer jam: tray 2", "--owner", "network", *extra)
    path = written_path(result)
    assert path.startswith(folder) and path.endswith("-printer-jam-tray-2.md")
    text = (kb.root / path).read_text(encoding="utf-8")
    assert 'title: "Printer jam: tray 2"' in text and "status: draft" in text
    assert ('version: "0.1"' in text) == (doc_type != "article")
    assert check(kb.root, AS_OF).findings == ()


def test_a_draft_has_no_last_reviewed_until_it_is_published(kb: KnowledgeBaseFactory) -> None:
    """Nobody has reviewed a new draft: it says so by having no last_reviewed; `kb check`
    accepts that of a draft and asks for it once the document is published."""
    kb.article()
    path = kb.root / written_path(
        invoke(kb, *ARTICLE, "--title", "VPN", "--owner", "bob", "--category", "vpn")
    )
    text = path.read_text(encoding="utf-8")
    assert "last_reviewed" not in text
    assert check(kb.root, AS_OF).findings == ()
    path.write_text(text.replace("status: draft", "status: published"), encoding="utf-8")
    missing = [f for f in check(kb.root, AS_OF).findings if f.code == "field-missing"]
    assert [f.path for f in missing] == [path.relative_to(kb.root).as_posix()]
    assert "last_reviewed" in missing[0].message


def test_next_id_follows_the_highest_even_with_gaps(kb: KnowledgeBaseFactory) -> None:
    kb.article("kb/vpn/a.md", id="KB-0001")
    kb.article("kb/vpn/b.md", id="KB-0007")
    kb.write("kb/vpn/broken.md", "---\nid: KB-0009\ntitle: [broken\n---\n")
    request = NewDocument(DocType.ARTICLE, "Wi-Fi 斷線", "network", "vpn", "troubleshooting")
    created = create_document(kb.root, request, date(2026, 11, 24))
    assert created.path.name == "kb-0010-wi-fi.md" and created.document_id == "KB-0010"
    assert "id: KB-0010" in created.path.read_text(encoding="utf-8")


def test_ids_of_other_types_do_not_count(kb: KnowledgeBaseFactory) -> None:
    kb.article(id="KB-0042")
    path = written_path(invoke(kb, "sop", "--title", "Call-back", "--owner", "alice"))
    assert path == "sops/sop-0001-call-back.md"
    assert "SOP-0001" in (kb.root / path).read_text(encoding="utf-8")


def test_never_overwrites(kb: KnowledgeBaseFactory) -> None:
    kb.write("sops/sop-0001-call-back.md", "my own notes\n")
    code, output = new(kb, "sop", "--title", "Call back", "--owner", "alice")
    assert code == 1 and "sops/sop-0001-call-back.md already exists; not overwriting" in output
    assert (kb.root / "sops/sop-0001-call-back.md").read_text() == "my own notes\n"


def test_concurrent_new_documents_get_different_ids(kb: KnowledgeBaseFactory) -> None:
    paths: list[str] = []

    def make(number: int) -> None:
        request = NewDocument(DocType.SOP, f"Procedure {number}", "alice")
        paths.append(create_document(kb.root, request, date(2026, 11, 24)).path.read_text())

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
        (["article", "--title", "x", "--owner", "alice", "--new-category", "vpn"], "--kind"),
        (
            [*ARTICLE, "--title", "x", "--owner", "alice", "--category", "../etc"],
            "--category: a folder under kb/",
        ),
        (
            [*ARTICLE, "--title", "x", "--owner", "alice", "--new-category", "VPN"],
            "--new-category: a folder under kb/",
        ),
        (
            [*ARTICLE, "--title", "x", "--owner", "alice", "--new-category", "a/../b"],
            "--new-category: a folder under kb/",
        ),
        (
            [*ARTICLE, "--title", "x", "--owner", "alice", "--category", "vpn", *NEW_WIFI],
            "not both",
        ),
        (["sop", "--title", "x", "--owner", "alice", "--kind", "faq"], "articles only"),
        (["sop", "--title", "x", "--owner", "alice", "--new-category", "x"], "for articles"),
        (["memo", "--title", "x"], "Invalid value"),
    ],
)
def test_bad_usage_exits_2(kb: KnowledgeBaseFactory, args: list[str], message: str) -> None:
    kb.article()
    before = files(kb)
    code, output = new(kb, *args)
    assert code == 2 and message in output, output
    assert files(kb) == before


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
    path = written_path(invoke(kb, "sop", "--title", "自訂", "--owner", "alice"))
    assert "本組範本" in (kb.root / path).read_text(encoding="utf-8")


def test_title_must_be_one_line(kb: KnowledgeBaseFactory) -> None:
    with pytest.raises(InvalidUsage):
        create_document(kb.root, NewDocument(DocType.SOP, "a\nb", "alice"), AS_OF)


# --- the category: one that exists, or a new one asked for explicitly ----------------------

CATEGORIES_YML = MKDOCS_YML.replace(
    "      due_soon_days: 30\n",
    "      due_soon_days: 30\n      categories:\n        vpn: VPN 連線\n",
)


def two_categories(kb: KnowledgeBaseFactory) -> None:
    kb.write("mkdocs.yml", CATEGORIES_YML)
    kb.article("kb/vpn/error-809.md")
    kb.article("kb/printing/jam.md", id="KB-0002")


def test_without_a_category_the_existing_ones_are_listed(kb: KnowledgeBaseFactory) -> None:
    """Not on a terminal (a script, CI, CliRunner): nothing is asked; the error lists the
    categories (with the names the site shows) and says how to make a new one."""
    two_categories(kb)
    before = files(kb)
    code, output = new(kb, *ARTICLE, "--title", "測試文章", "--owner", "alice")
    assert code == 2
    assert "an article needs a category" in output
    assert "--category FOLDER: printing, vpn (VPN 連線)" in output
    assert "--new-category FOLDER" in output
    assert files(kb) == before


def test_without_any_category_it_says_how_to_make_one(kb: KnowledgeBaseFactory) -> None:
    code, output = new(kb, *ARTICLE, "--title", "測試文章", "--owner", "alice")
    assert code == 2 and "no category under kb/ yet" in output and "--new-category" in output


def test_a_category_that_does_not_exist_is_refused(kb: KnowledgeBaseFactory) -> None:
    """A typo no longer creates a folder: `--category` names one that holds articles."""
    two_categories(kb)
    before = files(kb)
    code, output = new(kb, *ARTICLE, "--title", "x", "--owner", "alice", "--category", "vnp")
    assert code == 2
    assert "--category vnp is not a category (did you mean 'vpn'?)" in output
    assert "--new-category FOLDER" in output
    assert files(kb) == before and not (kb.root / "kb/vnp").exists()


def test_a_new_category_is_made_when_asked(kb: KnowledgeBaseFactory) -> None:
    two_categories(kb)
    result = invoke(
        kb, *ARTICLE, "--title", "ERP login", "--owner", "alice", "--new-category", "erp/login"
    )
    assert written_path(result) == "kb/erp/login/kb-0003-erp-login.md"
    assert check(kb.root, AS_OF).findings == ()


def test_a_new_category_that_already_exists_is_refused(kb: KnowledgeBaseFactory) -> None:
    """`--new-category vpn` where vpn is a category: said, not silently taken as --category."""
    two_categories(kb)
    before = files(kb)
    code, output = new(kb, *ARTICLE, "--title", "x", "--owner", "alice", "--new-category", "vpn")
    assert code == 2 and "it is already a category; use --category vpn" in output
    assert files(kb) == before


def test_on_a_terminal_it_asks_for_the_category(
    kb: KnowledgeBaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The list is numbered; a folder name or a number is taken, anything else asked again
    with a did-you-mean; the prompt is on standard error, so the path stays the first line."""
    two_categories(kb)
    monkeypatch.setattr("supportkb.cli.commands.new.interactive", lambda: True)
    result = invoke(
        kb, *ARTICLE, "--title", "Toner", "--owner", "alice", terminal_input="prnting\n1\n"
    )
    assert written_path(result) == "kb/printing/kb-0003-toner.md"
    assert "1. printing" in result.stderr and "2. vpn  VPN 連線" in result.stderr
    assert "did you mean 'printing'?" in result.stderr
    assert "--new-category FOLDER" in result.stderr
    result = invoke(kb, *ARTICLE, "--title", "DNS", "--owner", "alice", terminal_input="vpn\n")
    assert written_path(result) == "kb/vpn/kb-0004-dns.md"


# --- the owner: git's e-mail, or a list to choose from ------------------------------------


def test_the_owner_is_the_person_with_gits_email(kb: KnowledgeBaseFactory) -> None:
    set_git_email("Bob@Example.com")
    path = written_path(invoke(kb, "sop", "--title", "Call back"))
    assert "owner: bob\n" in (kb.root / path).read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "email, says",
    [
        ("new.person@example.com", "your git e-mail (new.person@example.com) is not in owners.yml"),
        (None, "git's user.email is not set"),
    ],
)
def test_an_unknown_email_lists_the_teams_and_people(
    kb: KnowledgeBaseFactory, email: str | None, says: str
) -> None:
    set_git_email(email)
    code, output = new(kb, "sop", "--title", "Call back")
    assert code == 2 and says in output
    assert "--owner ID, a team: network (Network); or a person: alice (Alice Lin), bob" in output
    assert "carol" not in output  # inactive: cannot own a document
    assert "add yourself under 'people:' in owners.yml" in output
    assert files(kb) == ["mkdocs.yml", "owners.yml"]


# --- the file name: the id and the title's Latin words ------------------------------------


@pytest.mark.parametrize(
    "title, name",
    [
        ("VPN DNS 解析失敗", "kb-0001-vpn-dns.md"),
        ("測試文章", "kb-0001.md"),
        ("Café Wi-Fi：無法連線", "kb-0001-cafe-wi-fi.md"),
        ("Outlook 2021 / Teams", "kb-0001-outlook-2021-teams.md"),
    ],
)
def test_the_file_is_named_by_id_and_title(kb: KnowledgeBaseFactory, title: str, name: str) -> None:
    path = written_path(
        invoke(kb, *ARTICLE, "--title", title, "--owner", "alice", "--new-category", "vpn")
    )
    assert path == f"kb/vpn/{name}"


def test_a_long_title_is_cut_at_a_word() -> None:
    slug = slug_of("Word " * 40)
    assert len(slug) <= MAX_SLUG and slug.endswith("-word") and "--" not in slug


def test_a_slug_names_the_file(kb: KnowledgeBaseFactory) -> None:
    result = invoke(kb, "sop", "--title", "印表機作業", "--owner", "alice", "--slug", "printer-2f")
    assert written_path(result) == "sops/sop-0001-printer-2f.md"


@pytest.mark.parametrize(
    "slug", ["VPN", "vpn dns", "vpn--dns", "-vpn", "vpn_dns", "../x", "印表機"]
)
def test_a_slug_is_lower_case_words_and_hyphens(kb: KnowledgeBaseFactory, slug: str) -> None:
    code, output = new(kb, "sop", "--title", "x", "--owner", "alice", "--slug", slug)
    assert code == 2 and "--slug is words in lower-case ASCII letters" in output
    assert files(kb) == ["mkdocs.yml", "owners.yml"]


# --- what to do next -----------------------------------------------------------------------


def test_the_next_steps_follow_the_path(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    result = invoke(kb, *ARTICLE, "--title", "VPN DNS", "--owner", "alice", "--category", "vpn")
    lines = result.stdout.splitlines()
    assert lines[0] == "kb/vpn/kb-0002-vpn-dns.md"
    text = result.stdout
    assert "Fill in the sections: 症狀, 原因, 解決方法" in text
    assert "kb check kb/vpn/kb-0002-vpn-dns.md" in text
    assert "kb serve --watch, then open http://127.0.0.1:8000/kb/vpn/kb-0002-vpn-dns/" in text
    assert "status: published" in text and "kb review KB-0002" in text
    assert "kb check on the changed files, mkdocs build --strict and make test" in text


@pytest.mark.parametrize(
    "args, sections, url",
    [
        (
            ["policy", "--lang", "en"],
            "1. Purpose, 2. Scope, 3. Responsibilities, Revision history",
            "http://127.0.0.1:8000/policies/pol-0001-remote-support/",
        ),
        (
            ["policy"],
            "第一條 目的, 第二條 適用範圍, 第三條 權責, 修訂紀錄",
            "http://127.0.0.1:8000/policies/pol-0001-remote-support/",
        ),
        (
            ["article", "--kind", "howto", "--new-category", "email", "--lang", "en"],
            "Steps",
            "http://127.0.0.1:8000/kb/email/kb-0001-remote-support/",
        ),
    ],
)
def test_the_sections_to_fill_are_the_required_ones(
    kb: KnowledgeBaseFactory, args: list[str], sections: str, url: str
) -> None:
    result = invoke(kb, *args, "--title", "Remote support", "--owner", "alice")
    assert result.exit_code == 0, result.output
    assert f"Fill in the sections: {sections}\n" in result.stdout
    assert f"then open {url}\n" in result.stdout


def test_a_faq_has_no_section_to_fill(kb: KnowledgeBaseFactory) -> None:
    result = invoke(
        kb, "article", "--kind", "faq", "--title", "Q", "--owner", "alice", "--new-category", "vpn"
    )
    assert "no section is required" in result.stdout


# --- CODEOWNERS: kept in step with the new document ---------------------------------------


def codeowners_in_step(kb: KnowledgeBaseFactory) -> None:
    knowledge_base = load_knowledge_base(kb.root)
    write_codeowners(kb.root, knowledge_base.documents, knowledge_base.registry)


def test_codeowners_is_updated_for_the_new_document(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    codeowners_in_step(kb)
    result = invoke(kb, *ARTICLE, "--title", "x", "--owner", "bob", "--new-category", "wifi")
    assert written_path(result) == "kb/wifi/kb-0002-x.md"
    assert "Updated .github/CODEOWNERS: commit it with the document." in result.stdout
    knowledge_base = load_knowledge_base(kb.root)
    assert drift(kb.root, knowledge_base.documents, knowledge_base.registry) is None
    assert codes(check(kb.root, AS_OF)) == []


def test_codeowners_out_of_date_before_is_left_alone(kb: KnowledgeBaseFactory) -> None:
    """A drift that was there before `kb new` is somebody else's change: mentioned, kept."""
    kb.article()
    codeowners_in_step(kb)
    kb.article(owner="alice")  # the owner changed, CODEOWNERS not regenerated
    before = (kb.root / CODEOWNERS_FILE).read_bytes()
    result = invoke(kb, *ARTICLE, "--title", "x", "--owner", "bob", "--new-category", "wifi")
    assert result.exit_code == 0, result.output
    assert "was out of date before this document (not changed)" in result.stdout
    assert (kb.root / CODEOWNERS_FILE).read_bytes() == before


def test_no_codeowners_none_is_made(kb: KnowledgeBaseFactory) -> None:
    result = invoke(kb, *ARTICLE, "--title", "x", "--owner", "bob", "--new-category", "wifi")
    assert result.exit_code == 0 and "CODEOWNERS" not in result.stdout
    assert not (kb.root / CODEOWNERS_FILE).exists()


# --- the whole loop, as a new contributor runs it ------------------------------------------


def test_a_new_contributor_gets_a_green_check(kb: KnowledgeBaseFactory) -> None:
    """`kb new` with nothing but a type, a kind, a category and a title (the owner from git's
    e-mail); then `kb check PATH` and the whole `kb check` pass, CODEOWNERS included."""
    kb.article()
    codeowners_in_step(kb)
    set_git_email("alice@example.com")
    path = written_path(invoke(kb, *ARTICLE, "--title", "VPN DNS 解析失敗", "--category", "vpn"))
    assert "owner: alice\n" in (kb.root / path).read_text(encoding="utf-8")
    runner = CliRunner()
    one = runner.invoke(cli, ["check", path, "-C", str(kb.root), "--as-of", "2026-11-24"])
    assert one.exit_code == 0, one.output
    whole = runner.invoke(cli, ["check", "-C", str(kb.root), "--as-of", "2026-11-24"])
    assert whole.exit_code == 0, whole.output
    assert "0 errors, 0 warnings" in whole.output


def test_the_title_is_not_taken_for_a_section(kb: KnowledgeBaseFactory) -> None:
    """A title that starts like a section's name ("Procedure ...") is the page's title, not
    its procedure section."""
    result = invoke(kb, "sop", "--title", "Procedure for backups", "--owner", "alice")
    assert "sections: 1. 目的, 2. 適用範圍, 3. 角色與職責, 4. 作業程序, 5. 紀錄\n" in result.stdout


def test_next_steps_name_kb_as_it_can_be_run_from_here(tmp_path: Path) -> None:
    """After `make setup` without an activated environment, `kb` is not on the PATH: the next
    steps say `.venv/bin/kb check …`, which works when pasted."""
    folder = tmp_path / "checkout"
    kb_path = folder / ".venv" / "bin" / "kb"
    kb_path.parent.mkdir(parents=True)
    kb_path.write_text("#!/bin/sh\n", encoding="utf-8")
    script = (
        "import os, sys\n"
        f"sys.argv[0] = {str(kb_path)!r}\n"
        f"os.chdir({str(folder)!r})\n"
        "os.environ['PATH'] = '/usr/bin:/bin'\n"
        "from supportkb.cli.commands.new import kb_command\n"
        "print(kb_command())\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == ".venv/bin/kb", done.stderr


def test_a_new_category_that_is_a_file_is_named_as_such(kb: KnowledgeBaseFactory) -> None:
    """`--new-category afile` where kb/afile is a file said "kb/afile/kb-0001-x.md already
    exists": the folder could not be made, nothing existed."""
    kb.write("kb/afile", "not a folder\n")
    code, output = new(kb, *ARTICLE, "--title", "x", "--owner", "alice", "--new-category", "afile")
    assert code == 1 and "kb/afile is a file" in output and "already exists" not in output


def test_the_next_steps_of_a_policy_say_it_is_published_by_its_approval(
    kb: KnowledgeBaseFactory,
) -> None:
    result = invoke(kb, "policy", "--title", "遠端支援管理辦法", "--owner", "alice")
    assert result.exit_code == 0, result.output
    [step] = [line for line in result.stdout.splitlines() if line.lstrip().startswith("4.")]
    assert "kb review POL-0001" in step and "kb approve POL-0001 --by PERSON" in step
