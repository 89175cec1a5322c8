"""`kb audit-pack --verify PACK.zip`: the pack's files against its manifest. Each file is
hashed again; one that differs, one the manifest lists but the zip lacks and one the zip
holds but the manifest does not list are each named. A file that is not a pack, or a
hostile zip, is one line (`UnsafeArchive`, archive.py)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supportkb.audit.archive import UnsafeArchive, check_name, read_zip
from supportkb.audit.pack import MANIFEST, PACK_KIND
from supportkb.errors import InvalidUsage


@dataclass(frozen=True)
class Verification:
    """What a pack's files are against its manifest (each tuple sorted by name)."""

    manifest: dict[str, Any]
    checked: int  # files the manifest lists
    changed: tuple[str, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]

    @property
    def intact(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def verify_pack(path: Path) -> Verification:
    """`InvalidUsage` (exit 2) when there is no file at `path`; `UnsafeArchive` (exit 1)
    when it is not a pack or not a safe zip."""
    if not path.is_file():
        what = (
            "is a folder"
            if path.is_dir()
            else "is not a regular file"
            if path.exists()
            else "does not exist"
        )
        raise InvalidUsage(f"{path} {what}: give the path of an audit pack's zip file")
    files = read_zip(path)
    if MANIFEST not in files:
        raise UnsafeArchive(f"{path}: not an audit pack (it has no {MANIFEST})")
    try:
        manifest = json.loads(files[MANIFEST].decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UnsafeArchive(f"{path}: its {MANIFEST} is not JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("kind") != PACK_KIND:
        raise UnsafeArchive(f"{path}: not an audit pack (its {MANIFEST} is not a pack's)")
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not all(
        isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
        for entry in listed.values()
    ):
        raise UnsafeArchive(f"{path}: its {MANIFEST} lists no files with their SHA-256")
    for name in listed:
        check_name(str(name))
    changed, missing = [], []
    for name, entry in listed.items():
        data = files.get(name)
        if data is None:
            missing.append(name)
        elif hashlib.sha256(data).hexdigest() != entry["sha256"]:
            changed.append(name)
    extra = [name for name in files if name != MANIFEST and name not in listed]
    return Verification(
        manifest, len(listed), tuple(sorted(changed)), tuple(sorted(missing)), tuple(sorted(extra))
    )
