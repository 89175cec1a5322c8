"""Everything `kb check` learns from one file alone: its `Document` and its own findings.

The result depends only on the file's bytes and the configured sections, so it can be cached
and computed in worker processes. Rules that look across documents or at the date live in
`supportkb.checking.rules`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from supportkb.documents.body import find_secrets, read_body
from supportkb.documents.fields import Location, build_document
from supportkb.documents.findings import Finding, error
from supportkb.documents.layout import checkout_folders
from supportkb.documents.model import Document, Heading
from supportkb.documents.records import fast_pickle
from supportkb.documents.sections import empty_section_findings, missing_sections, required_key
from supportkb.documents.source import MAX_FILE_BYTES, read_source
from supportkb.system.safe_read import OutsideCheckout, TooLarge, UnsafeFile, read_regular


@dataclass(frozen=True, slots=True)
class FileResult:
    document: Document | None  # None when the front-matter could not give at least an id
    findings: tuple[Finding, ...]


fast_pickle(FileResult)


@dataclass(frozen=True)
class SectionRules:
    required: Mapping[str, tuple[str, ...]]
    names: Mapping[str, tuple[str, ...]]


def analyse_file(root: Path, location: Location, sections: SectionRules) -> FileResult:
    """A document that is not a regular file, or a link out of the checkout, is a finding:
    it is never read (`supportkb.system.safe_read`)."""
    try:
        raw = read_regular(
            os.path.join(root, location.path), MAX_FILE_BYTES, lambda: checkout_folders(root)
        )
    except UnsafeFile as exc:
        return FileResult(None, (_unsafe_file(location.path, exc),))
    except OSError as exc:
        return FileResult(
            None,
            (
                error(
                    location.path,
                    0,
                    "unreadable",
                    f"cannot read the file: {exc.strerror}",
                    "check the file's permissions",
                ),
            ),
        )
    return analyse_bytes(location, raw, sections)


def _read(path: str) -> bytes:
    """A document's bytes: a regular file (or a link to one) of at most `MAX_FILE_BYTES`;
    anything else raises an `OSError` (`supportkb.system.safe_read`)."""
    return read_regular(path, MAX_FILE_BYTES)


def analyse_bytes(location: Location, raw: bytes, sections: SectionRules) -> FileResult:
    path = location.path
    source, findings = read_source(path, raw)
    if source is None:
        return FileResult(None, tuple(findings))
    facts = read_body(source.body, source.body_line)
    document, field_findings = build_document(
        location, source.front_matter, source.key_lines, facts.links
    )
    findings.extend(field_findings)
    findings.extend(find_secrets(path, source.text, 1))
    if document is not None:
        findings.extend(_section_findings(document, facts.headings, source.body_line, sections))
        findings.extend(
            empty_section_findings(
                document,
                facts.headings,
                source.body,
                source.body_line,
                sections.required,
                sections.names,
            )
        )
    return FileResult(document, tuple(findings))


def _section_findings(
    document: Document, headings: tuple[Heading, ...], body_line: int, sections: SectionRules
) -> list[Finding]:
    what = required_key(document).replace("/", " ")
    findings = []
    for key in missing_sections(document, headings, sections.required, sections.names):
        names = sections.names.get(key, (key,))
        examples = " / ".join(dict.fromkeys([names[0], *[n for n in names if n.isascii()][:1]]))
        findings.append(
            error(
                document.path,
                body_line,
                "section-missing",
                f"required section '{key}' is missing (every {what} needs it)",
                f"add a heading such as '## {names[0]}' (accepted: {examples}, or the Simplified "
                "Chinese form)",
            )
        )
    return findings


def _unsafe_file(path: str, exc: UnsafeFile) -> Finding:
    """The finding for a file that is not read, its code written out for each kind (the
    registry of finding codes collects the codes from the calls to `error`)."""
    if isinstance(exc, OutsideCheckout):
        return error(path, 0, "file-outside-checkout", exc.message, exc.hint)
    if isinstance(exc, TooLarge):
        return error(path, 0, "file-too-large", exc.message, exc.hint)
    return error(path, 0, "not-regular-file", exc.message, exc.hint)
