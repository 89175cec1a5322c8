"""`kb new`: start a document from a template, with the next free id and a valid front-matter."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from string import Template

from supportkb.authoring.editing import one_line_text, quoted
from supportkb.authoring.review import person_for_git_user
from supportkb.documents.layout import ARTICLES_DIR, checkout_folders, folder_for
from supportkb.documents.model import ARTICLE_KINDS, DocType
from supportkb.documents.source import MAX_FILE_BYTES, read_source
from supportkb.errors import FatalError, InvalidUsage
from supportkb.system.atomic import write_atomic
from supportkb.system.checkout_lock import checkout_lock
from supportkb.system.safe_read import is_within, read_regular
from supportkb.workspace.knowledge_base import (
    KnowledgeBase,
    ids_in_unreadable_files,
    load_knowledge_base,
)

LANGUAGES = ("zh-TW", "en")
TEMPLATES_DIR = "templates"  # in the knowledge base: a team's own templates win
MAX_CATEGORY_PART = 64  # a folder name, well under every file system's limit
_CATEGORY = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*$")
_SLUG_WORD = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True)
class NewDocument:
    doc_type: DocType
    title: str
    owner: str | None = None
    category: str | None = None
    kind: str | None = None
    lang: str = "zh-TW"


def create_document(root: Path, request: NewDocument, today: date) -> Path:
    """Write the new document and return its path. Never overwrites a file."""
    _check_request(request)
    with checkout_lock(root):
        kb = load_knowledge_base(root)
        owner = request.owner or person_for_git_user(kb.registry, root, "--owner ID")
        if not kb.registry.knows(owner) or not kb.registry.is_active(owner):
            hint = kb.registry.suggest(owner)
            raise FatalError(
                f"owner '{owner}' is not an active person or team in owners.yml"
                + (f"; {hint}" if hint else "")
            )
        doc_id = next_id(kb, request.doc_type)
        path = _free_path(root, request, doc_id)
        text = (
            front_matter(request, doc_id, owner, today) + "\n" + _body(root, request, doc_id, today)
        )
        _refuse_unreadable(path.relative_to(root).as_posix(), text, request, doc_id)
        _refuse_outside(root, path)
        try:
            write_atomic(path, text.encode("utf-8"), exclusive=True)
        except OSError as exc:  # a name too long for the file system, a folder we may not write
            raise FatalError(f"cannot write {path}: {exc.strerror}") from None
    return path


def _refuse_outside(root: Path, path: Path) -> None:
    """A category folder that is a link out of the checkout would put the document where
    nobody reviews it: refuse (a top folder such as kb/ that is itself a link is the
    checkout's, as everywhere else)."""
    folder = os.path.realpath(path.parent)
    if not is_within(folder, checkout_folders(root)):
        raise FatalError(
            f"{path.parent.relative_to(root)} leads out of the checkout (to {folder}); "
            "not writing there"
        )


def next_id(kb: KnowledgeBase, doc_type: DocType) -> str:
    """One more than the highest id of that type in use (gaps are never filled: ids are
    stable, and a gap may be the id of a deleted document that others still cite)."""
    prefix = doc_type.id_prefix
    pattern = re.compile(rf"^{prefix}-(\d+)$")
    ids = [d.id for d in kb.documents] + list(ids_in_unreadable_files(kb.root, kb.files))
    numbers = [int(m.group(1)) for doc_id in ids if (m := pattern.match(doc_id))]
    width = max(
        (len(d.id) - len(prefix) - 1 for d in kb.documents if pattern.match(d.id)), default=4
    )
    return f"{prefix}-{max(numbers, default=0) + 1:0{width}d}"


def front_matter(request: NewDocument, doc_id: str, owner: str, today: date) -> str:
    lines = [
        "---",
        f"id: {doc_id}",
        f"title: {quoted(request.title, None)}",
        "status: draft",
        f"owner: {quoted(owner, None)}",
        f"last_reviewed: {today.isoformat()}",
    ]
    if request.doc_type is DocType.ARTICLE:
        lines.append(f"kind: {request.kind}")
    elif request.category:
        lines.append(f"category: {quoted(request.category, None)}")
    if request.doc_type is not DocType.ARTICLE:
        lines.append('version: "0.1"')
    if request.doc_type is DocType.EMERGENCY_PLAN:
        lines.append("drills: []")
    lines += ["tags: []", "visibility: internal", "related: []", "---", ""]
    return "\n".join(lines)


def _refuse_unreadable(path: str, text: str, request: NewDocument, doc_id: str) -> None:
    """Read the new file back as `kb check` does: its front-matter must hold the id, title
    and category asked for (a guard: the request's text was checked, and values are quoted)."""
    source, findings = read_source(path, text.encode("utf-8"))
    front = source.front_matter if source is not None else {}
    wanted = {"id": doc_id, "title": request.title}
    if request.doc_type is not DocType.ARTICLE and request.category:
        wanted["category"] = request.category
    if source is None or any(front.get(key) != value for key, value in wanted.items()):
        reason = findings[0].message if findings else "the values would read differently"
        raise FatalError(f"{path}: the front-matter would not read back ({reason}); not written")


def _check_request(request: NewDocument) -> None:
    one_line_text(request.title, "--title")
    if not request.title.strip():
        raise InvalidUsage("--title must be a single line of text")
    if request.category is not None:
        one_line_text(request.category, "--category")
    if request.owner is not None:
        one_line_text(request.owner, "--owner")
    if request.lang not in LANGUAGES:
        raise InvalidUsage(f"--lang is one of {', '.join(LANGUAGES)}")
    if request.doc_type is DocType.ARTICLE:
        if request.kind not in ARTICLE_KINDS:
            raise InvalidUsage(f"an article needs --kind {'|'.join(ARTICLE_KINDS)}")
        if not request.category or not _CATEGORY.fullmatch(request.category):
            raise InvalidUsage(
                f"an article needs --category, a folder under {ARTICLES_DIR}/ in lower case such "
                "as vpn or applications/erp"
            )
        if any(len(part) > MAX_CATEGORY_PART for part in request.category.split("/")):
            raise InvalidUsage(
                f"--category: each folder name is at most {MAX_CATEGORY_PART} characters"
            )
    elif request.kind is not None:
        raise InvalidUsage("--kind is for articles only")


def _free_path(root: Path, request: NewDocument, doc_id: str) -> Path:
    category = str(request.category) if request.doc_type is DocType.ARTICLE else None
    folder = root / folder_for(request.doc_type, category)
    slug = "-".join(_SLUG_WORD.findall(request.title.lower()))[:60].strip("-")
    if not request.title.isascii():  # a Chinese title: the id names the file, ASCII words help
        slug = f"{doc_id.lower()}-{slug}".strip("-")
    for name in (slug, f"{slug}-{doc_id.lower()}"):
        if name and not (folder / f"{name}.md").exists():
            return folder / f"{name}.md"
    raise FatalError(f"{folder / (slug or doc_id.lower())}.md already exists; not overwriting it")


def _body(root: Path, request: NewDocument, doc_id: str, today: date) -> str:
    name = request.doc_type.value
    if request.doc_type is DocType.ARTICLE:
        name += f"-{request.kind}"
    filename = f"{name}.{request.lang}.md"
    own = root / TEMPLATES_DIR / filename
    if own.is_file():  # the team's own, read as documents are (regular, in the checkout)
        try:
            raw = read_regular(str(own), MAX_FILE_BYTES, (str(root.resolve()),))
            template = raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise FatalError(f"cannot use the template {own}: {exc}") from None
    else:
        template = resources.files("supportkb").joinpath("templates", filename).read_text("utf-8")
    values = {"title": request.title, "id": doc_id, "today": today.isoformat(), "version": "0.1"}
    return Template(template).safe_substitute(values)
