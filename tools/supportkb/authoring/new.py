"""`kb new`: start a document from a template, with the next free id and a valid front-matter."""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import Enum
from importlib import resources
from pathlib import Path
from string import Template

from supportkb.authoring.editing import one_line_text, quoted
from supportkb.authoring.identity import (
    PersonNeeded,
    active_people,
    active_teams,
    add_yourself,
    git_email,
    listed,
    person_with_email,
    unknown_email,
)
from supportkb.documents.body import read_body
from supportkb.documents.fields import did_you_mean
from supportkb.documents.layout import ARTICLES_DIR, checkout_folders, folder_for, locate
from supportkb.documents.model import ARTICLE_KINDS, DocType, Document
from supportkb.documents.sections import missing_sections, required_key
from supportkb.documents.source import MAX_FILE_BYTES, read_source
from supportkb.errors import FatalError, InvalidUsage
from supportkb.system.atomic import write_atomic
from supportkb.system.checkout_lock import checkout_lock
from supportkb.system.safe_read import is_within, read_regular
from supportkb.workspace.codeowners import CODEOWNERS_FILE, drift, write_codeowners
from supportkb.workspace.knowledge_base import (
    KnowledgeBase,
    ids_in_unreadable_files,
    load_knowledge_base,
)
from supportkb.workspace.settings import KnowledgeBaseConfig

LANGUAGES = ("zh-TW", "en")
TEMPLATES_DIR = "templates"  # in the knowledge base: a team's own templates win
MAX_CATEGORY_PART = 64  # a folder name, well under every file system's limit
_CATEGORY = re.compile(r"^[a-z0-9][a-z0-9-]*(?:/[a-z0-9][a-z0-9-]*)*$")
_SLUG_WORD = re.compile(r"[a-z0-9]+")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG = 60  # characters of a file name after the id: readable, well under any limit


@dataclass(frozen=True)
class NewDocument:
    doc_type: DocType
    title: str
    owner: str | None = None  # None: the person whose e-mail is git's user.email
    category: str | None = None  # an article's folder under kb/ (one that exists)
    kind: str | None = None
    lang: str = "zh-TW"
    new_category: str | None = None  # an article's folder under kb/ to create
    slug: str | None = None  # the file name's words after the id (None: from the title)


@dataclass(frozen=True)
class Category:
    """A category of articles: its folder under kb/ and the name the site shows."""

    folder: str
    name: str


class CategoryNeeded(InvalidUsage):
    """An article needs an existing category (or `--new-category`): the message lists them,
    and `categories` carries them so that a front end can offer the choice (exit code 2)."""

    def __init__(self, message: str, categories: tuple[Category, ...]) -> None:
        super().__init__(message)
        self.categories = categories


class CodeownersChange(Enum):
    """What `kb new` did about `.github/CODEOWNERS`."""

    NONE = "none"  # no CODEOWNERS, or it still matches the owners
    UPDATED = "updated"  # the new document needed a line: the generated block was rewritten
    ALREADY_DRIFTED = "already-drifted"  # it was out of date before: left alone


@dataclass(frozen=True)
class CreatedDocument:
    """A document `kb new` wrote, and what its author does next."""

    path: Path
    document_id: str
    owner: str
    sections: tuple[str, ...]  # the headings of the required sections, in order
    codeowners: CodeownersChange


def create_document(root: Path, request: NewDocument, today: date) -> CreatedDocument:
    """Write the new document and say what was written. Never overwrites a file."""
    _check_request(request)
    with checkout_lock(root):
        kb = load_knowledge_base(root)
        category = _category(kb, request)
        owner = request.owner or _owner_for_git_user(kb, root)
        if not kb.registry.knows(owner) or not kb.registry.is_active(owner):
            hint = kb.registry.suggest(owner)
            raise FatalError(
                f"owner '{owner}' is not an active person or team in owners.yml"
                + (f"; {hint}" if hint else "")
            )
        drifted = drift(root, kb.documents, kb.registry) is not None
        doc_id = next_id(kb, request.doc_type)
        path = _free_path(root, request, category, doc_id)
        body = _body(root, request, doc_id, today)
        text = front_matter(request, doc_id, owner) + "\n" + body
        _refuse_unreadable(path.relative_to(root).as_posix(), text, request, doc_id)
        _refuse_outside(root, path)
        try:
            write_atomic(path, text.encode("utf-8"), exclusive=True)
        except FileExistsError:
            raise FatalError(
                f"{path.relative_to(root)} already exists; not overwriting it"
            ) from None
        except OSError as exc:  # a name too long for the file system, a folder we may not write
            raise FatalError(f"cannot write {path}: {exc.strerror}") from None
        document = Document(
            path.relative_to(root).as_posix(),
            request.doc_type,
            doc_id,
            request.title,
            owner,
            kind=request.kind,
            category=category,
        )
        sections = sections_to_fill(document, body, kb.config)
        codeowners = _update_codeowners(root, drifted)
    return CreatedDocument(path, doc_id, owner, sections, codeowners)


def _update_codeowners(root: Path, drifted_before: bool) -> CodeownersChange:
    """Regenerate CODEOWNERS' block when the new document alone made it drift; one that was
    out of date before is somebody else's change, left as it is."""
    if not (root / CODEOWNERS_FILE).is_file():
        return CodeownersChange.NONE
    if drifted_before:
        return CodeownersChange.ALREADY_DRIFTED
    kb = load_knowledge_base(root)  # with the new document
    if drift(root, kb.documents, kb.registry) is None:
        return CodeownersChange.NONE
    try:
        write_codeowners(root, kb.documents, kb.registry)
    except FatalError as exc:  # the document is written: say so, and what is left to do
        raise FatalError(
            f"the document is written, but {CODEOWNERS_FILE} could not be updated: {exc}"
        ) from None
    return CodeownersChange.UPDATED


def sections_to_fill(document: Document, body: str, config: KnowledgeBaseConfig) -> tuple[str, ...]:
    """The headings of the body that are the document's required sections, in the order
    required (a required section the template has no heading for: its key)."""
    keys = missing_sections(document, (), config.required_sections, config.section_names)
    headings = [h for h in read_body(body, 1).headings if h.level > 1]  # not the title
    found = []
    for key in keys:
        rule = {required_key(document): (key,)}
        heading = next(
            (
                h
                for h in headings
                if not missing_sections(document, (h,), rule, config.section_names)
            ),
            None,
        )
        found.append(heading.text if heading is not None else key)
    return tuple(found)


def categories(kb: KnowledgeBase) -> tuple[Category, ...]:
    """The categories of articles: the folders under kb/ that hold articles (readable or
    not), with the names `categories:` in mkdocs.yml gives them."""
    folders = sorted(
        {
            location.category
            for path in kb.files
            if (location := locate(path)) is not None
            and location.type is DocType.ARTICLE
            and location.category
        }
    )
    return tuple(Category(folder, kb.config.category_name(folder)) for folder in folders)


def _category(kb: KnowledgeBase, request: NewDocument) -> str | None:
    """An article's folder: an existing category, or a new one asked for by name."""
    if request.doc_type is not DocType.ARTICLE:
        return None
    existing = categories(kb)
    folders = [c.folder for c in existing]
    if request.new_category in folders:
        raise InvalidUsage(
            f"--new-category {request.new_category}: it is already a category; "
            f"use --category {request.new_category}"
        )
    if request.new_category is not None:
        return request.new_category
    if request.category in folders:
        return request.category
    if existing:
        listing = ", ".join(
            c.folder if c.name == c.folder else f"{c.folder} ({c.name})" for c in existing
        )
        choose = f"choose one with --category FOLDER: {listing}; "
    else:
        choose = f"there is no category under {ARTICLES_DIR}/ yet; "
    create = "or create one with --new-category FOLDER (lower case, such as printers or erp/login)"
    if request.category is None:
        raise CategoryNeeded(f"an article needs a category: {choose}{create}", existing)
    hint = did_you_mean(request.category, folders)
    raise CategoryNeeded(
        f"--category {request.category} is not a category"
        + (f" ({hint})" if hint else "")
        + f": {choose}{create}",
        existing,
    )


def _owner_for_git_user(kb: KnowledgeBase, root: Path) -> str:
    """The owner when none was named: the person whose e-mail is git's `user.email`."""
    email = git_email(root)
    person = person_with_email(kb.registry, email)
    if person is not None:
        return person
    teams, people = active_teams(kb.registry), active_people(kb.registry)
    raise PersonNeeded(
        f"{unknown_email(email)}: name the owner with --owner ID, a team: {listed(teams)}; "
        f"or a person: {listed(people)}; {add_yourself(email)}",
        email,
        teams + people,
    )


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


def front_matter(request: NewDocument, doc_id: str, owner: str) -> str:
    """A draft's front-matter. It has no last_reviewed: nobody has reviewed it yet."""
    lines = [
        "---",
        f"id: {doc_id}",
        f"title: {quoted(request.title, None)}",
        "status: draft",
        f"owner: {quoted(owner, None)}",
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
    if request.new_category is not None:
        one_line_text(request.new_category, "--new-category")
    if request.owner is not None:
        one_line_text(request.owner, "--owner")
    if request.lang not in LANGUAGES:
        raise InvalidUsage(f"--lang is one of {', '.join(LANGUAGES)}")
    if request.slug is not None and (
        not _SLUG.fullmatch(request.slug) or len(request.slug) > MAX_SLUG
    ):
        raise InvalidUsage(
            f"--slug is words in lower-case ASCII letters and digits joined by hyphens, at most "
            f"{MAX_SLUG} characters (such as vpn-dns), not {request.slug!r}"
        )
    if request.doc_type is not DocType.ARTICLE:
        if request.kind is not None:
            raise InvalidUsage("--kind is for articles only")
        if request.new_category is not None:
            raise InvalidUsage(
                f"--new-category is for articles (a folder under {ARTICLES_DIR}/); "
                f"a {request.doc_type.value}'s --category is a field: any text"
            )
        return
    if request.kind not in ARTICLE_KINDS:
        raise InvalidUsage(f"an article needs --kind {'|'.join(ARTICLE_KINDS)}")
    if request.category is not None and request.new_category is not None:
        raise InvalidUsage(
            "--category names an existing category, --new-category a new one: not both"
        )
    for option, folder in (
        ("--category", request.category),
        ("--new-category", request.new_category),
    ):
        if folder is None:
            continue
        if not _CATEGORY.fullmatch(folder):
            raise InvalidUsage(
                f"{option}: a folder under {ARTICLES_DIR}/ in lower-case letters, digits and "
                "hyphens, such as vpn or erp/login"
            )
        if any(len(part) > MAX_CATEGORY_PART for part in folder.split("/")):
            raise InvalidUsage(
                f"{option}: each folder name is at most {MAX_CATEGORY_PART} characters"
            )


def slug_of(title: str) -> str:
    """The Latin words of a title, lower case, joined by hyphens, cut at a word so that it
    is at most MAX_SLUG characters (accents dropped: "Café Wi-Fi" → cafe-wi-fi); "" when the
    title has none (a title in Chinese)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = ""
    for word in _SLUG_WORD.findall(ascii_text.lower()):
        longer = f"{slug}-{word}" if slug else word
        if len(longer) > MAX_SLUG:
            break
        slug = longer
    return slug


def _free_path(root: Path, request: NewDocument, category: str | None, doc_id: str) -> Path:
    """`<id>-<slug>.md` in the type's (or category's) folder; just `<id>.md` without a slug."""
    folder = root / folder_for(request.doc_type, category)
    for parent in (folder, *folder.parents):
        if parent == root:
            break
        if parent.exists() and not parent.is_dir():
            raise FatalError(
                f"{parent.relative_to(root)} is a file, so it cannot be the folder of the new "
                "document; choose another category"
            )
    slug = request.slug if request.slug is not None else slug_of(request.title)
    path = folder / (f"{doc_id.lower()}-{slug}.md" if slug else f"{doc_id.lower()}.md")
    if path.exists() or path.is_symlink():
        raise FatalError(f"{path.relative_to(root)} already exists; not overwriting it")
    return path


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
