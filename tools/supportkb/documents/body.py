"""What the checker needs from a document's Markdown body: headings, relative links, secrets."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from supportkb.documents.findings import Finding, error
from supportkb.documents.model import Heading, Link

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.MULTILINE)
# patterns start with a literal character so that the regex engine can skip ahead quickly
_HEADING = re.compile(r"\n {0,3}(#{1,6})[ \t]+([^\n]+)")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_INLINE_LINK = re.compile(r"\[[^\]\n]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)\n]*)?\)")
_REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*<?(\S+?)>?(?:\s|$)", re.MULTILINE)
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
# (what it is, a cheap test, the pattern). The tests look for a word in the text's ASCII
# characters only (most of a Chinese document is not ASCII, so that is a short byte string to
# search); they spare the regular expressions on the great majority of documents.
_SECRET_PATTERNS: tuple[tuple[str, Callable[[bytes, str], bool], re.Pattern[str]], ...] = (
    (
        "a private key",
        lambda ascii_text, _: b"PRIVATE KEY" in ascii_text,
        re.compile(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY(?: BLOCK)?-----"),
    ),
    (
        "an AWS access key",
        lambda ascii_text, _: b"AKIA" in ascii_text or b"ASIA" in ascii_text,
        re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),
    ),
    (
        "a GitHub token",
        lambda ascii_text, _: b"gh" in ascii_text and b"_" in ascii_text,
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{50,})"),
    ),
    (
        "a Slack token",
        lambda ascii_text, _: b"xox" in ascii_text,
        re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    ),
    (
        "a JSON web token",
        lambda ascii_text, _: b"eyJ" in ascii_text,
        re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    ),
    (
        "a password or access token",
        lambda ascii_text, text: _mentions_password(ascii_text.lower(), text),
        re.compile(
            r"(?i)(?:" + "|".join(re.escape(w) for w in _PASSWORD_WORDS) + r")"
            r"\s*(?:[:=：]|為|是|\bis\b)\s*[\"'`]?(?P<value>[!-~]{6,})"
        ),
    ),
)


def _mentions_password(lowered_ascii: bytes, text: str) -> bool:
    return (
        b"pass" in lowered_ascii
        or b"pwd" in lowered_ascii
        or b"secret" in lowered_ascii
        or b"api" in lowered_ascii
        or b"token" in lowered_ascii
        or "密碼" in text
        or "密码" in text
        or "口令" in text
    )


# values that describe a secret without being one
_PLACEHOLDER = re.compile(
    r"^(?:<[^>]*>?|‹.*|\{\{.*|\[.*\]|x{3,}|X{3,}|\*{3,}|•{3,}|\.{3,}|-{3,})$"
    r"|^(?:your|new|old|example|changeme|placeholder)[-_]?(?:password|passwd|token|key)?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class BodyFacts:
    headings: tuple[Heading, ...]
    links: tuple[Link, ...]


def read_body(body: str, first_line: int) -> BodyFacts:
    """Scan the whole body with a few regular expressions (one pass each, not per line)."""
    fenced = _fenced_spans(body) if "``" in body or "~~~" in body else []

    counted = [0, first_line]  # position and line reached so far: matches come in order

    def line_of(position: int) -> int:
        if position < counted[0]:
            counted[:] = [0, first_line]
        counted[1] += body.count("\n", counted[0], position)
        counted[0] = position
        return counted[1]

    def in_code(position: int) -> bool:
        if any(start <= position < end for start, end in fenced):
            return True
        line_start = body.rfind("\n", 0, position) + 1
        return body.count("`", line_start, position) % 2 == 1  # inside an inline code span

    headings = tuple(
        Heading(len(match.group(1)), _heading_text(match.group(2)), line_of(match.start()))
        for match in _HEADING.finditer("\n" + body)  # a match starts at the newline before
        if not fenced or not in_code(match.start())
    )
    counted[:] = [0, first_line]
    found = [*_INLINE_LINK.finditer(body)] if "](" in body else []
    if "]:" in body:
        found.extend(_REFERENCE_DEFINITION.finditer(body))
    links = tuple(
        Link(target, line_of(match.start()))
        for match in sorted(found, key=lambda m: m.start())
        if not in_code(match.start()) and (target := _relative_target(match.group(1)))
    )
    return BodyFacts(headings, links)


def _heading_text(text: str) -> str:
    text = text.rstrip()
    return _CLOSING_HASHES.sub("", text).rstrip() if text.endswith("#") else text


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


def _relative_target(target: str) -> str:
    """The file part of a relative link; empty for external links, anchors and site paths."""
    if _EXTERNAL.match(target):
        return ""
    return unquote(target.split("#", 1)[0].split("?", 1)[0])


def find_secrets(path: str, text: str, first_line: int) -> list[Finding]:
    """Lines that look like they hold a credential (the value itself is never repeated)."""
    found: dict[int, Finding] = {}
    ascii_text = text.encode("ascii", "ignore")
    for what, present, pattern in _SECRET_PATTERNS:
        if not present(ascii_text, text):
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
