"""The tools that write never destroy what they did not create.

Found: `kb build --site-dir kb` deleted every article (MkDocs empties its output folder; its
own guard protects only docs_dir); the same with sops, sops/emergency, kb/vpn, a folder set as
`site_dir` in mkdocs.yml, or any folder git tracks. `--analytics` wrote a SQLite database over
an existing (empty) file and crashed with a traceback on a Markdown file; `--index-dir` wrote
its generations into any folder."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from supportkb.cli.main import cli
from supportkb.site.marker import MARKER, read_marker

from conftest import KnowledgeBaseFactory

PUBLIC_ARTICLE = "---\nid: KB-0009\ntitle: 公開\nstatus: published\nowner: alice\n"
PUBLIC_ARTICLE += "last_reviewed: 2026-10-01\nkind: faq\nvisibility: public\n---\n# 公開\n"


@pytest.fixture
def checkout(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    """A small knowledge base in a git checkout (every file staged: git tracks them)."""
    kb.write("docs/index.md", "# 首頁\n")
    kb.article("kb/vpn/error-809.md")
    kb.write("kb/accounts/public.md", PUBLIC_ARTICLE)
    kb.write("sops/emergency/notes.txt", "not a document, but tracked\n")
    kb.write("assets/logo.txt", "a tracked file that is no document\n")
    subprocess.run(["git", "init", "-q", str(kb.root)], check=True)
    subprocess.run(["git", "-C", str(kb.root), "add", "-A"], check=True)
    return kb


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def kb(root: Path, *arguments: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), *arguments])


def build(root: Path, *arguments: str) -> Result:
    return kb(root, "build", "--as-of", "2026-11-24", "--no-strict", *arguments)


@pytest.mark.parametrize(
    "site_dir", ["kb", "sops", "sops/emergency", "kb/vpn", "assets", ".", "docs", ".."]
)
def test_build_never_replaces_a_folder_of_the_checkout(
    checkout: KnowledgeBaseFactory, site_dir: str
) -> None:
    before = files_of(checkout.root)
    result = build(checkout.root, "--site-dir", str(checkout.root / site_dir))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert files_of(checkout.root) == before


def test_build_refuses_site_dir_set_in_mkdocs_yml(checkout: KnowledgeBaseFactory) -> None:
    config = checkout.root / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8") + "site_dir: kb\n", encoding="utf-8")
    before = files_of(checkout.root)
    result = build(checkout.root)
    assert result.exit_code == 1
    assert "kb" in result.output and "Markdown" in result.output
    assert files_of(checkout.root) == before


def test_build_refuses_a_folder_it_did_not_write(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    kb.write("docs/index.md", "# 首頁\n")
    kb.article()
    mine = tmp_path / "elsewhere" / "photos"  # no git, no document: still not supportkb's
    mine.mkdir(parents=True)
    (mine / "holiday.jpg").write_bytes(b"\xff\xd8 a photo")
    result = build(kb.root, "--site-dir", str(mine))
    assert result.exit_code == 1
    assert "did not write" in result.output
    assert (mine / "holiday.jpg").read_bytes() == b"\xff\xd8 a photo"


def test_a_site_records_its_audience_and_is_replaced_whole(checkout: KnowledgeBaseFactory) -> None:
    site = checkout.root.parent / "published"
    assert build(checkout.root, "--site-dir", str(site)).exit_code == 0
    assert json.loads((site / MARKER).read_text())["audience"] == "internal"  # the default
    assert (site / "kb/vpn/error-809/index.html").is_file()

    again = build(checkout.root, "--site-dir", str(site), "--audience", "public")
    assert again.exit_code == 0, again.output
    marker = json.loads((site / MARKER).read_text())
    assert (marker["audience"], marker["as_of"]) == ("public", "2026-11-24")
    assert not (site / "kb/vpn/error-809/index.html").exists()  # the old site is gone
    assert (site / "kb/accounts/public/index.html").is_file()
    assert [p.name for p in site.parent.iterdir() if ".kb-building-" in p.name] == []


def test_a_failed_build_leaves_the_previous_site(checkout: KnowledgeBaseFactory) -> None:
    site = checkout.root.parent / "published"
    assert build(checkout.root, "--site-dir", str(site)).exit_code == 0
    before = files_of(site)
    checkout.write("docs/broken.md", "# broken\n\n[x](missing.md)\n")  # a warning: strict fails
    result = kb(checkout.root, "build", "--as-of", "2026-11-25", "--site-dir", str(site))
    assert result.exit_code == 1
    assert files_of(site) == before
    assert [p.name for p in site.parent.iterdir() if ".kb-building-" in p.name] == []


def test_a_build_that_died_is_cleaned_up_by_the_next(checkout: KnowledgeBaseFactory) -> None:
    site = checkout.root.parent / "published"
    assert build(checkout.root, "--site-dir", str(site)).exit_code == 0
    ended = subprocess.Popen(["true"])
    ended.wait()
    left = site.with_name(f".published.kb-building-{ended.pid}")  # as a killed build leaves it
    left.mkdir()
    (left / MARKER).write_bytes((site / MARKER).read_bytes())
    (left / "index.html").write_text("half")
    assert build(checkout.root, "--site-dir", str(site)).exit_code == 0
    assert not left.exists()


@pytest.mark.parametrize("index_dir", ["kb", "kb/vpn", "assets", "."])
def test_index_never_writes_into_a_folder_of_the_checkout(
    checkout: KnowledgeBaseFactory, index_dir: str
) -> None:
    before = files_of(checkout.root)
    result = kb(checkout.root, "index", "--index-dir", str(checkout.root / index_dir))
    assert result.exit_code == 1, result.output
    assert "will not write" in result.output
    assert files_of(checkout.root) == before


def test_index_keeps_using_an_index_it_wrote(checkout: KnowledgeBaseFactory) -> None:
    folder = checkout.root.parent / "index"
    assert kb(checkout.root, "index", "--index-dir", str(folder)).exit_code == 0
    (folder / ".supportkb-index.json").unlink()  # as an index of an earlier version
    checkout.write("kb/accounts/public.md", PUBLIC_ARTICLE + "\n更多內容\n")
    result = kb(checkout.root, "index", "--index-dir", str(folder))
    assert result.exit_code == 0, result.output
    assert "updated" in result.output


@pytest.mark.parametrize("content", [b"", b"# notes\n\nmy own notes\n"])
def test_analytics_never_writes_into_a_file_that_is_not_its_log(
    checkout: KnowledgeBaseFactory, content: bytes
) -> None:
    notes = checkout.write("notes.md", content)
    result = kb(checkout.root, "report", "--as-of", "2026-11-24", "--analytics", str(notes))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "not supportkb's search log" in result.output
    assert notes.read_bytes() == content


def test_analytics_log_is_read_again(checkout: KnowledgeBaseFactory) -> None:
    from supportkb.reporting.search_log import SearchLog

    log = checkout.root.parent / "log" / "searches.sqlite"
    SearchLog(log).record_search("vpn 809", 0)
    result = kb(checkout.root, "report", "--as-of", "2026-11-24", "--analytics", str(log))
    assert result.exit_code in (0, 1), result.output
    assert "vpn 809" in result.output


@pytest.mark.parametrize("folder", ["kb", "sops", "sops/emergency"])
def test_plain_mkdocs_build_never_empties_a_folder_of_documents(
    checkout: KnowledgeBaseFactory, folder: str
) -> None:
    """Red-team reproduction: `mkdocs build --site-dir sops` (the README offers `mkdocs build`
    and `mkdocs serve` too) deleted every SOP: the guard was only in `kb build`."""
    before = files_of(checkout.root)
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir", folder],
        cwd=checkout.root,
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "will not write the site folder" in done.stderr
    assert files_of(checkout.root) == before


def test_plain_mkdocs_build_marks_its_site_and_may_build_it_again(
    checkout: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    site = tmp_path / "mkdocs-site"
    for _ in range(2):
        done = subprocess.run(
            [sys.executable, "-m", "mkdocs", "build", "-q", "--site-dir", str(site)],
            cwd=checkout.root,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
    assert read_marker(site) is not None
