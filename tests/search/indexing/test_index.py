from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from supportkb.cli.main import cli
from supportkb.errors import FatalError
from supportkb.search.backend.engine import Engine
from supportkb.search.indexing.index import (
    build_index,
    live_generation,
    open_engine,
    page_url,
    plain_text,
    read_related,
)
from supportkb.search.query import SearchRequest, run_search

from conftest import AS_OF, KnowledgeBaseFactory

PRINTING = "# 印表機\n\n## 症狀\n印表機卡紙，列印佇列卡住。\n\n## 解決方法\n清除卡紙後重新列印。\n"
VPN = "# VPN\n\n## 症狀\nVPN 連線逾時，出現錯誤 809。\n\n## 解決方法\n改用 SSL 通訊協定連線。\n"


def article(kb: KnowledgeBaseFactory, path: str, doc_id: str, title: str, body: str) -> Path:
    return kb.article(path, body, id=doc_id, title=title, owner="alice")


@pytest.fixture
def site(kb: KnowledgeBaseFactory) -> KnowledgeBaseFactory:
    article(kb, "kb/printing/jam.md", "KB-0001", "印表機卡紙", PRINTING)
    article(kb, "kb/printing/queue.md", "KB-0002", "列印佇列卡住", PRINTING)
    article(kb, "kb/printing/paper.md", "KB-0003", "印表機缺紙與卡紙", PRINTING)
    article(kb, "kb/vpn/809.md", "KB-0004", "VPN 錯誤 809", VPN)
    return kb


def found(root: Path, text: str) -> list[str]:
    searcher = open_engine(root / ".kb-index").searcher()
    try:
        return [r.id for r in run_search(searcher, SearchRequest(text, AS_OF)).results]
    finally:
        searcher.close()


def test_first_build_then_only_what_changed(site: KnowledgeBaseFactory) -> None:
    first = build_index(site.root)
    assert first.rebuilt and first.documents == 4
    assert not build_index(site.root).changed  # nothing changed: nothing done

    jam = site.root / "kb/printing/jam.md"
    jam.write_text(jam.read_text(encoding="utf-8") + "\n補充：碳粉匣也要檢查。\n", encoding="utf-8")
    article(site, "kb/vpn/new.md", "KB-0005", "VPN 憑證過期", VPN)
    (site.root / "kb/printing/paper.md").unlink()
    report = build_index(site.root)
    assert not report.rebuilt
    assert report.updated == ("kb/printing/jam.md",)
    assert report.added == ("kb/vpn/new.md",)
    assert report.removed == ("kb/printing/paper.md",)
    assert report.documents == 4
    assert found(site.root, "碳粉匣") == ["KB-0001"]
    assert "KB-0003" not in found(site.root, "缺紙")


def test_a_touched_but_unchanged_file_is_not_reindexed(site: KnowledgeBaseFactory) -> None:
    build_index(site.root)
    path = site.root / "kb/vpn/809.md"
    path.write_bytes(path.read_bytes())  # new mtime, same content
    report = build_index(site.root)
    assert report.updated == () and report.added == ()


def test_an_unreadable_document_is_reported_and_left_out(site: KnowledgeBaseFactory) -> None:
    site.write("kb/vpn/broken.md", "---\nid: [unclosed\n---\nbody\n")
    result = CliRunner().invoke(cli, ["-C", str(site.root), "index"])
    assert result.exit_code == 0
    assert "kb/vpn/broken.md: not indexed:" in result.stderr
    assert "kb check kb/vpn/broken.md" in result.stderr


def test_rebuild_starts_over(site: KnowledgeBaseFactory) -> None:
    build_index(site.root)
    result = CliRunner().invoke(cli, ["-C", str(site.root), "index", "--rebuild"])
    assert result.exit_code == 0 and "rebuilt: 4 documents" in result.output


def test_a_build_stopped_half_way_leaves_the_previous_index_in_use(
    site: KnowledgeBaseFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_index(site.root)
    live = live_generation(site.root / ".kb-index")
    article(site, "kb/vpn/new.md", "KB-0005", "VPN 憑證過期", VPN)

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(Engine, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_index(site.root)
    assert live_generation(site.root / ".kb-index") == live
    assert sorted(p.name for p in (site.root / ".kb-index" / "internal").glob("gen-*")) == [
        live.name
    ]
    assert found(site.root, "卡紙")[0] in {"KB-0001", "KB-0003"}
    monkeypatch.undo()
    assert build_index(site.root).added == ("kb/vpn/new.md",)  # the next run catches up


def test_a_searcher_opened_before_a_build_keeps_working(site: KnowledgeBaseFactory) -> None:
    build_index(site.root)
    before = open_engine(site.root / ".kb-index").searcher()
    article(site, "kb/vpn/new.md", "KB-0005", "VPN 憑證過期", VPN)
    build_index(site.root)
    old = run_search(before, SearchRequest("憑證過期", AS_OF))
    assert [r.id for r in old.results] == []  # the old generation, whole
    assert found(site.root, "憑證過期") == ["KB-0005"]
    before.close()


def test_two_builds_at_once_are_refused(site: KnowledgeBaseFactory) -> None:
    folder = site.root / ".kb-index"
    folder.mkdir()
    with open(folder / ".lock", "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with pytest.raises(FatalError, match="another `kb index` is updating"):
            build_index(site.root)


def test_a_damaged_pointer_means_a_full_rebuild(site: KnowledgeBaseFactory) -> None:
    build_index(site.root)
    (site.root / ".kb-index" / "internal" / "CURRENT").write_text("../../etc\n", encoding="utf-8")
    assert build_index(site.root).rebuilt
    assert found(site.root, "卡紙")


def test_a_change_in_owners_rebuilds_everything(site: KnowledgeBaseFactory) -> None:
    build_index(site.root)
    owners = site.root / "owners.yml"
    owners.write_text(owners.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert build_index(site.root).rebuilt


def test_the_index_folder_can_be_configured(site: KnowledgeBaseFactory, tmp_path: Path) -> None:
    mkdocs = site.root / "mkdocs.yml"
    mkdocs.write_text(
        mkdocs.read_text(encoding="utf-8").replace(
            "      due_soon_days: 30", "      due_soon_days: 30\n      index_dir: build/search"
        ),
        encoding="utf-8",
    )
    build_index(site.root)
    assert live_generation(site.root / "build/search") is not None
    elsewhere = tmp_path / "elsewhere"
    result = CliRunner().invoke(cli, ["-C", str(site.root), "index", "--index-dir", str(elsewhere)])
    assert result.exit_code == 0 and live_generation(elsewhere) is not None


def test_related_documents_are_written_for_the_site(site: KnowledgeBaseFactory) -> None:
    build_index(site.root)
    related = read_related(site.root / ".kb-index")
    assert set(related) == {"KB-0001", "KB-0002", "KB-0003", "KB-0004"}
    printing = [item["id"] for item in related["KB-0001"]]
    assert set(printing[:2]) == {"KB-0002", "KB-0003"}  # the other printing articles first
    assert "KB-0001" not in printing and len(printing) <= 5
    assert set(related["KB-0001"][0]) == {"id", "title", "url", "score"}
    generation = live_generation(site.root / ".kb-index")
    assert generation is not None
    json.loads((generation / "related.json").read_text(encoding="utf-8"))


def test_related_documents_follow_an_incremental_change(site: KnowledgeBaseFactory) -> None:
    build_index(site.root)
    article(site, "kb/printing/toner.md", "KB-0006", "印表機卡紙與列印佇列", PRINTING)
    build_index(site.root)
    related = read_related(site.root / ".kb-index")
    assert "KB-0006" in related
    assert any(item["id"] == "KB-0006" for item in related["KB-0001"])


def test_related_lists_change_only_with_what_they_are_made_of(
    site: KnowledgeBaseFactory,
) -> None:
    """An edit below a document's opening (the lists read its title, tags, headings and
    opening) keeps related.json as it was; a new title shows in the other documents' lists."""
    folder = site.root / ".kb-index"
    long_body = PRINTING + "\n".join(f"第 {n} 步：清除卡紙後重新列印測試頁。" for n in range(30))
    article(site, "kb/printing/long.md", "KB-0007", "印表機卡紙的處理步驟", long_body)
    build_index(site.root)
    before = live_generation(folder)
    assert before is not None
    path = site.root / "kb/printing/long.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n補充：完成後通知使用者。\n", "utf-8")
    assert build_index(site.root).updated == ("kb/printing/long.md",)
    after = live_generation(folder)
    assert after is not None and after != before
    kept, previous = (after / "related.json").stat(), (before / "related.json").stat()
    assert (kept.st_ino, kept.st_mtime_ns) == (previous.st_ino, previous.st_mtime_ns)  # same file

    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("印表機卡紙的處理步驟", "印表機卡紙的完整處理步驟"), "utf-8")
    build_index(site.root)
    titles = {
        item["id"]: item["title"] for items in read_related(folder).values() for item in items
    }
    assert titles["KB-0007"] == "印表機卡紙的完整處理步驟"


def test_a_rebuild_leaves_no_old_log_for_the_new_related_state(
    site: KnowledgeBaseFactory,
) -> None:
    """A write-ahead log left by a stopped build belongs to the old database: a rebuild
    removes it, or SQLite would replay it into the new one."""
    import shutil
    import sqlite3

    build_index(site.root)
    state = site.root / ".kb-index/internal/related.sqlite"
    db = sqlite3.connect(state)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("UPDATE docs SET title = 'stale'")
    db.execute("DELETE FROM fragments")
    db.commit()
    shutil.copy(f"{state}-wal", site.root / "left-wal")  # as a killed build leaves it
    db.close()
    shutil.copy(site.root / "left-wal", f"{state}-wal")
    build_index(site.root, rebuild=True)
    jam = site.root / "kb/printing/jam.md"
    jam.write_text(jam.read_text(encoding="utf-8") + "\n補充：碳粉匣也要檢查。\n", "utf-8")
    build_index(site.root)
    related = read_related(site.root / ".kb-index")
    assert set(related) == {"KB-0001", "KB-0002", "KB-0003", "KB-0004"}
    assert all(item["title"] != "stale" for items in related.values() for item in items)


@pytest.mark.parametrize(
    "damage",
    [
        "DROP TABLE vectors",
        "UPDATE docs SET counts = 'not json'",
        "UPDATE docs SET counts = NULL",
    ],
)
def test_a_damaged_related_state_is_rebuilt(site: KnowledgeBaseFactory, damage: str) -> None:
    import sqlite3

    build_index(site.root)
    db = sqlite3.connect(site.root / ".kb-index/internal/related.sqlite")
    db.execute(damage)
    db.commit()
    db.close()
    jam = site.root / "kb/printing/jam.md"
    jam.write_text(jam.read_text(encoding="utf-8") + "\n補充：碳粉匣也要檢查。\n", "utf-8")
    result = CliRunner().invoke(cli, ["-C", str(site.root), "index"])
    assert result.exit_code == 0 and "rebuilt" in result.output, result.output
    assert found(site.root, "碳粉匣") == ["KB-0001"]
    related = read_related(site.root / ".kb-index")
    assert set(related) == {"KB-0001", "KB-0002", "KB-0003", "KB-0004"}
    assert {item["id"] for item in related["KB-0001"]} >= {"KB-0002", "KB-0003"}


def test_a_related_state_that_cannot_be_replaced_is_a_clear_error(
    site: KnowledgeBaseFactory,
) -> None:
    (site.root / ".kb-index/internal/related.sqlite").mkdir(parents=True)
    (site.root / ".kb-index/.supportkb-index.json").write_text("{}")  # an index folder
    result = CliRunner().invoke(cli, ["-C", str(site.root), "index"])
    assert result.exit_code == 1 and "cannot replace" in result.output
    assert isinstance(result.exception, SystemExit)


@pytest.mark.parametrize(
    ("path", "url"),
    [
        ("kb/vpn/error-809.md", "https://kb.example/kb/vpn/error-809/"),
        ("docs/policies/sla.md", "https://kb.example/policies/sla/"),
        ("docs/index.md", "https://kb.example/"),
    ],
)
def test_page_url(path: str, url: str) -> None:
    assert page_url("https://kb.example/", path) == url


def test_plain_text_drops_markdown_but_keeps_what_agents_search_for() -> None:
    text = plain_text(
        "## 步驟\n\n1. 點選 **[設定](x.md)**，輸入 `<新密碼>`，開啟 `corp_vpn.xml`。<br>\n\n"
        "```powershell\nipconfig /flushdns\n```\n"
    )
    assert text.splitlines()[0] == "步驟"
    assert "點選 設定" in text and "<新密碼>" in text and "corp_vpn.xml" in text
    assert "ipconfig /flushdns" in text  # commands in code blocks are found
    assert "**" not in text and "<br>" not in text and "```" not in text


def test_a_file_fixed_without_a_new_timestamp_is_read_again(site: KnowledgeBaseFactory) -> None:
    import os

    good = site.root / "kb/vpn/809.md"
    text = good.read_text(encoding="utf-8")
    broken = "---\nid: [unclosed\n" + "x" * (len(text.encode()) - 18) + "\n---\n"
    stamp = good.stat().st_mtime_ns
    good.write_text(broken[: len(text.encode())], encoding="utf-8")
    os.utime(good, ns=(stamp, stamp))
    build_index(site.root)
    assert "KB-0004" not in found(site.root, "錯誤 809")
    good.write_text(text, encoding="utf-8")
    os.utime(good, ns=(stamp, stamp))  # same size, same time: only the content says
    report = build_index(site.root)
    assert "kb/vpn/809.md" in report.updated + report.added
    assert found(site.root, "錯誤 809")[0] == "KB-0004"


def test_restricted_and_archived_documents_are_in_no_related_list(
    site: KnowledgeBaseFactory,
) -> None:
    front = (
        "id: KB-0009\ntitle: 印表機卡紙 機密\nstatus: published\nowner: alice\n"
        "last_reviewed: 2026-10-01\nkind: troubleshooting\nvisibility: restricted"
    )
    site.document("kb/printing/secret.md", front, PRINTING)
    build_index(site.root)
    related = read_related(site.root / ".kb-index")
    assert "KB-0009" not in related
    assert all(item["id"] != "KB-0009" for items in related.values() for item in items)
