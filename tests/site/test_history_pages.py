"""The site's history for auditors: a history page per document, every earlier approved
version published read-only (banner, comparison, no edit link, out of the search, the sitemap
and the robots' index), the build's commit and day in every page's footer, and a site that
still builds without history (the `history` option off, outside git, a shallow clone)."""

from __future__ import annotations

import gzip
import json
import re
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from git_repo import BOB, DatedRepo, policy
from supportkb.cli.main import cli
from supportkb.site.build import build_site

from conftest import KnowledgeBaseFactory

PATH = "docs/policies/data-retention.md"
DAY = date(2026, 11, 24)
ROWS_10 = (("1.0", "2025-12-20", "初版", "bob"),)
ROWS_11 = (*ROWS_10, ("1.1", "2026-03-01", "保存期限改為五年", "bob"))


def _config(root: Path, extra: str = "") -> None:
    path = root / "mkdocs.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "site_name: Test KB\n",
        "site_name: Test KB\nrepo_url: https://github.com/org/kb\nedit_uri: edit/main/docs/\n"
        "site_url: https://kb.example.com/\n",
    ).replace("  name: material\n", "  name: material\n  features: [content.action.edit]\n")
    if extra:
        text = text.replace("  - supportkb:\n", "  - supportkb:\n      " + extra + "\n", 1)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> DatedRepo:
    """A policy approved three times: 1.0 (effective 1 January), 1.1 (approved 1 March,
    effective 1 April), 1.2 (approved 1 May, effective 1 June)."""
    (tmp_path / "kb").mkdir()
    kb = KnowledgeBaseFactory(tmp_path / "kb")
    _config(kb.root)
    kb.write("docs/index.md", "# 首頁\n")
    kb.write(".gitignore", "site/\n.kb/\n")
    repo = DatedRepo(kb.root)
    repo.commit("settings", on="2025-12-01")
    repo.write(PATH, policy("1.0", effective="2026-01-01", body="資料保存期限為三年。"))
    repo.commit("1.0", on="2025-12-20")
    body = "資料保存期限為五年。見 [舊程序](../../sops/gone.md)。"
    repo.write(PATH, policy("1.1", effective="2026-04-01", body=body, rows=ROWS_10))
    repo.commit("1.1 approved", on="2026-03-01", author=BOB)
    repo.write(
        PATH,
        policy(
            "1.2",
            effective="2026-06-01",
            body="資料保存期限為七年。",
            last_reviewed="2026-05-01",
            rows=ROWS_11,
        ),
    )
    repo.commit("1.2 approved", on="2026-05-01", author=BOB)
    return repo


def _build(root: Path, tmp_path: Path, day: date = DAY, name: str = "site") -> Path:
    return build_site(root, day, tmp_path / name).site_dir


def _page(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_the_history_page_lists_the_versions_newest_first_and_the_one_in_force(
    repo: DatedRepo, tmp_path: Path
) -> None:
    site = _build(repo.root, tmp_path)
    page = _page(site, "history/POL-0001")
    assert page.index(">1.2<") < page.index(">1.1<") < page.index(">1.0<")
    assert "2026-11-24 現行版本：<strong>1.2</strong>（自 2026-06-01 起生效）" in page
    assert re.search(r'class="kb-history__in-force"><td data-label="版本">1\.2 ', page)
    assert "第 1.1 版" in page  # the change, from the revision-history row
    assert 'href="https://github.com/org/kb/commit/' in page  # each commit, linked
    assert "複審紀錄" in page and "2026-05-01" in page
    # the document's trust line links its history
    document = _page(site, "policies/data-retention")
    assert re.search(
        r'<a class="kb-history-link" href="[./]*history/POL-0001/">版本歷程</a>', document
    )


def test_the_version_in_force_is_decided_by_the_effective_date(
    repo: DatedRepo, tmp_path: Path
) -> None:
    """On 15 March 1.1 is approved but not effective: 1.0 is in force (published as the
    version in force, the file having moved on) and nothing is superseded yet (1.1 is not
    published as an earlier version)."""
    site = _build(repo.root, tmp_path, date(2026, 3, 15))
    assert "2026-03-15 現行版本：<strong>1.0</strong>" in _page(site, "history/POL-0001")
    assert "現行版本（文件頁面顯示的是尚未生效的新版本）" in _page(site, "history/POL-0001/1.0")
    assert not (site / "history/POL-0001/1.1").exists()


def test_an_earlier_version_is_published_read_only_and_not_to_be_found(
    repo: DatedRepo, tmp_path: Path
) -> None:
    site = _build(repo.root, tmp_path)
    old = _page(site, "history/POL-0001/1.1")
    assert "已被取代，非現行版本" in old
    assert re.search(r'現行版本：<a href="\.\./\.\./\.\./policies/data-retention/">', old)
    assert "資料保存期限為五年" in old  # its own text
    assert "舊程序" in old and 'gone.md"' not in old  # a relative link made text
    # compared with the next version, 1.2
    assert "<del>資料保存期限為五年。見 [舊程序](../../sops/gone.md)。</del>" in old
    assert "<ins>資料保存期限為七年。</ins>" in old
    assert '<meta name="robots" content="noindex">' in old
    assert "edit/main" not in old and "md-content__button" not in old  # no edit link
    assert _page(site, "history/POL-0001/1.0").count("已被取代，非現行版本") == 1
    index = json.loads((site / "search/search_index.json").read_text(encoding="utf-8"))
    assert not [d["location"] for d in index["docs"] if d["location"].startswith("history/")]
    sitemap = (site / "sitemap.xml").read_text(encoding="utf-8")
    assert "https://kb.example.com/policies/data-retention/" in sitemap
    assert "history/POL-0001/1." not in sitemap
    assert b"history/POL-0001/1." not in gzip.decompress((site / "sitemap.xml.gz").read_bytes())
    # the version in force is not published as an earlier one
    assert not (site / "history/POL-0001/1.2").exists()
    assert '<meta name="robots"' not in _page(site, "policies/data-retention")


def test_the_footer_names_the_commit_and_the_build_day(repo: DatedRepo, tmp_path: Path) -> None:
    head = repo.git("rev-parse", "HEAD").strip()
    site = _build(repo.root, tmp_path, date(2027, 2, 3))
    for url in ("", "policies/data-retention", "register", "history/POL-0001"):
        page = _page(site, url)
        assert f'<a href="https://github.com/org/kb/commit/{head}"><code title="{head}">' in page
        assert f">{head[:10]}</code></a>" in page
        assert '建置日 <time datetime="2027-02-03">2027-02-03</time>' in page
        assert "未提交" not in page
    (repo.root / PATH).write_text(policy("1.3", status="draft"), encoding="utf-8")
    changed = _page(_build(repo.root, tmp_path, name="changed"), "")
    assert "含未提交的變更" in changed


def test_without_history_the_site_has_no_history_pages(repo: DatedRepo, tmp_path: Path) -> None:
    _config(repo.root, "history: false")
    site = _build(repo.root, tmp_path)
    assert not (site / "history").exists()
    assert "版本歷程" not in _page(site, "policies/data-retention")
    assert "建置自 提交" in _page(site, "")  # the footer stays


def test_a_folder_outside_git_builds_and_says_why_there_is_no_history(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    root = tmp_path / "copy"
    root.mkdir()
    kb = KnowledgeBaseFactory(root)
    kb.write("docs/index.md", "# 首頁\n")
    kb.write(PATH, policy("1.0"))
    result = CliRunner().invoke(
        cli, ["-C", str(root), "build", "--as-of", "2026-11-24", "--site-dir", str(tmp_path / "s")]
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "without history" in line]
    assert len(warnings) == 1 and "not in a git repository" in warnings[0], result.output
    page = _page(tmp_path / "s", "history/POL-0001")
    assert "此網站建置時無法取得版本歷程" in page and "not in a git repository" in page
    assert "不在 git 儲存庫中" in _page(tmp_path / "s", "")


def test_a_shallow_clone_builds_and_says_how_to_get_the_history(
    repo: DatedRepo, tmp_path: Path
) -> None:
    clone = repo.shallow_clone(tmp_path / "clone")
    site = _build(clone, tmp_path)
    page = _page(site, "history/POL-0001")
    assert "shallow clone" in page and "git fetch --unshallow" in page
    assert "建置自 提交" in _page(site, "")


def test_a_restricted_document_s_history_never_reaches_the_internal_site(
    repo: DatedRepo, tmp_path: Path
) -> None:
    secret = "docs/policies/secret.md"
    text = policy("1.0", doc_id="POL-0002", body="ZEBRA-77 的保存期限。")
    text = text.replace("status: published\n", "status: published\nvisibility: restricted\n")
    repo.write(secret, text)
    repo.commit("secret 1.0", on="2026-02-01")
    repo.write(secret, text.replace("ZEBRA-77 的", "ZEBRA-77 的新").replace('"1.0"', '"1.1"'))
    repo.commit("secret 1.1", on="2026-07-01")
    # once restricted, now internal: its restricted version stays out of the internal site
    repo.write(PATH, (repo.root / PATH).read_text(encoding="utf-8"))
    site = _build(repo.root, tmp_path)
    assert not (site / "history/POL-0002").exists()
    leaks = [p for p in site.rglob("*") if p.is_file() and b"ZEBRA" in p.read_bytes()]
    assert not leaks
    restricted_site = build_site(repo.root, DAY, tmp_path / "all", audience="restricted").site_dir
    assert "ZEBRA-77 的保存期限" in _page(restricted_site, "history/POL-0002/1.0")


def test_when_the_file_moves_on_to_a_version_not_in_force_the_one_in_force_stays_readable(
    repo: DatedRepo, tmp_path: Path
) -> None:
    """`kb review --bump` leaves 1.3 in review: the document's page shows 1.3, says it is
    not in force and links 1.2's read-only copy, which the earlier versions link too."""
    rows = (*ROWS_11, ("1.2", "2026-05-01", "第 1.2 版", "bob"))
    repo.write(
        PATH,
        policy("1.3", status="in-review", approved_by=None, effective=None, rows=rows),
    )
    repo.commit("1.3 drafted", on="2026-08-01")
    site = _build(repo.root, tmp_path)
    document = _page(site, "policies/data-retention")
    assert "非現行版本" in document
    assert re.search(r'現行的是 <a href="[./]*history/POL-0001/1\.2/">版本 1\.2</a>', document)
    in_force = _page(site, "history/POL-0001/1.2")
    assert "現行版本（文件頁面顯示的是尚未生效的新版本）" in in_force
    assert "資料保存期限為七年" in in_force and "已被取代" not in in_force
    older = _page(site, "history/POL-0001/1.1")
    assert re.search(r'現行版本：<a href="\.\./1\.2/">POL-0001 資料保存辦法</a>', older)
    assert "2026-11-24 現行版本：<strong>1.2</strong>" in _page(site, "history/POL-0001")


def test_a_title_with_markup_stays_text_in_the_history_pages_title(
    repo: DatedRepo, tmp_path: Path
) -> None:
    """MkDocs takes a page's title from its heading and un-escapes it into `<title>`: a
    document title closing `</title>` and adding a meta refresh redirected the reader."""
    hostile = 'X</title><meta http-equiv="refresh" content="0;url=https://evil.example/">'
    text = (repo.root / PATH).read_text(encoding="utf-8")
    repo.write(PATH, text.replace("title: 資料保存辦法", f"title: '{hostile}'"))
    repo.commit("a hostile title", on="2026-05-02")
    site = _build(repo.root, tmp_path)
    for url in ("history/POL-0001", "history/POL-0001/1.0"):
        page = _page(site, url)
        head = page[: page.index("</head>")]
        assert "evil.example" not in head.replace("&#34;", '"').split("<title>")[0]
        assert '<meta http-equiv="refresh"' not in page, url
    older = _page(site, "history/POL-0001/1.0")
    assert "<title>POL-0001 資料保存辦法（版本 1.0）" in older  # the version's own title


def test_a_version_approved_to_take_effect_later_says_when(repo: DatedRepo, tmp_path: Path) -> None:
    """Built on 15 May: 1.2 is approved (1 May) but takes effect on 1 June."""
    site = _build(repo.root, tmp_path, day=date(2026, 5, 15))
    page = _page(site, "history/POL-0001")
    assert "將於 2026-06-01 生效" in page
    assert page.count("將於") == 1
