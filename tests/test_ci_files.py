"""The shipped CI files parse, and every `kb`/`mkdocs` command they run works on the starter
content (they cannot run here: no GitHub or GitLab runner)."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tomllib
from datetime import date
from pathlib import Path

import pytest
import yaml

from git_repo import DatedRepo
from supportkb.workspace.knowledge_base import load_knowledge_base

from conftest import last_recorded_day, shipped_content

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
    assert 'kb check --format github --since "origin/${GITHUB_BASE_REF}"' in runs
    assert "mkdocs build --strict" in runs and "kb check --format github" in runs
    assert any("GITHUB_STEP_SUMMARY" in line and line.startswith("kb report") for line in runs)


OVERDUE = {"review-overdue", "drill-overdue"}


@pytest.fixture(scope="module")
def content_day() -> date:
    return max(last_recorded_day(d) for d in load_knowledge_base(ROOT).documents)


@pytest.mark.parametrize("name, line", scripts(), ids=lambda value: str(value))
def test_every_command_works_on_the_starter_content(
    name: str, line: str, tmp_path: Path, content_day: date
) -> None:
    """Each command as the workflow runs it, judged as of the latest day the content records
    (so a document added today passes, and the calendar moving on fails nothing)."""
    command = shlex.split(re.split(r"\s(?:[>|]|\|\|)", line)[0])
    root = ROOT
    if "--files-from" in command:  # a pull request that changed one article
        changed = tmp_path / "changed.txt"
        changed.write_text("kb/vpn/vpn-error-809.md\n", encoding="utf-8")
        command[command.index("--files-from") + 1] = str(changed)
    if "--since" in command:  # the base branch: a repository of the content, one commit
        root = shipped_content(tmp_path / "repository")
        DatedRepo(root).commit("the starter content", on=content_day.isoformat())
        command[command.index("--since") + 1] = "main"
    if command[0] == "kb":
        command = [sys.executable, "-m", "supportkb", *command[1:2], "-C", str(root), *command[2:]]
        if command[3] in ("check", "report"):
            command += ["--as-of", content_day.isoformat()]
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
    findings = set(re.findall(r"(?:\[|title=)([a-z]+(?:-[a-z]+)+)(?:\]|::)", done.stdout))
    if done.returncode == 1 and findings and findings <= OVERDUE:
        return  # the daily job's business: somebody else's overdue document blocks no one
    assert done.returncode == 0, (line, done.stdout[-2000:], done.stderr[-2000:])


def test_every_checkout_fetches_the_whole_history() -> None:
    """kb check --since, kb history and the site's history pages read the commits: a shallow
    clone (actions/checkout's default depth of 1) would make them fail or lie."""
    for name in CI_FILES[:2]:
        data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
        checkouts = [
            step
            for job in data["jobs"].values()
            for step in job["steps"]
            if str(step.get("uses", "")).startswith("actions/checkout")
        ]
        assert checkouts, name
        for step in checkouts:
            assert step.get("with", {}).get("fetch-depth") == 0, (name, step)


def test_the_pull_request_runs_change_control_against_its_base_branch(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The workflow's command on a pull request that changed a policy's body but not its
    version: version-not-bumped, as a GitHub annotation on the file's version line."""
    root = shipped_content(tmp_path_factory.mktemp("pr") / "repository")
    repo = DatedRepo(root)
    repo.commit("base", on="2026-11-01")
    repo.git("branch", "base")
    path = root / "docs/policies/knowledge-base-management.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## 1. 目的\n", "## 1. 目的\n\n新增一句。\n", 1), encoding="utf-8")
    assert "新增一句" in path.read_text(encoding="utf-8")
    repo.commit("a change", on="2026-11-20")
    pull = yaml.safe_load((ROOT / CI_FILES[0]).read_text(encoding="utf-8"))
    [line] = [
        step["run"]
        for step in pull["jobs"]["knowledge-base"]["steps"]
        if "--since" in step.get("run", "")
    ]
    command = shlex.split(line.replace("${GITHUB_BASE_REF}", "base").replace("origin/", ""))
    done = subprocess.run(
        [sys.executable, "-m", "supportkb", *command[1:], "-C", str(root), "--as-of", "2026-11-24"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    version_line = text.split("\n").index('version: "1.2"') + 1
    assert (
        f"::error file=docs/policies/knowledge-base-management.md,line={version_line}"
        in done.stdout
    )
    assert "version-not-bumped" in done.stdout


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


def test_ci_run_installs_the_browser_and_the_chinese_fonts_before_the_tests() -> None:
    """`.ci/run` on a fresh Debian machine: chromium and the CJK fonts (Chinese shows as boxes
    in screenshots and printed PDFs without them) are installed, then the tests require the
    browser. axe-core and the PDF reader come with the Python test dependencies."""
    script = (ROOT / ".ci/run").read_text(encoding="utf-8")
    listed = re.search(r"^BROWSER_PACKAGES=\(([^)]*)\)", script, re.MULTILINE)
    assert listed and {"chromium", "fonts-noto-cjk"} <= set(listed.group(1).split())
    assert 'apt-get install -y -qq "${missing[@]}"' in script
    assert script.index("apt-get install") < script.index("SUPPORTKB_REQUIRE_BROWSER=1")
    assert script.rstrip().endswith("make test")
    assert subprocess.run(["bash", "-n", str(ROOT / ".ci/run")], check=False).returncode == 0
    test_extra = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    needed = " ".join(test_extra["project"]["optional-dependencies"]["test"])
    assert "axe-playwright-python" in needed and "pypdf" in needed


@pytest.mark.skipif(
    not os.environ.get("SUPPORTKB_REQUIRE_BROWSER"), reason="only where .ci/run set up the browser"
)
def test_the_browser_machine_has_a_traditional_chinese_font() -> None:
    fonts = subprocess.run(
        ["fc-list", ":lang=zh-tw", "family"], capture_output=True, text=True, check=True
    ).stdout
    assert "Noto Sans CJK" in fonts or "Noto Serif CJK" in fonts, fonts
