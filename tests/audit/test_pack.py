"""`kb audit-pack --as-of DATE`: what an auditor finds in the pack, as it stood on that date
(the version in force decided by its effective date, not by when it was committed)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile
from pathlib import Path

import pytest
from audit_scenario import (
    NEW_TEXT,
    OLD_TEXT,
    POLICY,
    REPORT_FIRST,
    REPORT_LATER,
    SECRET_TITLE,
    build,
)
from click.testing import CliRunner

from git_repo import DatedRepo, policy
from supportkb.cli.main import cli

from conftest import KnowledgeBaseFactory


def run(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["-C", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def make(root: Path, as_of: str, output: Path, *options: str) -> dict[str, bytes]:
    code, out, err = run(root, "audit-pack", "--as-of", as_of, "--output", str(output), *options)
    assert code == 0, out + err
    with zipfile.ZipFile(output) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.fixture
def repo(kb: KnowledgeBaseFactory) -> DatedRepo:
    return build(kb)


def test_before_the_effective_date_the_pack_holds_the_previous_version_in_force(
    repo: DatedRepo, tmp_path: Path
) -> None:
    # 1.1 was approved and committed on 1 March, to take effect on 1 April
    files = make(repo.root, "2026-03-15", tmp_path / "march.zip")
    text = files["documents/POL-0001/in-force.md"].decode()
    assert OLD_TEXT in text and NEW_TEXT not in text
    history = json.loads(files["documents/POL-0001/history.json"])
    assert (history["id"], history["as_of"], history["in_force"]) == (
        "POL-0001",
        "2026-03-15",
        "1.0",
    )
    assert [v["version"] for v in history["versions"]] == ["1.1", "1.0"]
    page = files["documents/POL-0001/in-force.html"].decode()
    assert OLD_TEXT in page and "1.0" in page
    # the approval of 1.1 was recorded by then, but it was not in force yet
    approvals = {r["version"]: r for r in rows(files["approvals.csv"])}
    assert approvals["1.1"]["in_force_on_as_of"] == "no"
    assert approvals["1.1"]["effective"] == "2026-04-01"
    assert approvals["1.1"]["approved_by"] == "bob"
    assert approvals["1.0"]["in_force_on_as_of"] == "yes"
    assert files["commit.txt"].decode().strip() == repo.git("rev-parse", "HEAD").strip()

    files = make(repo.root, "2026-04-01", tmp_path / "april.zip")
    assert NEW_TEXT in files["documents/POL-0001/in-force.md"].decode()
    assert json.loads(files["documents/POL-0001/history.json"])["in_force"] == "1.1"


def test_the_history_is_the_object_kb_history_json_prints(repo: DatedRepo, tmp_path: Path) -> None:
    files = make(repo.root, "2026-03-15", tmp_path / "pack.zip")
    code, out, _ = run(repo.root, "history", "POL-0001", "--json", "--date", "2026-03-15")
    assert code == 0
    assert json.loads(files["documents/POL-0001/history.json"]) == json.loads(out)


def test_records_and_drill_reports_are_as_they_stood_on_the_date(
    repo: DatedRepo, tmp_path: Path
) -> None:
    files = make(repo.root, "2026-03-15", tmp_path / "pack.zip")
    drills = rows(files["drills/records.csv"])
    assert [(d["plan"], d["date"]) for d in drills] == [("EP-0001", "2026-02-10")]
    assert drills[0]["report_in_pack"] == "drills/reports/2026-02-10-power.md"
    # the report as it was then, not as amended in May; June's drill is not there yet
    assert files["drills/reports/2026-02-10-power.md"].decode() == REPORT_FIRST
    assert "drills/reports/2026-06-02-generator.md" not in files
    reviews = rows(files["reviews.csv"])
    assert {(r["id"], r["reviewed_on"]) for r in reviews} >= {("POL-0001", "2025-12-20")}

    later = make(repo.root, "2026-07-01", tmp_path / "july.zip")
    assert later["drills/reports/2026-02-10-power.md"].decode() == REPORT_LATER
    assert len(rows(later["drills/records.csv"])) == 2


def test_a_document_committed_after_the_date_is_not_in_the_pack(
    repo: DatedRepo, tmp_path: Path
) -> None:
    files = make(repo.root, "2025-12-10", tmp_path / "pack.zip")
    assert not any(name.startswith("documents/") for name in files)
    assert json.loads(files["manifest.json"])["documents"] == []


def test_the_rendered_text_uses_the_sites_extensions_and_loads_nothing(
    repo: DatedRepo, tmp_path: Path
) -> None:
    files = make(repo.root, "2026-03-15", tmp_path / "pack.zip")
    page = files["documents/EP-0001/in-force.html"].decode()
    assert 'class="admonition note"' in page  # the plugin's admonition extension
    assert "<table>" in page and "<td>系統組</td>" in page
    assert "default-src 'none'" in page  # nothing runs, nothing is fetched
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert "id: EP-0001" not in page  # the front-matter is in the facts, not the body


def test_a_title_with_markup_is_shown_as_text(kb: KnowledgeBaseFactory, tmp_path: Path) -> None:
    repo = build(kb)
    text = (repo.root / POLICY).read_text(encoding="utf-8")
    repo.write(POLICY, text.replace("title: 資料保存辦法", 'title: "<b>保存</b>辦法"'))
    repo.commit("title", on="2026-04-02")
    page = make(repo.root, "2026-04-03", tmp_path / "pack.zip")["documents/POL-0001/in-force.html"]
    assert b"&lt;b&gt;\xe4\xbf\x9d\xe5\xad\x98&lt;/b&gt;" in page and b"<b>" not in page


def test_restricted_documents_are_named_in_the_register_only_unless_asked(
    repo: DatedRepo, tmp_path: Path
) -> None:
    files = make(repo.root, "2026-03-15", tmp_path / "pack.zip")
    manifest = json.loads(files["manifest.json"])
    assert manifest["withheld"] == ["SOP-0001"] and manifest["restricted"] == "withheld"
    assert not any(name.startswith("documents/SOP-0001") for name in files)
    register = {r["id"]: r for r in rows(files["register/register.csv"])}
    assert register["SOP-0001"]["owner"] == "alice"
    assert register["SOP-0001"]["type"] == "sop"
    assert register["SOP-0001"]["status"] == "published"
    assert not any(SECRET_TITLE.encode() in data for data in files.values())

    files = make(repo.root, "2026-03-15", tmp_path / "all.zip", "--include-restricted")
    manifest = json.loads(files["manifest.json"])
    assert manifest["withheld"] == [] and manifest["restricted"] == "included"
    assert SECRET_TITLE in files["documents/SOP-0001/in-force.md"].decode()


def test_the_same_commit_and_date_give_the_same_bytes_in_any_clone(
    repo: DatedRepo, tmp_path: Path
) -> None:
    first = tmp_path / "first.zip"
    make(repo.root, "2026-03-15", first)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(repo.root), str(clone)], check=True)
    again = tmp_path / "again.zip"
    make(clone, "2026-03-15", again)
    assert first.read_bytes() == again.read_bytes()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_the_manifest_holds_the_sha256_of_every_other_file(repo: DatedRepo, tmp_path: Path) -> None:
    import hashlib

    files = make(repo.root, "2026-03-15", tmp_path / "pack.zip")
    manifest = json.loads(files.pop("manifest.json"))
    assert (manifest["kind"], manifest["as_of"]) == ("supportkb-audit-pack", "2026-03-15")
    assert manifest["commit"] == files["commit.txt"].decode().strip()
    assert {name: entry["sha256"] for name, entry in manifest["files"].items()} == {
        name: hashlib.sha256(data).hexdigest() for name, data in files.items()
    }


def test_a_shallow_clone_is_refused_in_one_line(repo: DatedRepo, tmp_path: Path) -> None:
    clone = repo.shallow_clone(tmp_path / "clone")
    output = tmp_path / "pack.zip"
    code, _, err = run(clone, "audit-pack", "--as-of", "2026-03-15", "--output", str(output))
    assert code == 1
    assert err.count("\n") == 1 and "git fetch --unshallow" in err
    assert not output.exists()


def test_changes_not_committed_are_refused(repo: DatedRepo, tmp_path: Path) -> None:
    (repo.root / POLICY).write_text(OLD_TEXT, encoding="utf-8")
    output = tmp_path / "pack.zip"
    code, _, err = run(repo.root, "audit-pack", "--as-of", "2026-03-15", "--output", str(output))
    assert code == 1 and "not committed" in err
    assert not output.exists()


def test_the_register_is_as_it_stood_on_the_date(repo: DatedRepo, tmp_path: Path) -> None:
    files = make(repo.root, "2026-03-15", tmp_path / "pack.zip")
    register = {r["id"]: r for r in rows(files["register/register.csv"])}
    # 1.1 was recorded on 1 March and takes effect on 1 April: 1.0 is the one in force
    assert (register["POL-0001"]["version"], register["POL-0001"]["in_force"]) == ("1.1", "1.0")
    assert register["POL-0001"]["approved_by"] == "bob"
    page = files["register/register.html"].decode()
    assert "default-src 'none'" in page and "2026-03-15" in page and "POL-0001" in page
    # a document committed after the date is not in that day's register
    early = make(repo.root, "2025-12-10", tmp_path / "early.zip")
    assert rows(early["register/register.csv"]) == []


def test_a_version_in_force_before_it_was_committed_is_in_the_pack(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    """A knowledge base moved into git after its policies took effect: `kb show
    --in-force-on` answers for those days, and so does the pack (it was empty, exit 0)."""
    repo = DatedRepo(kb.root)
    repo.write(POLICY, policy("1.0", effective="2026-01-01", body=OLD_TEXT))
    repo.commit("the policies, moved into git", on="2026-03-01")
    files = make(repo.root, "2026-02-01", tmp_path / "pack.zip")
    assert OLD_TEXT in files["documents/POL-0001/in-force.md"].decode("utf-8")
    code, _, err = run(
        repo.root, "audit-pack", "--as-of", "2025-12-31", "--output", str(tmp_path / "e.zip")
    )
    assert code == 0 and "warning: no controlled document was committed or in force" in err


def test_an_earlier_version_restricted_then_stays_out_of_the_pack(
    kb: KnowledgeBaseFactory, tmp_path: Path
) -> None:
    """1.0 was restricted (its change says so), 1.1 is internal: without --include-restricted
    nothing of 1.0 reaches the pack (its history, approvals and reviews held it)."""
    repo = DatedRepo(kb.root)
    secret = policy("1.0", effective="2026-01-01", last_reviewed="2025-12-19").replace(
        "第 1.0 版", "SECRET_CHANGE_V10"
    )
    repo.write(
        POLICY, secret.replace("status: published", "visibility: restricted\nstatus: published")
    )
    repo.commit("1.0, restricted", on="2025-12-20")
    rows = (("1.0", "2025-12-20", "初版", "bob"),)
    repo.write(POLICY, policy("1.1", effective="2026-02-01", rows=rows))
    repo.commit("1.1, internal", on="2026-01-20")
    files = make(repo.root, "2026-03-01", tmp_path / "pack.zip")
    assert not [name for name, data in files.items() if b"SECRET_CHANGE_V10" in data]
    assert not [name for name, data in files.items() if b"2025-12-19" in data]
    history = json.loads(files["documents/POL-0001/history.json"])
    assert [v["version"] for v in history["versions"]] == ["1.1"]
    files = make(repo.root, "2026-03-01", tmp_path / "all.zip", "--include-restricted")
    assert [name for name, data in files.items() if b"SECRET_CHANGE_V10" in data]
