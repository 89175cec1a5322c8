"""`kb new`: start a document from a template, with the next free id and a valid front-matter."""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from string import Template

from supportkb.atomic import write_atomic
from supportkb.cache import cache_directory
from supportkb.editing import quoted
from supportkb.errors import FatalError, InvalidUsage
from supportkb.knowledge_base import KnowledgeBase, ids_in_unreadable_files, load_knowledge_base
from supportkb.layout import ARTICLES_DIR, EMERGENCY_DIR, POLICIES_DIR, SOPS_DIR
from supportkb.model import ARTICLE_KINDS, DocType
from supportkb.review import person_for_git_user

LANGUAGES = ("zh-TW", "en")
TEMPLATES_DIR = "templates"  # in the knowledge base: a team's own templates win
_FOLDERS = {
    DocType.SOP: SOPS_DIR,
    DocType.EMERGENCY_PLAN: EMERGENCY_DIR,
    DocType.POLICY: POLICIES_DIR,
}
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
    with _lock(root):
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
        write_atomic(path, text.encode("utf-8"), exclusive=True)
    return path


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
        f"owner: {owner}",
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


def _check_request(request: NewDocument) -> None:
    if not request.title.strip() or "\n" in request.title:
        raise InvalidUsage("--title must be a single line of text")
    if request.lang not in LANGUAGES:
        raise InvalidUsage(f"--lang is one of {', '.join(LANGUAGES)}")
    if request.doc_type is DocType.ARTICLE:
        if request.kind not in ARTICLE_KINDS:
            raise InvalidUsage(f"an article needs --kind {'|'.join(ARTICLE_KINDS)}")
        if not request.category or not _CATEGORY.match(request.category):
            raise InvalidUsage(
                "an article needs --category, a folder under kb/ in lower case such as vpn or "
                "applications/erp"
            )
    elif request.kind is not None:
        raise InvalidUsage("--kind is for articles only")


def _free_path(root: Path, request: NewDocument, doc_id: str) -> Path:
    if request.doc_type is DocType.ARTICLE:
        folder = root / ARTICLES_DIR / str(request.category)
    else:
        folder = root / _FOLDERS[request.doc_type]
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
    if own.is_file():
        template = own.read_text(encoding="utf-8")
    else:
        template = resources.files("supportkb").joinpath("templates", filename).read_text("utf-8")
    values = {"title": request.title, "id": doc_id, "today": today.isoformat(), "version": "0.1"}
    return Template(template).safe_substitute(values)


@contextlib.contextmanager
def _lock(root: Path) -> Iterator[None]:
    """Two `kb new` at once in the same checkout take ids one after the other. The lock file
    is in the checkout's .git folder (shared by everyone working in it), else in the cache."""
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks; the exclusive create never overwrites
        yield
        return
    git = root / ".git"
    if git.is_dir():
        path = git / "supportkb-new.lock"
    else:
        folder = cache_directory()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:20]}.new.lock"
    with open(path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
