"""The site's Content-Security-Policy: scripts only from the site's own files.

Our own scripts are files (`assets/supportkb/*.js`). Material's theme writes a few small inline
scripts into every page (its storage helpers, the colour palette, the tab from the URL); they
differ only by the page's depth. Rather than allowing every inline script (`'unsafe-inline'`,
which would also run one injected into a page), the build hashes the inline scripts it wrote:
each page carries a `<meta http-equiv>` policy with its own hashes (for any static web server),
and the site gets `POLICY_FILE` with every page's hashes, from which `kb serve` sends the same
policy as a header. Material's `__config` block is JSON (`type="application/json"`), which a
browser never runs, so it needs no hash.

Styles keep `'unsafe-inline'`: Mermaid writes `<style>` elements into each diagram it draws in
the browser, and Material sets `style` attributes from its scripts; a style cannot run code.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

POLICY_FILE = "assets/supportkb/content-security-policy.json"
_INLINE_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_SRC = re.compile(r"\bsrc\s*=", re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_CHARSET = re.compile(r"\s*<meta\s+charset\s*=[^>]*>", re.IGNORECASE)
_SCRIPT_TYPES = {"", "text/javascript", "application/javascript", "module"}
_HASH = re.compile(r"sha256-[A-Za-z0-9+/]{43}=")


def inline_script_hashes(page: str) -> set[str]:
    """`sha256-...` of every inline script a browser would run in this page."""
    hashes = set()
    for match in _INLINE_SCRIPT.finditer(page):
        attributes, body = match.group(1), match.group(2)
        kind = _TYPE.search(attributes)
        if _SRC.search(attributes) or (kind and kind.group(1).lower() not in _SCRIPT_TYPES):
            continue
        digest = hashlib.sha256(body.encode("utf-8")).digest()
        hashes.add("sha256-" + base64.b64encode(digest).decode("ascii"))
    return hashes


def policy(script_hashes: set[str] | frozenset[str], *, in_page: bool = False) -> str:
    """The policy text; `in_page` leaves out what a `<meta>` policy may not hold."""
    scripts = " ".join(["'self'", *(f"'{h}'" for h in sorted(script_hashes))])
    directives = [
        "default-src 'self'",
        f"script-src {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    if not in_page:
        directives.append("frame-ancestors 'none'")  # ignored (with an error) in a <meta>
    return "; ".join(directives)


def with_policy_meta(page: str, script_hashes: set[str]) -> str:
    """The page with its policy as the first element of its <head> (before any script)."""
    head = _HEAD.search(page)
    if head is None:
        return page
    at = head.end()
    charset = _CHARSET.match(page, at)
    if charset is not None:
        at = charset.end()  # the charset stays within the first 1024 bytes, as browsers need
    text = policy(script_hashes, in_page=True)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{text}">'
    return page[:at] + meta + page[at:]


def policy_file_text(script_hashes: set[str]) -> str:
    return json.dumps({"format_version": 1, "script_hashes": sorted(script_hashes)}, indent=1)


def site_policy(site_folder: Path | None) -> str:
    """The header policy for a built site: its recorded hashes (none: only the site's files)."""
    if site_folder is None:
        return policy(set())
    try:
        data = json.loads((site_folder / POLICY_FILE).read_text(encoding="utf-8"))
        hashes = {str(h) for h in data.get("script_hashes", []) if _HASH.fullmatch(str(h))}
    except (OSError, ValueError, AttributeError):
        hashes = set()  # a site built before hashes were recorded: its inline scripts are refused
    return policy(hashes)


class SitePolicy:
    """The header policy of a served site, read again when `kb serve --watch` rebuilt it."""

    def __init__(self, site_folder: Path | None) -> None:
        self.site_folder = site_folder
        self._stamp: int | None = -1  # not read yet
        self._text = policy(set())

    def text(self) -> str:
        if self.site_folder is None:
            return self._text
        try:
            stamp: int | None = (self.site_folder / POLICY_FILE).stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._stamp = stamp
            self._text = site_policy(self.site_folder)
        return self._text
