"""The one gate for values from `owners.yml` or a front-matter that become a link.

A value is a link only when it is plainly one of three harmless kinds: a `mailto:` with
conservative addresses, an absolute `http(s):` URL with a host, or a relative link that stays
inside the site. Anything else (`javascript:`, `data:`, `vbscript:`, mixed case, leading spaces
or control characters, entity-encoded schemes, brackets that would break Markdown) is no link:
callers show it as escaped text. The checks are deliberately narrower than the standards: an
address that a reviewer cannot read at a glance is not worth a link.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

# local part: letters, digits and . _ % + - ; domain: dot-separated labels, a letter TLD.
# No spaces, quotes, brackets, parentheses, angle brackets, backslashes or control characters.
_EMAIL = re.compile(
    r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)
# characters allowed in an http(s) URL or a relative link: RFC 3986's unreserved and reserved
# ones and '%', less those Markdown acts on even inside an HTML attribute ([ ] ( ) * `): so no
# spaces, quotes, brackets, angle brackets, backslashes, braces or control characters. A URL
# that needs them can percent-encode them (an IPv6 literal host is not accepted).
_URL_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~:/?#@!$&'+,;=%]+")
_CHAT_HANDLE = re.compile(r"@?[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_CHARACTER_REFERENCE = re.compile(r"&(?:#|[A-Za-z][A-Za-z0-9]*;)")  # `&#58;`, `&colon;`
MAX_LENGTH = 2000


def is_email(value: str) -> bool:
    """True for one plain address (`name@example.com`), nothing around it."""
    return len(value) <= 254 and _EMAIL.fullmatch(value) is not None


def mailto_url(addresses: list[str]) -> str | None:
    """`mailto:a@x,b@y` for valid addresses, None when any one is not valid (no partial links)."""
    if not addresses or not all(is_email(address) for address in addresses):
        return None
    return "mailto:" + ",".join(addresses)


def web_url(value: str) -> str | None:
    """An absolute http(s) URL with a host, as written; None for anything else."""
    if not _plain(value):
        return None
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if not value.lower().startswith(parts.scheme.lower() + "://"):
        return None  # `http:host` or `http:/host`: browsers guess, we do not
    return value


def site_relative_url(value: str) -> str | None:
    """A relative link that stays inside the site (`../kb/x/`, `#anchor`); None otherwise."""
    if not _plain(value) or value.startswith(("/", "\\")):
        return None  # `//host` is another site, `/x` may leave a site served under a path
    first_segment = re.split(r"[/?#]", value, maxsplit=1)[0]
    if ":" in first_segment:
        return None  # a scheme (`javascript:`), not a path
    return value


def safe_url(value: object) -> str | None:
    """The URL to put in `href` (still to be HTML-escaped), or None: show the value as text."""
    if not isinstance(value, str):
        return None
    if value.lower().startswith("mailto:"):
        return mailto_url(value[len("mailto:") :].split(","))
    if ":" in re.split(r"[/?#]", value, maxsplit=1)[0]:
        return web_url(value)
    return site_relative_url(value)


def chat_problem(value: str) -> str | None:
    """Why an owners.yml `chat:` value is not a chat handle or an http(s) link (None if fine)."""
    if _CHAT_HANDLE.fullmatch(value) or web_url(value):
        return None
    return "is neither a chat handle (@name) nor an http(s) link"


def link_html(url: str | None, text: str) -> str:
    """An `<a>` when the URL passed `safe_url`, else the text alone; both escaped."""
    label = html.escape(text, quote=True)
    if url is None:
        return label
    return f'<a href="{html.escape(url, quote=True)}">{label}</a>'


def _plain(value: str) -> bool:
    return (
        0 < len(value) <= MAX_LENGTH
        and _URL_CHARACTERS.fullmatch(value) is not None
        and _CHARACTER_REFERENCE.search(value) is None  # written to be decoded: not plain
    )
