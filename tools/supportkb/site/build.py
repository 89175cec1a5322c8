"""`kb build`: check the knowledge base, then build the site with MkDocs.

Findings are reported but never stop the build: a stale document is published with a banner,
which is what an agent needs to see. Only a site that cannot be built is a failure.

The site is built into a fresh folder beside the target and swapped in when complete (one
atomic exchange on Linux): a build that fails or is killed leaves the previous site as it was,
and a server never sees a half-built one. The target may only be absent, empty or a previous
supportkb build (it holds the site marker, see `site_marker`): MkDocs empties its output folder,
and `--site-dir kb` once destroyed every article.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from supportkb.checking.check import CheckResult, check
from supportkb.errors import FatalError
from supportkb.site.marker import MARKER, SiteMarker, read_marker, write_marker
from supportkb.system.output_folder import OutputFolder, claim_folder

WIDEST_AUDIENCE = "restricted"  # without the supportkb plugin nothing is left out of a site
SITE_FOLDER = OutputFolder(
    "site folder",
    "Choose a folder that is absent, empty or an earlier `kb build` output, "
    "e.g. `kb build --site-dir site` (a site built before supportkb marked its sites "
    f"has no {MARKER}: delete it yourself once).",
)
_BUILDING = ".kb-building-"  # .<site name>.kb-building-<pid>: a site being built


@dataclass(frozen=True)
class BuildResult:
    check: CheckResult
    site_dir: Path
    # why the site has no history pages though the `history` option asks for them (not a git
    # repository, a shallow clone): `kb build` says so in one warning line
    history_problem: str = ""


def build_site(
    root: Path,
    as_of: date,
    site_dir: Path | None = None,
    strict: bool = True,
    audience: str | None = None,
) -> BuildResult:
    result = check(root, as_of)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    overrides: dict[str, object] = {"strict": strict}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir)
    try:
        config = load_config(str(root / "mkdocs.yml"), **overrides)  # type: ignore[arg-type]
        plugin = config.plugins.get("supportkb")
        if plugin is not None:
            plugin.config.build_date = as_of.isoformat()
            if audience is not None:
                plugin.config.audience = audience
        elif audience is not None:
            raise FatalError(
                "mkdocs.yml does not use the supportkb plugin, so --audience cannot be applied"
            )
        # without the plugin (or with it disabled) nothing is left out: the widest audience
        enabled = plugin is not None and plugin.config.enabled
        used = str(plugin.config.audience) if plugin is not None and enabled else WIDEST_AUDIENCE
        target = Path(config.site_dir)
        claim_folder(
            target, root, SITE_FOLDER, lambda f: read_marker(f) is not None, Path(config.docs_dir)
        )
        with _fresh_site(target.resolve(), SiteMarker(used, as_of.isoformat())) as fresh:
            config["site_dir"] = str(fresh)
            build(config)
        config["site_dir"] = str(target)
        model = getattr(plugin, "site", None) if plugin is not None and enabled else None
        problem = str(getattr(model, "history_problem", "") or "")
    except MkDocsException as exc:
        raise FatalError(f"the site could not be built: {exc}") from None
    except SystemExit as exc:  # MkDocs' own "Aborted with N warnings in strict mode!"
        raise FatalError(
            f"the site could not be built (exit {exc.code}); see the messages above"
        ) from None
    return BuildResult(result, target, problem)


@contextlib.contextmanager
def _fresh_site(target: Path, marker: SiteMarker) -> Iterator[Path]:
    """A new folder beside `target` to build into, marked at once (MkDocs never deletes a
    file whose name starts with a dot); when the build succeeds it becomes `target` and the
    previous site is removed, when it fails it is removed. Folders of builds that died are
    removed first."""
    _remove_dead_builds(target)
    fresh = target.with_name(f".{target.name}{_BUILDING}{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fresh.mkdir()
    except PermissionError:  # a site folder we may write in a folder we may not: copy it in
        fresh = Path(tempfile.mkdtemp(prefix=f".{target.name}{_BUILDING}"))
    try:
        write_marker(fresh, marker)
        yield fresh
        _swap_in(fresh, target)
    finally:
        _remove_build(fresh)  # the new site if it failed, else the old one


def _remove_dead_builds(target: Path) -> None:
    pattern = re.compile(re.escape(f".{target.name}{_BUILDING}") + r"(\d+)(\.old)?")
    for sibling in target.parent.glob(f".{_glob_escape(target.name)}{_BUILDING}*"):
        found = pattern.fullmatch(sibling.name)
        if found and not _running(int(found[1])) and read_marker(sibling) is not None:
            _remove_build(sibling)


def _remove_build(folder: Path) -> None:
    """Delete a build's folder, its marker last: a process stopped meanwhile (Ctrl-C during a
    `kb serve --watch` rebuild) leaves a folder the next build still knows as its own."""
    for item in folder.iterdir() if folder.is_dir() and not folder.is_symlink() else ():
        if item.name == MARKER:
            continue
        if item.is_dir() and not item.is_symlink():
            shutil.rmtree(item, ignore_errors=True)
        else:
            item.unlink(missing_ok=True)
    shutil.rmtree(folder, ignore_errors=True)


def _glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _swap_in(fresh: Path, target: Path) -> None:
    """`fresh` takes `target`'s place; the previous site, if any, is left at `fresh`."""
    if fresh.parent != target.parent:
        target.mkdir(exist_ok=True)
        _replace_content(fresh, target)
        return
    if not target.exists():
        os.rename(fresh, target)
        return
    if _exchange(fresh, target):
        return
    try:  # no atomic exchange here: the site is missing for the moment between two renames
        os.rename(target, fresh.with_name(fresh.name + ".old"))
    except OSError as error:  # a mount point, say: replace its content instead
        if error.errno not in (errno.EBUSY, errno.EXDEV, errno.EPERM):
            raise
        _replace_content(fresh, target)
        return
    os.rename(fresh, target)
    os.rename(fresh.with_name(fresh.name + ".old"), fresh)


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False when unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return bool(done == 0)


def _replace_content(fresh: Path, target: Path) -> None:
    for item in target.iterdir():
        if item.name != MARKER:
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            else:
                item.unlink()
    shutil.copytree(fresh, target, dirs_exist_ok=True, symlinks=True)
