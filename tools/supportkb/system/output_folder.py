"""Where a command may write a folder of its own: never over what it did not create.

`kb build` replaces its site folder and `kb index` deletes generations in its index folder.
Pointed at the wrong folder (`kb build --site-dir kb`: MkDocs empties its output folder), they
destroyed every article. A folder may be written only when it is absent, empty, or carries
supportkb's proof that supportkb wrote it (`is_ours`), and never when it is the checkout or
holds it, is or holds or lies in the MkDocs `docs_dir`, holds a Markdown document or anything
git tracks.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from supportkb.errors import FatalError


@dataclass(frozen=True)
class OutputFolder:
    what: str  # "site folder", "search index folder"
    advice: str  # what to do instead, e.g. "choose an absent or empty folder: --site-dir site"


def claim_folder(
    folder: Path,
    root: Path,
    kind: OutputFolder,
    is_ours: Callable[[Path], bool],
    docs_dir: Path | None = None,
) -> None:
    """Raise a FatalError saying why, unless `folder` may be (re)written; see the docstring."""
    target, checkout = folder.resolve(), root.resolve()

    def refuse(why: str) -> NoReturn:
        raise FatalError(
            f"will not write the {kind.what} into {folder}: {why}; nothing was changed. "
            f"{kind.advice}"
        )

    if target == checkout or checkout.is_relative_to(target):
        refuse("it is the knowledge base checkout or holds it")
    if docs_dir is not None:
        docs = docs_dir.resolve()
        if target == docs or docs.is_relative_to(target) or target.is_relative_to(docs):
            refuse(f"it is, holds or lies in MkDocs' docs_dir ({docs_dir})")
    if target.exists() and not target.is_dir():
        refuse("it is not a folder")
    if not target.is_dir():
        return
    document = _document_in(target)
    if document is not None:
        refuse(f"it holds Markdown documents ({document})")
    tracked = _tracked_in(target)
    if tracked is not None:
        refuse(f"git tracks files in it ({tracked})")
    if not is_ours(target) and any(target.iterdir()):
        refuse("it holds files that supportkb did not write (it is not empty)")


def _document_in(target: Path) -> str | None:
    """A Markdown file inside `target` (its path), if any: what a site or an index never
    holds, and every document is (walked, not read; symbolic links are not followed)."""
    for folder, _, names in os.walk(target):
        for name in names:
            if name.endswith(".md"):
                return os.path.join(folder, name)
    return None


def _tracked_in(target: Path) -> str | None:
    """A file git tracks in `target` (its path), if it lies in a git work tree. No git, or no
    work tree: nothing is tracked."""
    try:
        listed = subprocess.run(
            ["git", "-C", str(target), "ls-files", "-z", "--full-name", "--", "."],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if listed.returncode != 0 or not listed.stdout:
        return None
    return listed.stdout.split(b"\0", 1)[0].decode(errors="replace")
