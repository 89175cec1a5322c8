from __future__ import annotations

import shutil
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml

from supportkb.documents.model import Document

AS_OF = date(2026, 11, 24)
REPO_ROOT = Path(__file__).resolve().parents[1]  # the checkout: its mkdocs.yml, docs/, tools/


QUERY_SET = REPO_ROOT / "tests" / "data" / "search_queries.yml"


def judged_ids() -> set[str]:
    """The shipped documents the query set was judged against (its `judged_against`)."""
    data = yaml.safe_load(QUERY_SET.read_text(encoding="utf-8"))
    return {str(doc_id) for doc_id in data["judged_against"]}


def shipped_content(destination: Path) -> Path:
    """A copy of the checkout's knowledge base (its settings, pages and documents) holding
    only the documents the tests know: those the query set was judged against. Tests that
    rank, count or show the shipped documents read this copy, so a document added to the
    knowledge base cannot change their answers; the added document itself is judged by
    `kb check` and by tests/test_starter_content.py, which read the checkout."""
    from supportkb.workspace.knowledge_base import load_knowledge_base

    destination.mkdir(parents=True, exist_ok=True)
    for name in ("mkdocs.yml", "owners.yml"):
        shutil.copy2(REPO_ROOT / name, destination / name)
    for name in ("kb", "sops", "docs", "templates", ".github"):
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, destination / name, symlinks=True)
    known = judged_ids()
    for document in load_knowledge_base(destination).documents:
        if document.id not in known:
            (destination / document.path).unlink()
    return destination


def last_recorded_day(document: Document) -> date:
    """The latest day a document records (its last review or drill; AS_OF for a draft, which
    records none): tests of the shipped content judge a document as of that day, never as of
    a fixed date (a document added today would be `date-in-future`) nor of the calendar's
    today (the content would go stale under the tests)."""
    days = [drill.date for drill in document.drills]
    if document.last_reviewed is not None:
        days.append(document.last_reviewed)
    return max(days, default=AS_OF)


MKDOCS_YML = """\
site_name: Test KB
theme:
  name: material
markdown_extensions:
  - pymdownx.emoji:
      emoji_index: !!python/name:material.extensions.emoji.twemoji
plugins:
  - search
  - supportkb:
      due_soon_days: 30
      products:
        ERP: "5.4.2"
        VPN: "7.2.1"
"""

OWNERS_YML = """\
people:
  - id: alice
    name: Alice Lin
    email: alice@example.com
  - id: bob
    name: Bob Chen
    email: bob@example.com
  - id: carol
    name: Carol Wang
    email: carol@example.com
    active: false
teams:
  - id: network
    name: Network
    members: [alice, bob]
"""

TROUBLESHOOTING_BODY = """\
# VPN 錯誤 809

## 症狀
連線逾時。

## 原因
防火牆擋住 UDP 500。

## 解決方法
請網路組開放連接埠。
"""


# a published emergency plan (sops/emergency/power.md), for tests that filter by type or alias
POWER_PLAN = (
    "---\nid: EP-0001\ntitle: 機房停電應變\nstatus: published\nowner: alice\nversion: '1'\n"
    "last_reviewed: 2026-10-01\nvisibility: internal\n---\n# 機房停電應變\n\n機房停電時依序關機。\n"
)


class KnowledgeBaseFactory:
    """Writes a tiny knowledge base in a temporary folder, one file at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
        (root / "owners.yml").write_text(OWNERS_YML, encoding="utf-8")

    def write(self, relative: str, text: str | bytes) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def document(self, relative: str, front: str, body: str = TROUBLESHOOTING_BODY) -> Path:
        return self.write(
            relative, "---\n" + textwrap.dedent(front).strip("\n") + "\n---\n\n" + body
        )

    def article(
        self, relative: str = "kb/vpn/error-809.md", body: str = TROUBLESHOOTING_BODY, **fields: str
    ) -> Path:
        return self.document(relative, article_front(**fields), body)


def article_front(**fields: str) -> str:
    """A published troubleshooting article's front-matter; `fields` override (and "" drops)."""
    values = {
        "id": "KB-0001",
        "title": "VPN 錯誤 809",
        "status": "published",
        "owner": "network",
        "last_reviewed": "2026-10-01",
        "kind": "troubleshooting",
    }
    values.update(fields)
    return "\n".join(f"{key}: {value}" for key, value in values.items() if value != "")


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    monkeypatch.setenv("SUPPORTKB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBaseFactory:
    return KnowledgeBaseFactory(tmp_path)


def codes(result: object) -> list[str]:
    return [f.code for f in result.findings]  # type: ignore[attr-defined]
