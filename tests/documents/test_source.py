"""Reading files: whatever bytes a document holds, the result is findings, never a traceback."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportkb.documents.fields import Location
from supportkb.documents.model import DocType
from supportkb.documents.sections import SECTION_ALIASES
from supportkb.documents.source import read_source
from supportkb.workspace.file_analysis import SectionRules, analyse_bytes
from supportkb.workspace.settings import DEFAULT_REQUIRED_SECTIONS

ARTICLE = Location("kb/vpn/x.md", DocType.ARTICLE, "vpn")
SECTIONS = SectionRules(DEFAULT_REQUIRED_SECTIONS, SECTION_ALIASES)
VALID = "---\nid: KB-0001\ntitle: t\nstatus: draft\nowner: network\n---\n# t\n"


def only_code(raw: bytes) -> str:
    source, findings = read_source("x.md", raw)
    assert source is None
    [finding] = findings
    return finding.code


def test_bom_and_crlf_are_accepted() -> None:
    raw = ("\ufeff" + VALID).replace("\n", "\r\n").encode("utf-8")
    source, findings = read_source("x.md", raw)
    assert findings == [] and source is not None
    assert source.front_matter["id"] == "KB-0001"
    assert source.key_lines["owner"] == 5
    assert source.body_line == 7 and source.body == "# t\n"


def test_key_lines_with_blank_lines_around_the_block() -> None:
    source, _ = read_source("x.md", b"---\n\nid: KB-0001\n\ntitle: t\n---\n\n\nbody\n")
    assert source is not None
    assert (source.key_lines["id"], source.key_lines["title"]) == (3, 5)
    assert source.body_line + source.body.split("\n").index("body") == 9


def test_non_utf8_names_the_line() -> None:
    source, [finding] = read_source("x.md", b"---\nid: KB-1\ntitle: caf\xe9\n---\n")
    assert source is None and finding.code == "encoding" and finding.line == 3


def test_huge_file_is_a_finding() -> None:
    assert only_code(VALID.encode() + b"x" * (5 * 1024 * 1024)) == "file-too-large"


@pytest.mark.parametrize(
    "front, code",
    [
        ("- a\n- b\n", "front-matter-not-mapping"),
        ("just a string\n", "front-matter-not-mapping"),
        ("", "front-matter-empty"),
        ("a: &x [1, 2]\nb: *x\n", "front-matter-alias"),
        ("a: " + "[" * 30_000 + "]" * 30_000 + "\n", "front-matter-nesting"),
        ("a:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 40)), "front-matter-nesting"),
        ("a: !!python/object/apply:os.system ['echo hi']\n", "yaml-syntax"),
        ("title: [\n", "yaml-syntax"),
    ],
)
def test_hostile_front_matter(front: str, code: str) -> None:
    assert only_code(f"---\n{front}---\nbody\n".encode()) == code


def test_billion_laughs_is_refused_quickly() -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    assert only_code(("---\n" + "\n".join(lines) + "\n---\n").encode()) == "front-matter-alias"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400))
def test_random_bytes_never_raise(raw: bytes) -> None:
    analyse_bytes(ARTICLE, raw, SECTIONS)


yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.dates().map(str),
    st.sampled_from(["2026/05/01", "6m", "0d", "KB-0001", "published", "*", "~"]),
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.sampled_from(["product", "versions", "date", "scenario", "report", "x"]),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)
field_names = st.sampled_from(
    [
        "id",
        "title",
        "type",
        "status",
        "owner",
        "reviewers",
        "last_reviewed",
        "review_every",
        "review_by",
        "tags",
        "category",
        "kind",
        "version",
        "effective",
        "approved_by",
        "visibility",
        "applies_to",
        "related",
        "supersedes",
        "drill_every",
        "drills",
        "unknown",
        "123",
    ]
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(field_names, yaml_values, max_size=12), st.sampled_from(list(DocType)))
def test_random_front_matter_never_raises(front: dict, doc_type: DocType) -> None:
    import yaml

    text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n# body\n"
    location = Location("x/y.md", doc_type, None)
    result = analyse_bytes(location, text.encode("utf-8"), SECTIONS)
    for finding in result.findings:
        assert finding.message and finding.code


@pytest.mark.parametrize(
    "front",
    [
        "a: !!str {b: 1}\n",
        "a: !!seq {b: 1}\n",
        "a: !!map [1]\n",
        "a: !!binary aGVsbG8=\n",
        "? [a, b]\n: c\n",
        "<<: {a: 1}\n",
    ],
)
def test_odd_tags_and_keys_are_findings(front: str) -> None:
    source, findings = read_source("x.md", f"---\n{front}---\nbody\n".encode())
    if source is None:
        assert [f.code for f in findings] == ["yaml-syntax"]
    else:
        assert all(
            isinstance(key, str | int | float | bool) or key is None for key in source.front_matter
        )
