"""The end of every document page: "有幫助嗎？" and "回報內容有誤或過時", from the page to its
owner (the support rules: improve the knowledge base from use).

What the block carries is decided here: the document's id and title, and for static hosting
where a report goes: a new issue in the repository when mkdocs.yml's `repo_url` is a GitHub or
GitLab address, else an e-mail to the document's owner (addresses and URLs pass
`supportkb.documents.urls` first; neither: no channel). How it looks is the template
`feedback.html` (a site may override it, see `supportkb.site.rendering`); what it does is
`assets/supportkb/feedback.js`: under `kb serve` it posts to `/api/feedback`, elsewhere it
opens the link with the reader's comment added.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup

from supportkb.documents.model import Document
from supportkb.site.pages import SiteModel
from supportkb.site.provenance import repository_host
from supportkb.site.rendering import esc

SUBJECT = "[{id}] {title}：內容有誤或過時"
BODY = "文件：{id} {title}\n\n哪裡有誤或過時：\n"


@dataclass(frozen=True)
class Channel:
    """Where a report goes without `kb serve`: a URL and the names of its two parameters."""

    url: str  # `mailto:owner@example.com` or `https://github.com/org/kb/issues/new`
    subject: str  # the parameter for the subject or title
    body: str  # the parameter for the text

    def link(self, subject: str, body: str) -> str:
        """The URL with the subject and the text filled in (as feedback.js makes it)."""
        return f"{self.url}?{self.subject}={_encode(subject)}&{self.body}={_encode(body)}"


def document_footer(site: SiteModel, document: Document, repo_url: str | None) -> str:
    """The feedback block, placed after everything else on the page."""
    channel = issue_channel(repo_url) or mail_channel(site, document)
    subject = SUBJECT.format(id=document.id, title=document.title)
    body = BODY.format(id=document.id, title=document.title)
    block = site.render(
        "feedback.html",
        document=document,
        channel=channel,
        subject=subject,
        body=Markup(esc(body).replace("\n", "&#10;")),  # one line: no blank line in the block
        link=channel.link(subject, body) if channel else "",
    )
    return "\n\n" + block


def issue_channel(repo_url: str | None) -> Channel | None:
    """A new issue in the repository, when `repo_url` is a GitHub or GitLab address."""
    host = repository_host(repo_url)
    if host is None:
        return None
    if host.kind == "github":
        return Channel(f"{host.url}/issues/new", "title", "body")
    return Channel(f"{host.url}/-/issues/new", quote("issue[title]"), quote("issue[description]"))


def mail_channel(site: SiteModel, document: Document) -> Channel | None:
    """An e-mail to the document's owner (a team without an address: its active members)."""
    _, url = site.owner_mailto(document.owner)
    return Channel(url, "subject", "body") if url else None


def _encode(text: str) -> str:
    """Percent-encoded as JavaScript's encodeURIComponent does (spaces as %20, not +)."""
    return quote(text, safe="-_.!~*'()")
