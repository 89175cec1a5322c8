"""The shipped knowledge base is an example people copy: it must pass its own checks."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from click.testing import CliRunner

from supportkb.checking.check import check
from supportkb.cli.main import cli
from supportkb.documents.layout import discover
from supportkb.documents.model import DocType, Status
from supportkb.documents.source import read_source
from supportkb.history.revision_table import row_for
from supportkb.workspace.knowledge_base import load_knowledge_base
from supportkb.workspace.owners import load_registry
from supportkb.workspace.settings import load_config

from conftest import last_recorded_day

ROOT = Path(__file__).resolve().parents[1]


def test_every_shipped_document_passes_strict_check_as_of_the_day_it_last_records() -> None:
    """Each document is judged as of the latest day it records (its review, its last drill),
    not as of a fixed date: a document added or reviewed today passes (a fixed date would call
    its today `date-in-future`), and one that was already stale when it was last changed still
    fails. Whether documents are overdue on the day is the daily workflow's `kb check`."""
    documents = load_knowledge_base(ROOT).documents
    assert documents
    by_day: dict[date, set[str]] = defaultdict(set)
    for document in documents:
        by_day[last_recorded_day(document)].add(document.path)
    latest = max(by_day)
    findings = []
    for day, paths in sorted(by_day.items()):
        result = check(ROOT, day, use_cache=False)
        # a finding on a document is judged on its own day; the rest (owners.yml, CODEOWNERS,
        # files that are not documents) on the latest day
        findings += [
            f
            for f in result.findings
            if f.path in paths or (day == latest and f.path not in {d.path for d in documents})
        ]
    assert findings == [], "\n".join(f"{f.path}:{f.line} {f.code} {f.message}" for f in findings)


def test_every_published_controlled_document_records_its_approval() -> None:
    """An example of what an auditor asks: who approved the version in force and when, the
    approval on or before the day it took effect, and the revision-history row of the
    version naming the same approver on the same day."""
    controlled = [
        d
        for d in load_knowledge_base(ROOT).documents
        if d.type is not DocType.ARTICLE and d.status is Status.PUBLISHED
    ]
    assert controlled
    for document in controlled:
        assert document.approved_by and document.approved_on, document.path
        assert document.effective is None or document.approved_on <= document.effective
        body = read_source(document.path, (ROOT / document.path).read_bytes())[0]
        assert body is not None
        row = row_for(body.body, document.version)
        assert row is not None, document.path
        assert (row.date, row.approver) == (document.approved_on, document.approved_by)


def test_starter_content_has_every_kind_of_document() -> None:
    types = Counter(location.type for location in discover(ROOT))
    assert types[DocType.ARTICLE] >= 24
    assert types[DocType.SOP] >= 6
    assert types[DocType.EMERGENCY_PLAN] >= 3
    assert types[DocType.POLICY] >= 3
    assert (ROOT / "docs/index.md").is_file() and (ROOT / "docs/contributing.md").is_file()


def test_starter_content_shows_the_lifecycle() -> None:
    statuses = Counter()
    kinds = Counter()
    for location in discover(ROOT):
        source, findings = read_source(location.path, (ROOT / location.path).read_bytes())
        assert source is not None, findings
        statuses[source.front_matter["status"]] += 1
        kinds[source.front_matter.get("kind")] += 1
    assert {s.value for s in Status} - set(statuses) <= {Status.ARCHIVED.value}
    assert kinds["faq"] and kinds["howto"] and kinds["troubleshooting"]


def test_starter_content_goes_stale_when_nobody_reviews_it() -> None:
    """The same content more than its longest review interval after its latest review: the
    check notices (and says so per file)."""
    documents = load_knowledge_base(ROOT).documents
    config = load_config(ROOT)
    later = max(last_recorded_day(d) for d in documents)
    for interval in config.review_every.values():
        later = max(later, interval.after(max(last_recorded_day(d) for d in documents)))
    later += timedelta(days=1)
    result = CliRunner().invoke(cli, ["-C", str(ROOT), "check", "--as-of", later.isoformat()])
    assert result.exit_code == 1
    assert "[review-overdue]" in result.output and "[drill-overdue]" in result.output


def test_registry_and_configuration_are_valid() -> None:
    registry, findings = load_registry(ROOT)
    assert findings == []
    assert {"service-desk", "network", "systems", "security", "management"} <= set(registry.teams)
    config = load_config(ROOT)
    assert config.due_soon_days == 30
    assert date(2026, 11, 24) < config.review_every[DocType.SOP].after(date(2026, 11, 24))


def test_the_home_page_s_p1_steps_link_every_sop_and_plan_they_name() -> None:
    """During a P1 call the agent clicks, not searches: each id the steps name is a link to
    the document that holds it (they were plain text)."""
    home = (ROOT / "docs/index.md").read_text(encoding="utf-8")
    steps = home.split("## 接到 P1", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"\b(?:SOP|EP)-\d{4}\b", steps))
    assert named
    for doc_id in named:
        link = re.search(rf"\[{doc_id}[^\]]*\]\(([^)]+)\)", steps)
        assert link is not None, f"{doc_id} is not a link"
        target = (ROOT / "docs" / link.group(1)).resolve()
        assert f"\nid: {doc_id}\n" in target.read_text(encoding="utf-8"), (doc_id, target)
