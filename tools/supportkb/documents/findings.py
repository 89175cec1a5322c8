"""What `kb check` reports: one `Finding` per problem, with where it is and how to fix it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from supportkb.documents.records import fast_pickle


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    path: str  # relative to the knowledge base root, with forward slashes
    line: int  # 1-based; 0 when the problem concerns the whole file
    severity: Severity
    code: str  # stable, kebab-case: documented in documents/finding_codes.py
    message: str
    hint: str = ""  # how to fix it

    @property
    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line, self.code, self.message)


fast_pickle(Finding)


def spreadsheet_cell(text: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: neutralise them (CSV
    exports carry front-matter text, which anyone can write)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def error(path: str, line: int, code: str, message: str, hint: str = "") -> Finding:
    return Finding(path, line, Severity.ERROR, code, message, hint)


def warning(path: str, line: int, code: str, message: str, hint: str = "") -> Finding:
    return Finding(path, line, Severity.WARNING, code, message, hint)
