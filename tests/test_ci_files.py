"""The shipped CI files parse, and every `kb`/`mkdocs` command they run works on the starter
content (they cannot run here: no GitHub or GitLab runner)."""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CI_FILES = [
    ".github/workflows/pull-request.yml",
    ".github/workflows/daily.yml",
    ".gitlab-ci.yml",
    ".pre-commit-hooks.yaml",
    ".pre-commit-config.yaml",
]


def scripts() -> list[tuple[str, str]]:
    found = []
    for name in CI_FILES[:3]:
        data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
        jobs = data.get("jobs", data)
        for job in jobs.values():
            if not isinstance(job, dict):
                continue
            for step in job.get("steps", []):
                if "run" in step:
                    found += [(name, line) for line in step["run"].splitlines()]
            for line in job.get("script", []):
                found.append((name, line))
    return [(name, line) for name, line in found if line.startswith(("kb ", "mkdocs "))]


@pytest.mark.parametrize("name", CI_FILES)
def test_ci_files_parse(name: str) -> None:
    assert yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_workflows_run_on_the_events_the_issue_asks_for() -> None:
    pull = yaml.safe_load((ROOT / CI_FILES[0]).read_text(encoding="utf-8"))
    daily = yaml.safe_load((ROOT / CI_FILES[1]).read_text(encoding="utf-8"))
    assert "pull_request" in pull[True]  # YAML 1.1 reads the key `on` as True
    assert daily[True]["schedule"][0]["cron"]
    runs = [line for _, line in scripts()]
    assert "kb check --format github --files-from changed.txt" in runs
    assert "mkdocs build --strict" in runs and "kb check --format github" in runs
    assert any("GITHUB_STEP_SUMMARY" in line and line.startswith("kb report") for line in runs)


@pytest.mark.parametrize("name, line", scripts(), ids=lambda value: str(value))
def test_every_command_works_on_the_starter_content(name: str, line: str, tmp_path: Path) -> None:
    command = shlex.split(re.split(r"\s(?:[>|]|\|\|)", line)[0])
    if "--files-from" in command:  # a pull request that changed one article
        changed = tmp_path / "changed.txt"
        changed.write_text("kb/vpn/vpn-error-809.md\n", encoding="utf-8")
        command[command.index("--files-from") + 1] = str(changed)
    if command[0] == "kb":
        command = [sys.executable, "-m", "supportkb", *command[1:2], "-C", str(ROOT), *command[2:]]
        if command[3] in ("check", "report"):
            command += ["--as-of", "2026-11-24"]
    else:
        command = [
            sys.executable,
            "-m",
            "mkdocs",
            *command[1:],
            "-f",
            str(ROOT / "mkdocs.yml"),
            "-d",
            str(tmp_path / "site"),
        ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert done.returncode == 0, (line, done.stdout[-2000:], done.stderr[-2000:])


def test_pre_commit_hook_runs_kb_check_on_documents() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "kb-check" and hook["entry"] == "kb check" and hook["pass_filenames"]
    pattern = re.compile(hook["files"])
    assert pattern.search("kb/vpn/vpn-error-809.md") and pattern.search("sops/escalation-sla.md")
    assert not pattern.search("tools/supportkb/cli.py")


def test_vscode_problem_matcher_reads_kb_check_output() -> None:
    tasks = json.loads((ROOT / ".vscode/tasks.json").read_text(encoding="utf-8"))
    regexp = tasks["tasks"][0]["problemMatcher"]["pattern"][0]["regexp"]
    match = re.match(regexp, "kb/vpn/a.md:5: error [owner-unknown] owner 'x' is not in owners.yml")
    assert match and match.group(1) == "kb/vpn/a.md" and match.group(4) == "owner-unknown"
