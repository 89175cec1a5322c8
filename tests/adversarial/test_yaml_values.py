"""YAML values that PyYAML's constructors cannot build: findings with a file and a line, never
a traceback; in configuration files, a one-line error (exit code 2), at once."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from supportkb.checking.rules import CrossCheck, PathProbe
from supportkb.cli.main import cli
from supportkb.documents.fields import Location
from supportkb.documents.model import DocType
from supportkb.documents.sections import SECTION_ALIASES
from supportkb.workspace.file_analysis import SectionRules, analyse_bytes
from supportkb.workspace.owners import OwnerRegistry
from supportkb.workspace.settings import DEFAULT_REQUIRED_SECTIONS, KnowledgeBaseConfig

from conftest import AS_OF, KnowledgeBaseFactory, article_front

SECTIONS = SectionRules(DEFAULT_REQUIRED_SECTIONS, SECTION_ALIASES)
BAD_VALUES = ["!!bool abc", "!!timestamp nope", "!!int ''", "!!float ''", "!!bool ''"]


@pytest.mark.parametrize("value", BAD_VALUES)
@pytest.mark.parametrize("form", ["x: {}", "tags: [{}]", "x:\n  nested: {}", "title: {}"])
def test_a_value_that_does_not_fit_its_tag_is_a_finding(
    kb: KnowledgeBaseFactory, value: str, form: str
) -> None:
    kb.document("kb/vpn/error-809.md", article_front() + "\n" + form.format(value))
    done = CliRunner().invoke(cli, ["-C", str(kb.root), "check", "--as-of", AS_OF.isoformat()])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    assert done.exit_code == 1
    line = 8 + form.count("\n")  # the value's own line
    assert f"kb/vpn/error-809.md:{line}: error [yaml-value]" in done.output


@pytest.mark.parametrize("command", [["report"], ["codeowners"], ["index"]])
def test_other_commands_survive_a_bad_value(
    kb: KnowledgeBaseFactory, command: list[str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    kb.article()
    kb.document("kb/vpn/bad.md", article_front(id="KB-0002") + "\nx: !!bool abc")
    extra = ["--index-dir", str(tmp_path_factory.mktemp("index"))] if command == ["index"] else []
    done = CliRunner().invoke(cli, ["-C", str(kb.root), *command, *extra])
    assert not isinstance(done.exception, Exception) or isinstance(done.exception, SystemExit), (
        done.output
    )


def test_a_bad_value_in_owners_yml_is_a_one_line_error(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    owners = (kb.root / "owners.yml").read_text().replace("name: Bob Chen", "name: !!bool abc")
    kb.write("owners.yml", owners)
    done = CliRunner().invoke(cli, ["-C", str(kb.root), "check", "--as-of", AS_OF.isoformat()])
    assert done.exit_code == 2
    assert "owners.yml:6: the value 'abc' is not a valid !!bool value" in done.output


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_bad_value_in_mkdocs_yml_is_a_one_line_error(
    kb: KnowledgeBaseFactory, value: str
) -> None:
    kb.article()
    text = (kb.root / "mkdocs.yml").read_text().replace("due_soon_days: 30", f"x: {value}")
    kb.write("mkdocs.yml", text)
    done = CliRunner().invoke(cli, ["-C", str(kb.root), "check", "--as-of", AS_OF.isoformat()])
    assert done.exit_code == 2, done.output
    assert done.output.startswith("Error: mkdocs.yml:10: the value ")
    assert len(done.output.strip().splitlines()) == 1


def test_an_alias_bomb_in_mkdocs_yml_is_refused_at_once(kb: KnowledgeBaseFactory) -> None:
    kb.article()
    rows = ['      a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"      {name}: &{name} [{', '.join(['*' + previous] * 9)}]")
    text = (kb.root / "mkdocs.yml").read_text() + "      section_names:\n  " + "\n  ".join(rows)
    kb.write("mkdocs.yml", text + "\n")
    done = CliRunner().invoke(cli, ["-C", str(kb.root), "check", "--as-of", AS_OF.isoformat()])
    assert done.exit_code == 2
    assert "mkdocs.yml:" in done.output and "aliases" in done.output
    assert len(done.output.strip().splitlines()) == 1


TAGS = [
    "",
    *(
        f"!!{name} "
        for name in (
            [
                "str",
                "int",
                "float",
                "bool",
                "null",
                "timestamp",
                "binary",
                "seq",
                "map",
                "set",
                "omap",
                "pairs",
                "merge",
                "value",
            ]
        )
    ),
    "!unknown ",
    "!<tag:example.com,2026:x> ",
    "!!python/name:os.system ",
]
SCALARS = st.sampled_from(
    [
        "",
        "''",
        '""',
        "abc",
        "0x",
        "0o9",
        "1_000_",
        "~",
        "yes",
        ".nan",
        "-.inf",
        "2026-02-30",
        "2026-13-01 99:99",
        "KB-0001",
        "[1, 2]",
        "{a: 1}",
        "<<",
        "=",
        "a\tb",
        "x #y",
        "'it''s'",
        '"\\x00"',
        "-",
        "? a",
    ]
) | st.text(max_size=10)
KEYS = st.sampled_from(
    ["id", "title", "owner", "status", "last_reviewed", "tags", "related", "products", "x", "<<"]
)
BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\x85", "\u2028", "\u2029"])


@st.composite
def front_matter_lines(draw: st.DrawFn) -> str:
    key, tag, scalar = draw(KEYS), draw(st.sampled_from(TAGS)), draw(SCALARS)
    tail = draw(st.sampled_from(["", "\t", " ", " \t# c"]))
    form = draw(
        st.sampled_from(
            ["{k}: {t}{s}{e}", "{k}:\n  - {t}{s}{e}", "{k}:\n  sub: {t}{s}{e}", "{k}: [{t}{s}]{e}"]
        )
    )
    return form.format(k=key, t=tag, s=scalar, e=tail)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(front_matter_lines(), max_size=6),
    st.sampled_from(["---", "----", "...", "--- ", "---\t", "--- x"]),
    BREAKS,
    st.sampled_from(list(DocType)),
)
def test_any_front_matter_gives_findings_with_a_place(
    lines: list[str], closing: str, line_break: str, doc_type: DocType
) -> None:
    front = line_break.join([*article_front().splitlines(), *lines])
    text = "---" + line_break + front + line_break + closing + line_break + "# body\n"
    location = Location("kb/x/y.md", doc_type, "x")
    result = analyse_bytes(location, text.encode("utf-8"), SECTIONS)
    for finding in result.findings:
        assert finding.path == location.path and finding.message and finding.code
        assert isinstance(finding.line, int) and finding.line >= 0
    if result.document is not None:  # the rules that read the values survive them too
        probe = PathProbe(Path("."))
        cross = CrossCheck(KnowledgeBaseConfig(), OwnerRegistry({}, {}), date(2026, 11, 24), probe)
        for finding in cross.document_findings(result.document):
            assert finding.path == location.path and isinstance(finding.line, int)
        list(cross.collection_findings((result.document,)))


ODD_FILES = {
    "tab after values": "---\nid: KB-0004\ntitle: x\t\nowner: network\t\ntags: [a]\t\n---\nbody\n",
    "closed by ----": "---\nid: KB-0004\ntitle: x\n----\nbody\n",
    "closed by ...": "---\nid: KB-0004\ntitle: x\n...\nbody\n",
    "CR line ends": "---\rid: KB-0004\rtitle: x\r---\rbody\r",
    "NEL and LS": "---\nid: KB-0004\x85title: x\u2028\n---\nbody\n",
}


@pytest.mark.parametrize("text", ODD_FILES.values(), ids=ODD_FILES.keys())
@pytest.mark.parametrize("command", [["check"], ["index"]])
def test_odd_layouts_and_names_never_give_a_traceback(
    kb: KnowledgeBaseFactory,
    text: str,
    command: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    kb.article()
    kb.write("kb/vpn/odd.md", text)
    bad_folder = os.fsdecode(b"kb/\xff")
    os.makedirs(kb.root / bad_folder)
    (kb.root / bad_folder / os.fsdecode(b"\xfe.md")).write_text(text, encoding="utf-8")
    extra = ["--index-dir", str(tmp_path_factory.mktemp("index"))] if command == ["index"] else []
    dated = ["--as-of", AS_OF.isoformat()] if command[0] in ("check", "report") else []
    done = CliRunner().invoke(cli, ["-C", str(kb.root), *command, *dated, *extra])
    assert done.exception is None or isinstance(done.exception, SystemExit), done.output
    if command == ["check"]:
        assert "kb/\\xff: error [file-name-encoding]" in done.output
