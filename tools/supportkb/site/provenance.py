"""Where a site comes from: the commit it was built from and the day it was built, which the
footer of every page and the register name (an auditor must know what they are reading).

The commit is HEAD of the checkout's git repository, linked to its page when mkdocs.yml's
`repo_url` is a GitHub or GitLab address (URLs pass `supportkb.documents.urls`); a checkout
outside git, or one with changes not committed, is said to be so. The build day is the
build's `as_of` (`kb build --date`, the plugin's `build_date`, else `SOURCE_DATE_EPOCH`, else
today), so that a test or a reproducible build fixes it.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from supportkb.documents.urls import web_url
from supportkb.errors import FatalError
from supportkb.history.git import GitHistory

SHORT_SHA = 10


@dataclass(frozen=True)
class RepositoryHost:
    """A repository on GitHub or GitLab: its web address and how its pages are named."""

    url: str  # https://github.com/org/kb
    kind: str  # github or gitlab

    def commit_url(self, sha: str) -> str:
        path = "/-/commit/" if self.kind == "gitlab" else "/commit/"
        return f"{self.url}{path}{quote(sha)}"


def repository_host(repo_url: str | None) -> RepositoryHost | None:
    """The host of `repo_url` when it is a GitHub or GitLab repository's address."""
    url = web_url(repo_url.rstrip("/")) if repo_url else None
    if url is None or not urlsplit(url).path.strip("/"):
        return None  # a host alone is no repository
    labels = (urlsplit(url).hostname or "").split(".")
    for kind in ("github", "gitlab"):
        if kind in labels:
            return RepositoryHost(url, kind)
    return None


@dataclass(frozen=True)
class BuildStamp:
    """The commit a site was built from (None outside git or before the first commit), and
    the day it was built."""

    built_on: date
    commit: str | None = None
    commit_url: str | None = None  # its page on GitHub/GitLab
    uncommitted: bool = False  # the checkout had changes not committed
    problem: str = ""  # why there is no commit, in words for the reader

    @property
    def short(self) -> str:
        return self.commit[:SHORT_SHA] if self.commit else ""


def read_stamp(root: Path, repo_url: str | None, built_on: date) -> BuildStamp:
    """The stamp of a build of the checkout at `root`; never fails for lack of git."""
    try:
        git = GitHistory.open(root, allow_shallow=True)  # HEAD is known in a shallow clone
        head = git.head()
        uncommitted = head is not None and git.has_changes()
    except FatalError:
        return BuildStamp(built_on, problem="不在 git 儲存庫中 (not a git repository)")
    if head is None:
        return BuildStamp(built_on, problem="尚無任何提交 (no commit yet)")
    host = repository_host(repo_url)
    return BuildStamp(built_on, head, host.commit_url(head) if host else None, uncommitted)


def source_date() -> date | None:
    """The day `SOURCE_DATE_EPOCH` names (reproducible builds), in UTC; None when unset."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        return datetime.fromtimestamp(int(value), UTC).date()
    except (ValueError, OverflowError, OSError):
        raise FatalError(
            f"SOURCE_DATE_EPOCH={value!r} is not a number of seconds since 1970"
        ) from None


STAMP_CLASS = "kb-build-stamp"


def with_stamp(copyright: str | None, stamp: BuildStamp) -> str:
    """The theme's footer line (mkdocs.yml's `copyright`, which Material prints as HTML) with
    the build's commit and day after it: on every page, 404 included."""
    own = (copyright or "").split(f'<span class="{STAMP_CLASS}"')[0].rstrip()  # a rebuild's
    return (own + " " if own else "") + stamp_html(stamp)


def stamp_html(stamp: BuildStamp) -> str:
    """ "建置自 <commit> · 建置日 <day>", the commit linked to its page when there is one."""
    if stamp.commit is None:
        source = html.escape(stamp.problem)
    else:
        short = f'<code title="{html.escape(stamp.commit)}">{html.escape(stamp.short)}</code>'
        if stamp.commit_url:
            short = f'<a href="{html.escape(stamp.commit_url, quote=True)}">{short}</a>'
        source = f"提交 {short}" + (
            "（含未提交的變更 uncommitted changes）" if stamp.uncommitted else ""
        )
    return (
        f'<span class="{STAMP_CLASS}">建置自 {source} · 建置日 '
        f'<time datetime="{stamp.built_on.isoformat()}">{stamp.built_on.isoformat()}</time></span>'
    )
