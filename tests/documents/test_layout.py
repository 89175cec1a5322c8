from __future__ import annotations

import os
from pathlib import Path

from supportkb.documents.layout import discover, document_stamps, locate
from supportkb.documents.model import DocType

FILES = [
    "kb/printing/paper-jam.md",
    "kb/printing/README.md",
    "kb/printing/.draft.md",
    "kb/printing/_template.md",
    "kb/printing/notes.txt",
    "kb/network/vpn/error-809.md",
    "kb/top-level.md",
    "kb/_templates/article.md",
    "kb/.hidden/secret.md",
    "sops/password-reset.md",
    "sops/emergency/datacenter-power.md",
    "sops/emergency/drills/2026-q3.md",
    "sops/emergency/drills/deeper/report.md",
    "sops/emergency/regional/flood.md",
    "docs/policies/access.md",
    "docs/policies/archive/2024-access.md",
    "docs/index.md",
    "README.md",
    "tools/readme.md",
]


def test_discover_places_every_file_as_locate_does(tmp_path: Path) -> None:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x", encoding="utf-8")
    found = discover(tmp_path)
    expected = []
    for folder, _, files in os.walk(tmp_path):
        for name in files:
            location = locate(Path(folder, name).relative_to(tmp_path).as_posix())
            if location is not None:
                expected.append(location)
    assert sorted(found, key=lambda loc: loc.path) == sorted(expected, key=lambda loc: loc.path)
    by_path = {location.path: location for location in found}
    assert set(by_path) == {
        "kb/printing/paper-jam.md",
        "kb/network/vpn/error-809.md",
        "kb/top-level.md",
        "sops/password-reset.md",
        "sops/emergency/datacenter-power.md",
        "sops/emergency/regional/flood.md",
        "docs/policies/access.md",
        "docs/policies/archive/2024-access.md",
    }
    assert by_path["kb/network/vpn/error-809.md"].category == "network/vpn"
    assert by_path["kb/top-level.md"].category is None
    assert by_path["sops/emergency/regional/flood.md"].type == DocType.EMERGENCY_PLAN
    assert by_path["docs/policies/archive/2024-access.md"].type == DocType.POLICY


def test_stamps_are_those_of_the_discovered_files(tmp_path: Path) -> None:
    for name in FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x" * len(name), encoding="utf-8")
    stamps = document_stamps(tmp_path)
    assert set(stamps) == {location.path for location in discover(tmp_path)}
    for path, (mtime_ns, size) in stamps.items():
        info = (tmp_path / path).stat()
        assert (mtime_ns, size) == (info.st_mtime_ns, info.st_size)


def test_a_linked_folder_is_walked(tmp_path: Path) -> None:
    (tmp_path / "elsewhere/vpn").mkdir(parents=True)
    (tmp_path / "elsewhere/vpn/809.md").write_text("x", encoding="utf-8")
    (tmp_path / "site").mkdir()
    (tmp_path / "site/kb").symlink_to(tmp_path / "elsewhere")
    assert [loc.path for loc in discover(tmp_path / "site")] == ["kb/vpn/809.md"]
    assert list(document_stamps(tmp_path / "site")) == ["kb/vpn/809.md"]
