"""How `kb check` results are written: text for people, JSON for tools, GitHub annotations for
pull requests and JUnit XML for CI dashboards. Each formatter returns a string."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable

from supportkb.checking.check import CheckResult
from supportkb.documents.findings import Finding

JSON_FORMAT_VERSION = 1


def printable(text: str) -> str:
    """Control characters from a document (escape sequences, newlines) shown, not obeyed."""
    if text.isprintable():
        return text
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def as_text(result: CheckResult) -> str:
    lines = []
    for f in result.findings:
        where = printable(f"{f.path}:{f.line}" if f.line else f.path)
        lines.append(f"{where}: {f.severity.value} [{f.code}] {printable(f.message)}")
        if f.hint:
            lines.append(f"    fix: {printable(f.hint)}")
    lines.append(_summary_line(result))
    return "\n".join(lines)


def _summary_line(result: CheckResult) -> str:
    def plural(count: int, word: str) -> str:
        return f"{count} {word}{'' if count == 1 else 's'}"

    return (
        f"{plural(result.documents, 'document')} checked as of {result.as_of}: "
        f"{plural(result.errors, 'error')}, {plural(result.warnings, 'warning')}"
    )


def as_json(result: CheckResult) -> str:
    payload = {
        "format_version": JSON_FORMAT_VERSION,
        "as_of": result.as_of.isoformat(),
        "findings": [
            {
                "path": f.path,
                "line": f.line,
                "severity": f.severity.value,
                "code": f.code,
                "message": f.message,
                "hint": f.hint,
            }
            for f in result.findings
        ],
        "summary": {
            "documents": result.documents,
            "errors": result.errors,
            "warnings": result.warnings,
        },
    }
    return json.dumps(payload, ensure_ascii=False, indent=2)


def as_github(result: CheckResult) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    lines = []
    for f in result.findings:
        props = f"file={_gh_property(f.path)},line={max(f.line, 1)},title={_gh_property(f.code)}"
        text = f"{f.message}. Fix: {f.hint}" if f.hint else f.message
        lines.append(f"::{f.severity.value} {props}::{_gh_data(text)}")
    lines.append(_summary_line(result))
    return "\n".join(lines)


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def as_junit(result: CheckResult) -> str:
    """One test case per file with findings, errors as failures (warnings go to system-out);
    `tests` counts those files. Text is made printable: XML 1.0 has no control characters."""
    import xml.etree.ElementTree as ET  # only the junit format pays the import

    by_path: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        by_path[f.path].append(f)
    suite = ET.Element(
        "testsuite",
        name="kb check",
        tests=str(len(by_path)),
        failures=str(sum(1 for fs in by_path.values() if any(_is_error(f) for f in fs))),
        errors="0",
        timestamp=result.as_of.isoformat(),
    )
    for path, findings in sorted(by_path.items()):
        case = ET.SubElement(suite, "testcase", classname="kb.check", name=printable(path))
        errors = [f for f in findings if _is_error(f)]
        if errors:
            failure = ET.SubElement(
                case, "failure", message=printable(errors[0].message), type=errors[0].code
            )
            failure.text = "\n".join(_junit_line(f) for f in errors)
        warnings = [f for f in findings if not _is_error(f)]
        if warnings:
            ET.SubElement(case, "system-out").text = "\n".join(_junit_line(f) for f in warnings)
    return ET.tostring(suite, encoding="unicode", xml_declaration=True)


def _is_error(f: Finding) -> bool:
    return f.severity.value == "error"


def _junit_line(f: Finding) -> str:
    text = f"{f.path}:{f.line}: [{f.code}] {f.message}" + (f" (fix: {f.hint})" if f.hint else "")
    return printable(text)


FORMATTERS: dict[str, Callable[[CheckResult], str]] = {
    "text": as_text,
    "json": as_json,
    "github": as_github,
    "junit": as_junit,
}
