"""What the checker needs from a document's Markdown body: headings, relative links, secrets."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from supportkb.findings import Finding, error
from supportkb.model import Heading, Link

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
_HEADING = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_LINK_LINE = re.compile(r"^.*\][(:].*$", re.MULTILINE)
_INLINE_CODE = re.compile(r"`+[^`\n]*`+")
_INLINE_LINK = re.compile(r"!?\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)\n]*)?\)")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*<?(\S+?)>?(?:\s|$)")
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|#|/)")

_PASSWORD_WORDS = (
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "api_key",
    "api-key",
    "apikey",
    "access_token",
    "access-token",
    "accesstoken",
    "密碼",
    "密码",
    "口令",
)
# (what it is, words one of which must appear in the lower-cased text, the pattern): the cheap
# substring test spares the regular expressions on the great majority of documents
_SECRET_PATTERNS: tuple[tuple[str, tuple[str, ...], re.Pattern[str]], ...] = (
    (
        "a private key",
        ("private key",),
        re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ),
    ("an AWS access key", ("akia", "asia"), re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    (
        "a GitHub token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})"),
    ),
    ("a Slack token", ("xox",), re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    (
        "a JSON web token",
        ("eyj",),
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ),
    (
        "a password or access token",
        _PASSWORD_WORDS,
        re.compile(
            r"(?i)(?:" + "|".join(re.escape(w) for w in _PASSWORD_WORDS) + r")"
            r"\s*[:=：]\s*[\"'`]?(?P<value>[!-~]{6,})"
        ),
    ),
)
# values that describe a secret without being one
_PLACEHOLDER = re.compile(r"^[<\[{(*xX.•-]|^(?:your|new|old|example|changeme|placeholder)", re.I)


@dataclass(frozen=True)
class BodyFacts:
    headings: tuple[Heading, ...]
    links: tuple[Link, ...]
    secrets: tuple[Finding, ...]


def read_body(path: str, body: str, first_line: int) -> BodyFacts:
    """Scan the whole body with a few regular expressions (one pass each, not per line)."""
    fenced = _fenced_spans(body)

    def line_of(position: int) -> int:
        return first_line + body.count("\n", 0, position)

    def outside_code(position: int) -> bool:
        return not any(start <= position < end for start, end in fenced)

    headings = tuple(
        Heading(len(match.group(1)), match.group(2), line_of(match.start()))
        for match in _HEADING.finditer(body)
        if outside_code(match.start())
    )
    links: list[Link] = []
    if "](" in body or "]:" in body:
        for match in _LINK_LINE.finditer(body):
            if outside_code(match.start()):
                links.extend(_relative_links(match.group(0), line_of(match.start())))
    return BodyFacts(headings, tuple(links), tuple(find_secrets(path, body, first_line)))


def _fenced_spans(body: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    opening: re.Match[str] | None = None
    for match in _FENCE.finditer(body):
        if opening is None:
            opening = match
        elif match.group(1)[0] == opening.group(1)[0] and len(match.group(1)) >= len(
            opening.group(1)
        ):
            spans.append((opening.start(), match.end()))
            opening = None
    if opening is not None:
        spans.append((opening.start(), len(body)))
    return spans


def _relative_links(text: str, line: int) -> list[Link]:
    text = _INLINE_CODE.sub("", text)
    targets = [match.group(1) for match in _INLINE_LINK.finditer(text)]
    definition = _REFERENCE_DEFINITION.match(text)
    if definition:
        targets.append(definition.group(1))
    links = []
    for target in targets:
        if _EXTERNAL.match(target):
            continue
        target = unquote(target.split("#", 1)[0].split("?", 1)[0])
        if target:
            links.append(Link(target, line))
    return links


def find_secrets(path: str, text: str, first_line: int) -> list[Finding]:
    """Lines that look like they hold a credential (the value itself is never repeated)."""
    found: dict[int, Finding] = {}
    lowered = text.lower()
    for what, triggers, pattern in _SECRET_PATTERNS:
        if not any(word in lowered for word in triggers):
            continue
        for match in pattern.finditer(text):
            value = match.groupdict().get("value")
            if value is not None and _PLACEHOLDER.match(value):
                continue
            line = first_line + text.count("\n", 0, match.start())
            shown = (value or match.group(0))[:2] + "…"
            found.setdefault(
                line,
                error(
                    path,
                    line,
                    "secret",
                    f"this line looks like it contains {what} ({shown})",
                    "remove it and rotate the credential; documents say where a secret is kept, "
                    "never the secret itself",
                ),
            )
    return [found[line] for line in sorted(found)]
