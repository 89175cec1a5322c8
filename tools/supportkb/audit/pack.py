"""`kb audit-pack --as-of DATE --output PACK.zip`: what an auditor takes away, as one zip.

    README.txt                     what the pack is and how to check it (繁中 and English)
    manifest.json                  the pack's facts and the SHA-256 of every other file
    commit.txt                     the commit the pack was made from
    register/register.csv          the register as of DATE (site/register.py's, every document)
    register/register.html
    approvals.csv                  every approval recorded by DATE
    reviews.csv                    every review recorded by DATE
    drills/records.csv             the emergency plans' drill records as they stood on DATE
    drills/reports/NAME.md         the drill reports (sops/emergency/drills/) as they stood
    documents/ID/history.json      the document's history: the object `kb history ID --json
                                   --date DATE` prints at the pack's commit
    documents/ID/in-force.md       the text of the version in force on DATE, as committed
    documents/ID/in-force.html     the same, rendered as the site renders it, self-contained

Every controlled document (SOP, emergency plan, policy) committed by DATE is in it. What is
"in force" is decided as `kb show --in-force-on` decides it (the effective date, not the
commit date). "Recorded by DATE" and "as they stood" mean committed on or before DATE (the
commit's own date).

Restricted documents (`visibility: restricted`) are withheld unless `include_restricted`:
the register names them by id, type, owner and status only (as the site's internal register
does) and the manifest lists their ids under "withheld", so an auditor knows they exist and
can ask for them; their text, history, approvals, reviews and drill records are left out. A
pack is a file that leaves the knowledge base's access control (it is mailed, copied to an
auditor's laptop), so what only some staff may read goes into it only when asked for; a pack
made with restricted content says so in its manifest ("restricted": "included") and README.

The same checkout, date and option give the same bytes (archive.py), so an auditor can remake
a pack from the commit it names and compare: the manifest proves the files unchanged since
the pack was made, the commit proves what it was made from.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from supportkb import __version__
from supportkb.audit.archive import UnsafeArchive, read_zip, zip_bytes
from supportkb.audit.rendering import MarkdownSettings, body_of, document_page, table_page
from supportkb.documents.findings import spreadsheet_cell
from supportkb.documents.layout import DRILL_REPORTS_DIR, TYPE_FOLDERS
from supportkb.documents.model import DocType, Document, Visibility
from supportkb.errors import FatalError, InvalidUsage
from supportkb.history.export import history_object
from supportkb.history.git import GitHistory
from supportkb.history.reading import read_histories
from supportkb.history.records import DocumentHistory, Revision
from supportkb.site.plugin import _EXTENSIONS as PLUGIN_EXTENSIONS
from supportkb.site.register import register_csv, register_entries, register_html
from supportkb.system.atomic import write_atomic
from supportkb.workspace.knowledge_base import load_knowledge_base
from supportkb.workspace.settings import KnowledgeBaseConfig

PACK_KIND = "supportkb-audit-pack"
PACK_FORMAT = 1
MANIFEST = "manifest.json"
SETTINGS_FILES = ("mkdocs.yml", "owners.yml")
_SAFE_ID = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True)
class AuditPack:
    """A pack in memory: its files (manifest included) and what it says about itself."""

    as_of: date
    commit: str
    files: dict[str, bytes]
    documents: tuple[str, ...]  # ids whose history and text are in it
    withheld: tuple[str, ...]  # restricted ids named in the register only

    def zip(self) -> bytes:
        return zip_bytes(self.files)


def make_pack(root: Path, as_of: date, include_restricted: bool = False) -> AuditPack:
    """The audit pack of the checkout at `root` as of `as_of` (see the module's docstring).
    `ShallowClone` in a shallow clone; `FatalError` before the first commit or when the
    documents or settings differ from the commit (the pack must say what it was made from)."""
    git = GitHistory.open(root)
    commit = git.head()
    if commit is None:
        raise FatalError("nothing is committed yet: an audit pack is made from a commit")
    watched = [*dict.fromkeys(TYPE_FOLDERS.values()), *SETTINGS_FILES]
    if git.has_changes([p for p in watched if (root / p).exists()]):
        raise FatalError(
            "the documents or settings have changes not committed: an audit pack names the "
            "commit it was made from, so commit or stash them first (git status)"
        )
    kb = load_knowledge_base(root)
    histories = read_histories(root, kb.documents, kb.registry, git)  # the register's too
    controlled = [d for d in kb.documents if d.type is not DocType.ARTICLE]
    existing = sorted(
        (d for d in controlled if _recorded(histories[d.id].revisions, as_of)), key=lambda d: d.id
    )
    withheld = tuple(
        d.id for d in existing if not include_restricted and _restricted(d, histories[d.id], as_of)
    )
    shown = [d for d in existing if d.id not in withheld]
    settings = MarkdownSettings.of_site(root, PLUGIN_EXTENSIONS)

    files: dict[str, bytes] = {"commit.txt": f"{commit}\n".encode()}
    for document in shown:
        files.update(_document_files(document, histories[document.id], as_of, settings))
    files["approvals.csv"] = _csv(APPROVAL_COLUMNS, _approval_rows(shown, histories, as_of))
    files["reviews.csv"] = _csv(REVIEW_COLUMNS, _review_rows(shown, histories, as_of))
    files.update(_drill_files(git, shown, existing, histories, as_of))
    files.update(
        _register_files(kb.documents, histories, kb.config, as_of, commit, include_restricted)
    )
    files["README.txt"] = _readme(as_of, commit, include_restricted, withheld).encode("utf-8")
    files[MANIFEST] = manifest_bytes(
        {
            "kind": PACK_KIND,
            "format": PACK_FORMAT,
            "as_of": as_of.isoformat(),
            "commit": commit,
            "made_with": f"supportkb {__version__}",
            "restricted": "included" if include_restricted else "withheld",
            "documents": [d.id for d in shown],
            "withheld": list(withheld),
        },
        files,
    )
    return AuditPack(as_of, commit, files, tuple(d.id for d in shown), withheld)


def write_pack(pack: AuditPack, output: Path, force: bool = False) -> bytes:
    """Write the pack's zip at `output` at once (a temporary file renamed: never half a zip
    there) and return it. Replaces an earlier audit pack; anything else only with `force`."""
    if output.is_dir():
        raise InvalidUsage(f"{output} is a folder: give the path of the zip file to write")
    if output.exists() and not force and not is_pack(output):
        raise FatalError(
            f"{output} exists and is not an audit pack; not overwriting it "
            "(choose another name, or --force to replace it)"
        )
    data = pack.zip()
    try:
        write_atomic(output, data)
    except OSError as exc:
        raise FatalError(f"{output}: cannot be written ({exc.strerror or exc})") from None
    return data


def is_pack(path: Path) -> bool:
    """Whether `path` is a zip holding an audit pack's manifest."""
    try:
        files = read_zip(path)
        manifest = json.loads(files[MANIFEST])
    except (UnsafeArchive, KeyError, ValueError, RecursionError):
        return False
    return isinstance(manifest, dict) and manifest.get("kind") == PACK_KIND


def manifest_bytes(facts: dict[str, Any], files: dict[str, bytes]) -> bytes:
    """The manifest: `facts` and, for every file but itself, its SHA-256 and size."""
    import hashlib

    listed = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for name, data in sorted(files.items())
        if name != MANIFEST
    }
    text = json.dumps({**facts, "files": listed}, ensure_ascii=False, indent=2)
    return (text + "\n").encode("utf-8")


# -- what is in it -----------------------------------------------------------------------------


def _recorded(revisions: Iterable[Revision], as_of: date) -> bool:
    return any(r.date.date() <= as_of for r in revisions)


def _restricted(document: Document, history: DocumentHistory, as_of: date) -> bool:
    """Restricted now, or in the text in force on the day (either is enough to withhold)."""
    if document.visibility is Visibility.RESTRICTED:
        return True
    in_force = history.in_force_on(as_of)
    if in_force is None:
        return False
    shown = in_force.text_on(as_of).document
    return shown is not None and shown.visibility is Visibility.RESTRICTED


def document_folder(doc_id: str) -> str:
    return f"documents/{_SAFE_ID.sub('_', doc_id)}"


def _document_files(
    document: Document, history: DocumentHistory, as_of: date, settings: MarkdownSettings
) -> dict[str, bytes]:
    folder = document_folder(document.id)
    state = history_object(history, document.title, as_of)
    files = {f"{folder}/history.json": _json(state)}
    version = history.in_force_on(as_of)
    if version is None:
        return files
    revision = version.text_on(as_of)
    files[f"{folder}/in-force.md"] = revision.text.encode("utf-8")
    title = revision.document.title if revision.document is not None else document.title
    name = version.version or version.commit[:10]
    facts = [
        ("文件 document", f"{document.id} {title}"),
        ("類型 type", document.type.value),
        ("版本 version", name),
        ("生效 in force from", _day(version.in_force_from)),
        ("生效日 effective", _day(version.effective)),
        ("核准 approved by", version.approved_by or "—"),
        ("核准日 approved on", _day(version.approved_on)),
        ("提交 commit", f"{revision.commit} ({revision.date.isoformat()})"),
        ("檔案 file", revision.path),
        ("現行於 in force on", as_of.isoformat()),
    ]
    note = (
        f"{as_of} 當日現行的版本（稽核包內容，唯讀）。"
        f" The version in force on {as_of}, as committed (audit pack copy, read-only)."
    )
    body = settings.render(body_of(revision.path, revision.text))
    page = document_page(f"{document.id} {name}：{title}", facts, note, body)
    files[f"{folder}/in-force.html"] = page.encode("utf-8")
    return files


APPROVAL_COLUMNS = (
    "id",
    "version",
    "approved_by",
    "approved_on",
    "effective",
    "in_force_from",
    "withdrawn_on",
    "in_force_on_as_of",
    "recorded_on",
    "recorded_by",
    "commit",
)
REVIEW_COLUMNS = (
    "id",
    "reviewed_on",
    "reviewer",
    "version",
    "recorded_on",
    "recorded_by",
    "commit",
)
DRILL_COLUMNS = ("plan", "date", "scenario", "report", "report_in_pack", "recorded_in")


def _approval_rows(
    documents: Sequence[Document], histories: dict[str, DocumentHistory], as_of: date
) -> list[list[str]]:
    rows = []
    for document in documents:
        history = histories[document.id]
        in_force = history.in_force_on(as_of)
        for version in reversed(history.versions):
            if not version.approved or not version.revisions:
                continue
            first = version.revisions[0]  # the commit that recorded the approval
            if first.date.date() > as_of:
                continue
            rows.append(
                [
                    document.id,
                    version.version or "",
                    version.approved_by or "",
                    _day(version.approved_on, ""),
                    _day(version.effective, ""),
                    _day(version.in_force_from, ""),
                    _day(version.withdrawn_on, "")
                    if version.withdrawn_on and version.withdrawn_on <= as_of
                    else "",
                    "yes" if version is in_force else "no",
                    first.date.date().isoformat(),
                    first.author.shown,
                    first.commit,
                ]
            )
    return rows


def _review_rows(
    documents: Sequence[Document], histories: dict[str, DocumentHistory], as_of: date
) -> list[list[str]]:
    rows = []
    for document in documents:
        for review in reversed(histories[document.id].reviews):
            if review.date.date() > as_of:
                continue
            rows.append(
                [
                    document.id,
                    review.on.isoformat(),
                    review.reviewer,
                    review.version or "",
                    review.date.date().isoformat(),
                    review.author.shown,
                    review.commit,
                ]
            )
    return rows


def _standing(history: DocumentHistory, as_of: date) -> Revision | None:
    """The document's last readable revision committed on or before `as_of`."""
    return next(
        (r for r in history.revisions if r.document is not None and r.date.date() <= as_of), None
    )


def _drill_files(
    git: GitHistory,
    shown: Sequence[Document],
    existing: Sequence[Document],
    histories: dict[str, DocumentHistory],
    as_of: date,
) -> dict[str, bytes]:
    """drills/records.csv and the reports as they stood on `as_of`; a restricted plan's
    reports are withheld with it."""
    reports = _reports_on(git, as_of)
    shown_ids = {d.id for d in shown}
    withheld_reports: set[str] = set()
    rows = []
    for document in existing:
        if document.type is not DocType.EMERGENCY_PLAN:
            continue
        history = histories[document.id]
        for revision in history.revisions:  # any report a restricted plan ever named
            if document.id not in shown_ids and revision.document is not None:
                withheld_reports.update(_report_paths(revision))
        standing = _standing(history, as_of)
        if document.id not in shown_ids or standing is None or standing.document is None:
            continue
        for drill in sorted(standing.document.drills, key=lambda d: (d.date, d.report)):
            if drill.date > as_of:
                continue
            path = _report_path(standing.path, drill.report)
            rows.append(
                [
                    document.id,
                    drill.date.isoformat(),
                    drill.scenario,
                    drill.report,
                    _report_entry(path) if path in reports else "",
                    standing.commit,
                ]
            )
    files = {"drills/records.csv": _csv(DRILL_COLUMNS, rows)}
    for path, data in reports.items():
        if path not in withheld_reports:
            files[_report_entry(path)] = data
    return files


def _report_paths(revision: Revision) -> set[str]:
    assert revision.document is not None
    return {_report_path(revision.path, d.report) for d in revision.document.drills}


def _report_path(plan_path: str, report: str) -> str:
    return posixpath.normpath(posixpath.join(posixpath.dirname(plan_path), report))


def _report_entry(path: str) -> str:
    return "drills/reports/" + posixpath.relpath(path, DRILL_REPORTS_DIR)


def _reports_on(git: GitHistory, as_of: date) -> dict[str, bytes]:
    """The files under the drill reports' folder as the last commit on or before `as_of`
    left them (path -> content)."""
    present: dict[str, str] = {}
    changes = [c for c in git.folder_changes([DRILL_REPORTS_DIR]) if c.commit.date.date() <= as_of]
    for change in reversed(changes):  # oldest first
        if change.old_path is not None and change.status == "R":
            present.pop(change.old_path, None)
        if change.status == "D":
            present.pop(change.path, None)
        else:
            present[change.path] = change.commit.sha
    wanted = sorted(
        (sha, path)
        for path, sha in present.items()
        if posixpath.dirname(path) == DRILL_REPORTS_DIR or path.startswith(DRILL_REPORTS_DIR + "/")
    )
    contents = git.read_many(wanted)
    found = zip(wanted, contents, strict=True)
    return {path: data for (_, path), data in found if data is not None}


# -- the register ------------------------------------------------------------------------------


def _register_files(
    documents: Sequence[Document],
    histories: Mapping[str, DocumentHistory],
    config: KnowledgeBaseConfig,
    as_of: date,
    commit: str,
    include_restricted: bool,
) -> dict[str, bytes]:
    """register/register.csv and register/register.html as of `as_of`: the site's register
    (site/register.py) of the internal audience, where restricted documents are named by id,
    type, owner and status only; of every audience with `include_restricted`."""
    audience = Visibility.RESTRICTED.value if include_restricted else Visibility.INTERNAL.value
    entries = register_entries(documents, histories, config, as_of, audience)
    note = (
        f"{as_of} 的文件清單，提交 {commit}。The register as of {as_of}, from commit {commit}."
    )
    page = table_page(f"文件清單 Register {as_of}", note, register_html(entries))
    return {
        "register/register.csv": register_csv(entries).encode("utf-8"),
        "register/register.html": page.encode("utf-8"),
    }


# -- formats -----------------------------------------------------------------------------------


def _day(value: date | None, none: str = "—") -> str:
    return value.isoformat() if value is not None else none


def _json(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _csv(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([spreadsheet_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # Excel reads UTF-8 with a BOM only


def _readme(as_of: date, commit: str, included: bool, withheld: Sequence[str]) -> str:
    restricted = (
        "本稽核包含限閱 (restricted) 文件的內容：請依機密資料處理。\n"
        "This pack INCLUDES restricted documents: handle it as confidential.\n"
        if included
        else (
            "限閱 (restricted) 文件僅列於文件清單（編號、類型、負責人、狀態），內容未收錄："
            f"{', '.join(withheld) or '無 none'}。\n"
            "Restricted documents are named in the register only (id, type, owner, status); "
            "ask for a pack made with --include-restricted to see them.\n"
        )
    )
    return (
        f"supportkb 稽核包 audit pack — 基準日 as of {as_of}\n"
        f"提交 commit: {commit}\n\n"
        "內容 Contents: register/ 文件清單; documents/ID/history.json 版本歷程 (kb history "
        "--json); documents/ID/in-force.md|.html 當日現行版本; approvals.csv 核准紀錄; "
        "reviews.csv 複審紀錄; drills/ 演練紀錄與報告; manifest.json 每個檔案的 SHA-256.\n\n"
        + restricted
        + "\n驗證 To verify: kb audit-pack --verify PACK.zip (exit 0 = intact).\n"
        "重製 To remake it: at the commit above, kb audit-pack --as-of "
        f"{as_of} --output COPY.zip{' --include-restricted' if included else ''} "
        "gives the same bytes.\n"
    )
