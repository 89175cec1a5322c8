"""The register (`supportkb.site.register`): one entry per document as of a date, for an
audience; the site's register page and CSV, and the audit pack's register as of a past date,
are written from it."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from git_repo import BOB, DatedRepo, policy
from supportkb.documents.model import DocType, Status, Visibility
from supportkb.history.reading import read_histories
from supportkb.site.build import build_site
from supportkb.site.register import RegisterEntry, register_csv, register_entries, register_html
from supportkb.workspace.freshness import Freshness
from supportkb.workspace.knowledge_base import load_knowledge_base
from supportkb.workspace.settings import KnowledgeBaseConfig

from conftest import KnowledgeBaseFactory

PATH = "docs/policies/data-retention.md"
SECRET = "docs/policies/secret.md"
OLD = "docs/policies/old.md"


def _repo(tmp_path: Path) -> DatedRepo:
    (tmp_path / "kb").mkdir()
    kb = KnowledgeBaseFactory(tmp_path / "kb")
    kb.write("docs/index.md", "# 首頁\n")
    kb.write(".gitignore", "site/\n.kb/\n")
    repo = DatedRepo(kb.root)
    repo.write(PATH, policy("1.0", effective="2026-01-01", last_reviewed="2025-12-20"))
    repo.commit("1.0", on="2025-12-20")
    old = policy("1.0", doc_id="POL-0003", status="deprecated", last_reviewed="2025-06-01")
    repo.write(OLD, old)
    secret = policy("2.0", doc_id="POL-0002", body="ZEBRA-77。")
    repo.write(
        SECRET, secret.replace("status: published\n", "status: published\nvisibility: restricted\n")
    )
    repo.commit("more", on="2026-01-10")
    rows = (("1.0", "2025-12-20", "初版", "bob"),)
    newer = policy(
        "1.1",
        effective="2026-06-01",
        last_reviewed="2026-05-01",
        reviewers="[alice, carol]",
        rows=rows,
    )
    repo.write(
        PATH, newer.replace("status: published\n", "status: published\nsupersedes: POL-0003\n")
    )
    repo.commit("1.1", on="2026-05-01", author=BOB)
    return repo


def _entries(repo: DatedRepo, day: date, audience: str = "internal") -> dict[str, RegisterEntry]:
    kb = load_knowledge_base(repo.root, use_cache=False)
    histories = read_histories(repo.root, kb.documents, kb.registry)
    return {
        e.id: e
        for e in register_entries(kb.documents, histories, KnowledgeBaseConfig(), day, audience)
    }


def test_the_register_as_of_a_past_date_describes_the_documents_as_they_stood(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path)
    then = _entries(repo, date(2026, 3, 1))
    policy_then = then["POL-0001"]
    assert policy_then.version == "1.0" and policy_then.in_force == "1.0"
    assert policy_then.last_reviewed == date(2025, 12, 20)
    assert policy_then.next_review == date(2026, 12, 20)
    assert policy_then.freshness is Freshness.CURRENT
    assert policy_then.superseded_by is None and policy_then.supersedes is None
    assert _entries(repo, date(2025, 12, 31)).keys() == {"POL-0001"}  # the others came later
    now = _entries(repo, date(2026, 12, 10))
    assert now["POL-0001"].version == now["POL-0001"].in_force == "1.1"
    assert now["POL-0001"].reviewers == ("alice", "carol")
    assert now["POL-0001"].freshness is Freshness.CURRENT  # reviewed 2026-05-01: due 2027-05-01
    assert now["POL-0003"].freshness is Freshness.EXEMPT  # deprecated
    # the state on the day read: POL-0002 is due 2026-12-20
    secret = {
        d: _entries(repo, date.fromisoformat(d), "restricted")["POL-0002"]
        for d in ("2026-11-01", "2026-12-10", "2026-12-21")
    }
    assert [e.freshness for e in secret.values()] == [
        Freshness.CURRENT,
        Freshness.DUE_SOON,
        Freshness.OVERDUE,
    ]
    assert now["POL-0001"].supersedes == "POL-0003" and now["POL-0003"].superseded_by == "POL-0001"
    assert now["POL-0001"].visibility is Visibility.INTERNAL
    assert now["POL-0001"].approved_by == "bob"


def test_a_restricted_document_is_listed_by_id_type_owner_and_status_only(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path)
    internal = _entries(repo, date(2026, 6, 1))["POL-0002"]
    assert internal.withheld and internal.title == internal.path == ""
    assert (internal.type, internal.owner, internal.status) == (
        DocType.POLICY,
        "alice",
        Status.PUBLISHED,
    )
    assert internal.version is None and internal.approved_by is None
    text = register_csv([internal]) + register_html([internal], lambda e: "leak")
    assert "ZEBRA" not in text and "資料保存辦法" not in text and "leak" not in text
    assert "POL-0002" not in _entries(repo, date(2026, 6, 1), "public")
    assert not _entries(repo, date(2026, 6, 1), "restricted")["POL-0002"].withheld


def test_the_site_s_register_shows_the_day_the_commit_and_the_new_columns(
    tmp_path: Path,
) -> None:
    repo = _repo(tmp_path)
    head = repo.git("rev-parse", "HEAD").strip()
    site = build_site(repo.root, date(2026, 11, 24), tmp_path / "site").site_dir
    page = (site / "register/index.html").read_text(encoding="utf-8")
    assert "截至 2026-11-24 的文件清單" in page and f"<code>{head[:10]}</code>" in page
    assert "（限閱文件，標題不公開）" in page and "ZEBRA" not in page
    for heading in ("時效", "複審人", "可見範圍", "核准", "取代關係"):
        assert f'data-label="{heading}"' in page, heading
    rows = list(csv.DictReader(io.StringIO((site / "register.csv").read_text("utf-8-sig"))))
    by_id = {r["id"]: r for r in rows}
    assert by_id["POL-0001"]["freshness"] == "現行"
    assert by_id["POL-0001"]["reviewers"] == "alice, carol"
    assert by_id["POL-0001"]["visibility"] == "internal"
    assert by_id["POL-0003"]["superseded_by"] == "POL-0001"
    assert by_id["POL-0002"]["title"] == "" and by_id["POL-0002"]["owner"] == "alice"
