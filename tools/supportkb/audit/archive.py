"""Zip files an auditor can trust: written reproducibly (the same files give the same
bytes: entries sorted by name, one fixed timestamp, fixed permissions and compression) and
read defensively (a file that is not a zip, an entry name that climbs out of the folder or
is absolute, an entry declared far larger than its compressed size, too many or too large
entries, duplicates, links or encrypted entries are each one line, never a traceback).

Nothing is ever extracted to disk: entries are read into memory, within the limits below.
"""

from __future__ import annotations

import io
import posixpath
import stat
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path

from supportkb.errors import FatalError

FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can record
FILE_MODE = 0o644
MAX_ENTRIES = 100_000
MAX_ENTRY_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for entries over RATIO_FLOOR bytes
RATIO_FLOOR = 1024 * 1024


class UnsafeArchive(FatalError):
    """A file that is not a zip an audit pack could be, said in one line (exit code 1)."""


def zip_bytes(files: Mapping[str, bytes]) -> bytes:
    """The zip of `files` (name -> content), byte for byte the same for the same files."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in sorted(files):
            check_name(name)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix: the permissions below are read as such
            info.external_attr = (stat.S_IFREG | FILE_MODE) << 16
            archive.writestr(info, files[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def check_name(name: str) -> None:
    """An entry name must be a relative path that stays inside the pack's folder."""
    parts = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or (len(name) > 1 and name[1] == ":")
        or any(part in ("", ".", "..") for part in parts)
        or posixpath.normpath(name) != name
    ):
        raise UnsafeArchive(f"unsafe entry name {name!r} (absolute or leaving the pack's folder)")


def read_zip(path: Path) -> dict[str, bytes]:
    """Every entry of the zip at `path` (name -> content); `UnsafeArchive` when it is not a
    zip, or is one no audit pack would be (see the module's docstring)."""
    if path.exists() and not path.is_file():  # a FIFO or a device would block or never end
        raise UnsafeArchive(f"{path}: not a regular file")
    try:
        with zipfile.ZipFile(path) as archive:
            return _entries(archive, path)
    except UnsafeArchive:
        raise
    except FileNotFoundError:
        raise UnsafeArchive(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UnsafeArchive(f"{path}: is a folder, not a zip file") from None
    except zipfile.BadZipFile as exc:
        raise UnsafeArchive(f"{path}: not a readable zip file ({exc})") from None
    except (zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
        raise UnsafeArchive(f"{path}: a damaged or unsupported zip file ({exc})") from None
    except OSError as exc:
        raise UnsafeArchive(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _entries(archive: zipfile.ZipFile, path: Path) -> dict[str, bytes]:
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise UnsafeArchive(f"{path}: {len(infos)} entries, more than any audit pack holds")
    total = 0
    seen: set[str] = set()
    for info in infos:
        name = info.filename
        if info.is_dir():
            raise UnsafeArchive(f"{path}: holds a folder entry {name!r}; a pack holds files only")
        check_name(name)
        if name in seen:
            raise UnsafeArchive(f"{path}: holds {name!r} twice")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise UnsafeArchive(f"{path}: {name!r} is encrypted")
        kind = (info.external_attr >> 16) & 0o170000
        if info.create_system == 3 and kind not in (0, stat.S_IFREG):
            raise UnsafeArchive(f"{path}: {name!r} is not a regular file (a link or device)")
        if info.file_size > MAX_ENTRY_BYTES:
            raise UnsafeArchive(f"{path}: {name!r} declares {info.file_size} bytes, too large")
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeArchive(
                f"{path}: {name!r} expands {info.file_size // max(info.compress_size, 1)} "
                "times (a zip bomb?)"
            )
        total += info.file_size
        if total > MAX_TOTAL_BYTES:
            raise UnsafeArchive(f"{path}: its entries declare more than {MAX_TOTAL_BYTES} bytes")
    contents: dict[str, bytes] = {}
    for info in infos:
        with archive.open(info) as entry:  # reads at most the declared size, checks the CRC
            data = entry.read(info.file_size + 1)
        if len(data) != info.file_size:
            raise UnsafeArchive(f"{path}: {info.filename!r} is not the size it declares")
        contents[info.filename] = data
    return contents
