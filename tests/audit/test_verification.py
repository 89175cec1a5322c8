"""`kb audit-pack --verify PACK.zip`: exit 0 when the pack is intact, 1 naming each file that
differs, is missing or is extra; a file that is not a pack, or a hostile zip, is one line."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from audit_scenario import build
from click.testing import CliRunner

from supportkb.cli.main import cli

from conftest import KnowledgeBaseFactory


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def pack(kb: KnowledgeBaseFactory, tmp_path: Path) -> Path:
    repo = build(kb)
    output = tmp_path / "out" / "pack.zip"
    code, out, err = run("-C", str(repo.root), "audit-pack", "--as-of", "2026-03-15",
                         "--output", str(output))  # fmt: skip
    assert code == 0, out + err
    return output


def rewritten(pack: Path, change: dict[str, bytes | None]) -> Path:
    """A copy of the pack with entries replaced, added or (None) removed."""
    with zipfile.ZipFile(pack) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    for name, data in change.items():
        if data is None:
            del files[name]
        else:
            files[name] = data
    copy = pack.with_name("copy.zip")
    with zipfile.ZipFile(copy, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return copy


def test_an_intact_pack_verifies(pack: Path) -> None:
    code, out, _ = run("audit-pack", "--verify", str(pack))
    assert code == 0
    assert "intact" in out and "2026-03-15" in out


def test_a_changed_file_is_named(pack: Path) -> None:
    copy = rewritten(pack, {"documents/POL-0001/in-force.md": b"# forged\n"})
    code, out, _ = run("audit-pack", "--verify", str(copy))
    assert code == 1
    assert f"{copy}: documents/POL-0001/in-force.md: differs" in out.splitlines()
    assert "NOT intact: 1 of its files" in out


def test_a_missing_and_an_extra_file_are_named(pack: Path) -> None:
    copy = rewritten(pack, {"approvals.csv": None, "documents/POL-0001/note.md": b"added\n"})
    code, out, _ = run("audit-pack", "--verify", str(copy))
    assert code == 1
    lines = out.splitlines()
    assert f"{copy}: approvals.csv: missing" in lines
    assert f"{copy}: documents/POL-0001/note.md: extra" in lines


def test_the_made_pack_is_replaced_whole_and_anything_else_only_when_told(
    pack: Path, kb: KnowledgeBaseFactory
) -> None:
    before = pack.read_bytes()
    args = ("-C", str(kb.root), "audit-pack", "--as-of", "2026-04-01", "--output", str(pack))
    code, _, _ = run(*args)  # an earlier pack: replaced
    assert code == 0 and pack.read_bytes() != before
    assert [p.name for p in pack.parent.iterdir()] == ["pack.zip"]  # no temporary file left
    notes = pack.with_name("notes.zip")
    notes.write_bytes(b"my notes")
    code, _, err = run(*args[:-1], str(notes))
    assert code == 1 and "not an audit pack" in err
    assert notes.read_bytes() == b"my notes"
    code, _, _ = run(*args[:-1], str(notes), "--force")
    assert code == 0 and zipfile.is_zipfile(notes)


def test_a_failed_run_leaves_the_previous_pack(pack: Path, kb: KnowledgeBaseFactory) -> None:
    before = pack.read_bytes()
    (kb.root / "docs" / "policies" / "data-retention.md").write_text("changed", encoding="utf-8")
    code, _, err = run("-C", str(kb.root), "audit-pack", "--as-of", "2026-04-01",
                       "--output", str(pack))  # fmt: skip
    assert code == 1 and err.count("\n") == 1
    assert pack.read_bytes() == before
    assert [p.name for p in pack.parent.iterdir()] == ["pack.zip"]


def test_an_output_that_cannot_be_written_is_one_line(pack: Path, kb: KnowledgeBaseFactory) -> None:
    a_file = pack.parent / "notes.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    code, _, err = run("-C", str(kb.root), "audit-pack", "--as-of", "2026-04-01",
                       "--output", str(a_file / "pack.zip"))  # fmt: skip
    assert code == 1 and "cannot be written" in err and err.count("\n") == 1


def test_a_fifo_is_not_read(pack: Path, kb: KnowledgeBaseFactory) -> None:
    fifo = pack.parent / "fifo.zip"
    os.mkfifo(fifo)
    code, _, err = run("audit-pack", "--verify", str(fifo))
    assert code == 2 and "not a regular file" in err
    code, _, err = run("-C", str(kb.root), "audit-pack", "--as-of", "2026-04-01",
                       "--output", str(fifo))  # fmt: skip
    assert code == 1 and "not an audit pack" in err


@pytest.mark.parametrize(
    "args",
    [
        ("--output", "pack.zip"),  # no date
        ("--as-of", "2026-03-15"),  # no output
        ("--verify", "pack.zip", "--output", "other.zip"),
        ("--as-of", "15/03/2026", "--output", "pack.zip"),
    ],
)
def test_bad_usage_is_exit_2(kb: KnowledgeBaseFactory, args: tuple[str, ...]) -> None:
    code, _, err = run("-C", str(kb.root), "audit-pack", *args)
    assert code == 2
    assert "audit-pack [OPTIONS]" in err and "No such command" not in err


def test_an_output_that_is_a_folder_is_bad_usage(pack: Path, kb: KnowledgeBaseFactory) -> None:
    code, _, err = run("-C", str(kb.root), "audit-pack", "--as-of", "2026-03-15",
                       "--output", str(pack.parent))  # fmt: skip
    assert code == 2 and "is a folder" in err


@pytest.mark.parametrize("what", ["absent.zip", "."])
def test_verifying_no_file_is_bad_usage(tmp_path: Path, what: str) -> None:
    code, _, err = run("audit-pack", "--verify", str(tmp_path / what))
    assert code == 2 and err.count("\n") == 1
    assert ("does not exist" in err) if what == "absent.zip" else ("is a folder" in err)


def test_a_manifest_nested_too_deep_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pack.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", "[" * 100_000 + "]" * 100_000)
    one_line_error(path, "is not JSON")


def one_line_error(path: Path, expected: str) -> None:
    code, out, err = run("audit-pack", "--verify", str(path))
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and expected in err, err
    assert "Traceback" not in err


def test_a_file_that_is_not_a_zip_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pack.zip"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    one_line_error(path, "not a readable zip file")


def test_a_zip_without_a_manifest_is_not_a_pack(tmp_path: Path) -> None:
    path = tmp_path / "pack.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("register/register.csv", "id\n")
    one_line_error(path, "not an audit pack")


@pytest.mark.parametrize("name", ["../../etc/cron.d/evil", "/etc/passwd", "a/../../b", "c:\\x"])
def test_an_entry_leaving_the_folder_is_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / "pack.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"kind": "supportkb-audit-pack"}))
        archive.writestr(name, "x")
    one_line_error(path, "unsafe entry name")


def test_a_manifest_naming_a_path_outside_is_one_line(pack: Path) -> None:
    with zipfile.ZipFile(pack) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["files"]["../outside"] = {"sha256": "0" * 64, "bytes": 1}
    copy = rewritten(pack, {"manifest.json": json.dumps(manifest).encode()})
    one_line_error(copy, "unsafe entry name")


def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pack.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps({"kind": "supportkb-audit-pack"}))
        archive.writestr("documents/big.md", bytes(16 * 1024 * 1024))
    assert path.stat().st_size < 100_000
    one_line_error(path, "zip bomb")


def test_an_entry_lying_about_its_size_is_one_line(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("manifest.json", b'{"kind": "supportkb-audit-pack", "files": {}}')
    data = bytearray(buffer.getvalue())
    # the central directory's CRC of the one entry: the content no longer matches it
    central = data.rindex(b"PK\x01\x02")
    data[central + 16 : central + 20] = b"\0\0\0\0"
    path = tmp_path / "pack.zip"
    path.write_bytes(bytes(data))
    one_line_error(path, str(path))


def test_a_link_entry_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "pack.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", json.dumps({"kind": "supportkb-audit-pack"}))
        link = zipfile.ZipInfo("documents/link.md")
        link.create_system = 3
        link.external_attr = (0o120777) << 16  # a symbolic link to /etc/passwd
        archive.writestr(link, "/etc/passwd")
    one_line_error(path, "not a regular file")
