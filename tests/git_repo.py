"""Small git repositories with dated commits, for the tests of history, approvals, audit
packs and the site's history pages: `DatedRepo(kb.root)` turns a `KnowledgeBaseFactory`'s
folder into a repository, and `commit(on="2026-03-01")` records everything written so far as
committed on that day (GIT_COMMITTER_DATE and GIT_AUTHOR_DATE), by an author of owners.yml.

`policy(version=..., ...)` writes a policy's text (front-matter and a revision-history table)
as `kb approve` and `kb review --bump` leave it."""

from __future__ import annotations

import os
import subprocess
import textwrap
from pathlib import Path

ALICE = ("Alice Lin", "alice@example.com")  # alice, bob and carol are the test owners.yml's
BOB = ("Bob Chen", "bob@example.com")
STRANGER = ("Someone Else", "someone@example.org")  # in no owners.yml


class DatedRepo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._count = 0
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", ALICE[0])
        self.git("config", "user.email", ALICE[1])
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)}: {done.stderr}")
        return done.stdout

    def shallow_clone(self, destination: Path) -> Path:
        """A clone holding only the last commit (`git clone --depth 1`, as CI checks out by
        default): what history must refuse, or say it cannot read."""
        subprocess.run(
            ["git", "clone", "-q", "--depth", "1", f"file://{self.root}", str(destination)],
            check=True,
        )
        return destination

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def commit(
        self, message: str = "change", on: str = "2026-01-05", author: tuple[str, str] = ALICE
    ) -> str:
        """Commit everything in the folder, dated `on` (a second later than the commit
        before, so that commits of one day keep their order); returns the commit's sha."""
        self._count += 1
        stamp = f"{on}T09:{self._count // 60 % 60:02d}:{self._count % 60:02d}+08:00"
        env = {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_AUTHOR_DATE": stamp,
            "GIT_COMMITTER_DATE": stamp,
        }
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message, env=env)
        return self.git("rev-parse", "HEAD").strip()


def policy(
    version: str = "1.0",
    status: str = "published",
    *,
    doc_id: str = "POL-0001",
    approved_by: str | None = "bob",
    approved_on: str | None = None,
    effective: str | None = "2026-01-01",
    last_reviewed: str = "2025-12-20",
    reviewers: str = "[alice]",
    body: str = "資料保存期限為三年。",
    rows: tuple[tuple[str, str, str, str], ...] = (),
) -> str:
    """A policy's file; `rows` are its revision-history rows (version, date, change,
    approver), one for `version` added when not given."""
    front = {
        "id": doc_id,
        "title": "資料保存辦法",
        "status": status,
        "owner": "alice",
        "reviewers": reviewers,
        "last_reviewed": last_reviewed,
        "version": f'"{version}"',
        "effective": effective,
        "approved_by": approved_by,
        "approved_on": approved_on,
    }
    if not any(row[0] == version for row in rows):
        approver = approved_by or "待核准 pending"
        rows = (*rows, (version, last_reviewed, f"第 {version} 版", approver))
    table = "\n".join(f"| {' | '.join(row)} |" for row in rows)
    lines = "\n".join(f"{key}: {value}" for key, value in front.items() if value is not None)
    return textwrap.dedent(
        f"""\
---
{lines}
---

# 資料保存辦法

## 1. 目的

{body}

## 修訂紀錄

| 版本 | 日期 | 說明 | 核准人 |
| --- | --- | --- | --- |
{table}
"""
    )
