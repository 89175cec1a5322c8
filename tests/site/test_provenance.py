"""Where a site comes from (`supportkb.site.provenance`): the commit's page on GitHub or
GitLab, the build day from SOURCE_DATE_EPOCH, and the stamp outside git."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from supportkb.errors import FatalError
from supportkb.site.provenance import (
    BuildStamp,
    read_stamp,
    repository_host,
    source_date,
    stamp_html,
)

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    "repo_url, page",
    [
        ("https://github.com/org/kb/", f"https://github.com/org/kb/commit/{SHA}"),
        ("https://gitlab.example.com/g/kb", f"https://gitlab.example.com/g/kb/-/commit/{SHA}"),
        ("https://example.com/org/kb", None),
        ("https://github.com/", None),
        ("javascript:alert(1)//github.com/x", None),
        (None, None),
    ],
)
def test_a_commit_is_linked_to_its_page_on_github_or_gitlab(
    repo_url: str | None, page: str | None
) -> None:
    host = repository_host(repo_url)
    assert (host.commit_url(SHA) if host else None) == page


def test_the_build_day_may_come_from_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795478400")  # 2026-11-24 00:00 UTC
    assert source_date() == date(2026, 11, 24)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(FatalError, match="SOURCE_DATE_EPOCH"):
        source_date()
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert source_date() is None


def test_outside_git_the_stamp_says_so(tmp_path: Path) -> None:
    stamp = read_stamp(tmp_path, "https://github.com/org/kb", date(2026, 11, 24))
    assert stamp.commit is None and "not a git repository" in stamp.problem
    assert "建置自 不在 git 儲存庫中" in stamp_html(stamp)


def test_the_stamp_escapes_what_it_shows() -> None:
    stamp = BuildStamp(date(2026, 11, 24), SHA, 'https://x/"><script>', uncommitted=True)
    shown = stamp_html(stamp)
    assert "<script>" not in shown and "含未提交的變更" in shown
