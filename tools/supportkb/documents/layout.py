"""Where documents live in a knowledge base checkout, and what their place makes them.

    kb/<category>/...*.md     KB articles (sub-folders are categories)
    sops/*.md                 SOPs
    sops/emergency/*.md       emergency plans (sops/emergency/drills/ holds drill reports)
    docs/policies/*.md        policies

Folders and files whose name starts with '.' or '_' (templates) and README.md files are skipped.

Every folder name of the checkout and of the site is written here and nowhere else: the
document folders (`TYPE_FOLDERS`, `folder_for`), where a repository file is published
(`site_path`, honouring MkDocs' configurable `docs_dir`), the catalog pages of the site
(`catalog_page`, `category_page`) and the folders `kb serve --watch` watches
(`source_folders`).
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from supportkb.documents.vocabulary import DocType
from supportkb.system.safe_read import is_within

DOCS_DIR = "docs"  # MkDocs' default docs_dir: the site's own pages (and the policies)
ARTICLES_DIR = "kb"
SOPS_DIR = "sops"
EMERGENCY_DIR = f"{SOPS_DIR}/emergency"
DRILL_REPORTS_DIR = f"{EMERGENCY_DIR}/drills"
POLICIES_DIR = f"{DOCS_DIR}/policies"
_ROOTS = (ARTICLES_DIR, SOPS_DIR, POLICIES_DIR)
TYPE_FOLDERS: dict[DocType, str] = {
    DocType.ARTICLE: ARTICLES_DIR,  # articles are in a category's folder below it
    DocType.SOP: SOPS_DIR,
    DocType.EMERGENCY_PLAN: EMERGENCY_DIR,
    DocType.POLICY: POLICIES_DIR,
}
INDEX_PAGE = "index.md"


@dataclass(frozen=True)
class Location:
    """Where a file sits decides its type and, for articles, its category."""

    path: str
    type: DocType
    category: str | None


def folder_for(doc_type: DocType, category: str | None = None) -> str:
    """The folder a new document of `doc_type` goes to (an article: its category's)."""
    if doc_type is DocType.ARTICLE and category:
        return posixpath.join(ARTICLES_DIR, category)
    return TYPE_FOLDERS[doc_type]


def site_path(repo_path: str, docs_dir: str = DOCS_DIR) -> str:
    """Where a repository file is published in the site: a file in MkDocs' `docs_dir` (a
    path relative to the root, `docs` unless mkdocs.yml says otherwise) loses that prefix;
    one outside keeps its repository path (`kb/vpn/x.md`)."""
    prefix = docs_dir.strip("/") + "/"
    return repo_path[len(prefix) :] if repo_path.startswith(prefix) else repo_path


def catalog_page(doc_type: DocType) -> str:
    """The site page that lists every document of a type (`kb/index.md`,
    `policies/index.md`)."""
    return posixpath.join(site_path(TYPE_FOLDERS[doc_type]), INDEX_PAGE)


def category_page(category: str) -> str:
    """The site page that lists the articles of a category (`kb/vpn/index.md`)."""
    return posixpath.join(ARTICLES_DIR, category, INDEX_PAGE)


def source_folders(docs_dir: str = DOCS_DIR) -> tuple[str, ...]:
    """The top folders of the checkout that hold what the site is built from: the document
    folders and MkDocs' `docs_dir` (what `kb serve --watch` watches, with the settings files)."""
    tops = [folder.split("/")[0] for folder in _ROOTS] + [docs_dir.strip("/")]
    return tuple(dict.fromkeys(tops))


def locate(relative: str) -> Location | None:
    """The document type (and category) of a path relative to the root; None if not a document."""
    text = posixpath.normpath(relative.replace("\\", "/"))
    parts = text.split("/")
    if not text.endswith(".md") or parts[-1] == "README.md":
        return None
    if any(part.startswith((".", "_")) for part in parts):
        return None
    if parts[0] == ARTICLES_DIR:
        folder = "/".join(parts[1:-1])
        return Location(text, DocType.ARTICLE, folder or None)
    if text.startswith(DRILL_REPORTS_DIR + "/"):
        return None
    if text.startswith(EMERGENCY_DIR + "/"):
        return Location(text, DocType.EMERGENCY_PLAN, None)
    if text.startswith(SOPS_DIR + "/"):
        return Location(text, DocType.SOP, None)
    if text.startswith(POLICIES_DIR + "/"):
        return Location(text, DocType.POLICY, None)
    return None


def discover(root: Path, unnamed: list[str] | None = None) -> list[Location]:
    """Every document under `root`, as `locate` places it (asked once per folder: a folder
    decides the type and category of the files in it). Files and folders whose names are not
    UTF-8 are left out (no link, URL or finding can name them); `unnamed` receives them,
    written with escapes (`printable_path`)."""
    locations = []
    for base, here, names, _ in _folders(root, unnamed):
        for name in names:
            path = f"{base}/{name}"
            if "\\" in path:  # `locate` reads it as a folder separator
                located = locate(path)
                locations.extend([located] if located else [])
            else:
                locations.append(Location(path, here.type, here.category))
    return locations


def printable_path(path: str) -> str:
    """A path as it can be printed: bytes that are not UTF-8 written as \\xff escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _named(name: str) -> bool:
    """Whether a file name decoded from the file system is UTF-8 (no surrogate escapes)."""
    return name.isascii() or not any("\udc80" <= char <= "\udcff" for char in name)


def document_stamps(root: Path) -> dict[str, tuple[int, int]]:
    """(modification time in ns, size) of every document `discover` finds, by path: what
    `kb index` compares to see what changed. Each file is looked up in its open folder.
    Only regular files in the checkout count: a FIFO, a device or a link out of the checkout
    is left out (`kb check` reports it)."""
    stamps: dict[str, tuple[int, int]] = {}
    within: tuple[str, ...] | None = None
    for base, _, names, folder in _folders(root):
        for name in names:
            path = f"{base}/{name}"
            if "\\" in path:  # placed by `locate` where it is not: it cannot be read there
                continue
            try:
                info = os.stat(name, dir_fd=folder, follow_symlinks=False)
                if stat.S_ISLNK(info.st_mode):
                    within = within or checkout_folders(root)
                    target = os.path.realpath(os.path.join(root, path))
                    if not is_within(target, within):
                        continue
                    info = os.stat(target)
            except OSError:
                continue
            if stat.S_ISREG(info.st_mode):
                stamps[path] = (info.st_mtime_ns, info.st_size)
    return stamps


def checkout_folders(root: Path) -> tuple[str, ...]:
    """The resolved folders whose files belong to the checkout: the root, and each document
    folder (kb/, sops/, docs/policies/) that is itself a link (whoever set up the checkout
    chose that place). A link to anywhere else does not make a file part of it."""
    folders = [os.path.realpath(root)]
    for top in _ROOTS:
        if os.path.islink(root / top):
            folders.append(os.path.realpath(root / top))
    return tuple(folders)


def _folders(
    root: Path, unnamed: list[str] | None = None
) -> Iterator[tuple[str, Location, list[str], int]]:
    """Each folder that holds documents: its path from `root`, the place `locate` gives its
    files, the names of its document files (in order) and an open descriptor of it, valid
    until the next folder is yielded."""
    for top in _ROOTS:
        if not (root / top).is_dir():
            continue
        start = os.path.realpath(root / top)  # fwalk does not follow a link at the top itself
        for folder, subfolders, files, descriptor in os.fwalk(start):
            below = Path(folder).relative_to(start).as_posix()
            base = top if below == "." else f"{top}/{below}"
            visible = sorted(d for d in subfolders if not d.startswith((".", "_")))
            subfolders[:] = [d for d in visible if _named(d)]
            here = locate(f"{base}/document.md")
            if unnamed is not None:
                documents = [n for n in files if n.endswith(".md")] if here is not None else []
                unnamed.extend(
                    printable_path(f"{base}/{name}")
                    for name in [*visible, *documents]
                    if not _named(name) and not name.startswith((".", "_"))
                )
            if here is None:
                continue
            names = sorted(
                name
                for name in files
                if name.endswith(".md")
                and name != "README.md"
                and not name.startswith((".", "_"))
                and _named(name)
            )
            yield base, here, names, descriptor
