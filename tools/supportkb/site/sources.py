"""Which files of a knowledge base make up the site, where they go, and how links follow them.

Documents live where the user put them (`kb/`, `sops/`, `docs/policies/`); the site is built
from `docs/`. A file outside `docs/` is published under its repository path (`kb/vpn/x.md`
stays `kb/vpn/x.md`), a file inside under its path below `docs/`. Links are written between
repository files, so that they work on GitHub and in `kb check`; `SiteSources.rewrite_links`
turns them into links between site pages. Nothing here knows about MkDocs.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from supportkb.documents.layout import ARTICLES_DIR, SOPS_DIR, checkout_folders, locate
from supportkb.documents.model import Document, Visibility
from supportkb.system.safe_read import is_regular_inside
from supportkb.workspace.settings import AUDIENCES as AUDIENCES  # the CLI's `kb build`

_VISIBLE = {
    "public": {Visibility.PUBLIC},
    "internal": {Visibility.PUBLIC, Visibility.INTERNAL},
    "restricted": set(Visibility),
}


def visible_to(audience: str, visibility: Visibility) -> bool:
    """May a site (or register) for `audience` show a document of this visibility?"""
    return visibility in _VISIBLE[audience]


_LINK = re.compile(r"(\]\(\s*<?)([^)\s>]+)(>?(?:\s+[\"'(][^)\n]*)?\))")
_REFERENCE = re.compile(r"^( {0,3}\[[^\]\n]+\]:[ \t]*<?)(\S+?)(>?(?:\s|$))", re.MULTILINE)
_EXTERNAL = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+.-]*:|//|#|/)")


@dataclass(frozen=True)
class SiteSources:
    root: Path
    docs_dir: str  # relative to the root, e.g. "docs"
    documents: tuple[Document, ...]
    audience: str = "internal"
    unreadable: tuple[str, ...] = ()  # document files whose front-matter could not be read

    def excluded(self) -> set[str]:
        """Repository paths of documents this audience must not see. Visibility fails closed:
        a document whose front-matter cannot be read is never published."""
        visible = _VISIBLE[self.audience]
        return {d.path for d in self.documents if d.visibility not in visible} | set(
            self.unreadable
        )

    def page_is_visible(self, front_matter: dict[str, object]) -> bool:
        """Whether a page of docs/ that is not a document (the home page, the guide) is for
        this audience: by its `visibility`, like a document's (one not understood counts as
        restricted); a page that names none is for everyone, as before."""
        value = front_matter.get("visibility")
        if value is None:
            return True
        try:
            visibility = Visibility(str(value))
        except ValueError:
            visibility = Visibility.RESTRICTED
        return visibility in _VISIBLE[self.audience]

    def published(self) -> tuple[Document, ...]:
        hidden = self.excluded()
        return tuple(d for d in self.documents if d.path not in hidden)

    def outside_files(self) -> Iterator[tuple[str, str]]:
        """(site path, absolute source path) of the files to publish from kb/ and sops/: the
        published documents, and the other files (images, drill reports) they refer to; a
        Markdown file is published only as a published document. Only
        regular files in the checkout are published: never a FIFO or a device, never a file
        that a link (the file's or a folder's) takes out of the checkout."""
        published = self.published()
        wanted = {document.path for document in published}
        for document in published:
            folder = posixpath.dirname(document.path)
            targets = [link.target for link in document.links]
            targets += [drill.report for drill in document.drills]
            linked = (posixpath.normpath(posixpath.join(folder, t)) for t in targets)
            # a link never publishes a document: one left out for this audience (or one that
            # cannot be read) stays out however many published documents point at it
            wanted.update(path for path in linked if locate(path) is None)
        within = checkout_folders(self.root)
        for path in sorted(wanted):
            if path.startswith((ARTICLES_DIR + "/", SOPS_DIR + "/")) and is_regular_inside(
                str(self.root / path), within
            ):
                yield path, str(self.root / path)

    def site_path(self, repo_path: str) -> str:
        prefix = self.docs_dir.rstrip("/") + "/"
        return repo_path[len(prefix) :] if repo_path.startswith(prefix) else repo_path

    def repo_path(self, site_path: str, generated: bool) -> str:
        return site_path if generated else posixpath.join(self.docs_dir, site_path)

    def rewrite_links(self, markdown: str, page_repo_path: str, page_site_path: str) -> str:
        """Links written between repository files, made to point between site pages."""
        folder = posixpath.dirname(page_repo_path)
        site_folder = posixpath.dirname(page_site_path)

        def target(link: str) -> str:
            if _EXTERNAL.match(link):
                return link
            path, hash_mark, fragment = link.partition("#")
            if not path:
                return link
            repo_target = posixpath.normpath(posixpath.join(folder, unquote(path)))
            relative = posixpath.relpath(self.site_path(repo_target), site_folder or ".")
            return relative + hash_mark + fragment

        markdown = _LINK.sub(lambda m: m.group(1) + target(m.group(2)) + m.group(3), markdown)
        return _REFERENCE.sub(lambda m: m.group(1) + target(m.group(2)) + m.group(3), markdown)
