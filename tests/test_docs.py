"""Everything an author or a CI job meets is documented (the model: sqlite-utils' and Datasette's
`test_docs.py`): every front-matter field, every finding code `kb check` can emit, every search
field and type alias, and every `kb` command and option. The reference pages are generated
from the code (`supportkb.site.reference`), so these tests fail when the code grows something
its documentation source (the field table, the code registry, the Click help) does not explain.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import click
import pytest

from supportkb.cli import reference as commands_reference
from supportkb.cli.main import cli
from supportkb.documents.fields import FIELDS, FieldSpec, filter_names
from supportkb.documents.finding_codes import FINDING_CODES
from supportkb.documents.vocabulary import TYPE_TERMS, Status
from supportkb.site import reference

from conftest import REPO_ROOT

PACKAGE = Path(__file__).resolve().parents[1] / "tools" / "supportkb"
CODE = re.compile(r"^[a-z]+(-[a-z]+)*$")
# the functions that make a finding, and the position of the code among their arguments
# (`fail` and `_StructureProblem` are documents/source.py's ways to make one)
CODE_ARGUMENT = {"error": 2, "warning": 2, "Finding": 3, "fail": 1, "_StructureProblem": 1}


def _literal_code(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CODE.match(node.value):
        return node.value
    return None


def _codes_in_tuples(function: ast.AST) -> set[str]:
    """Codes a function passes through a variable, e.g. `("reviewers", "reviewer-unknown",
    person)` in a loop: the literals written in its tuples."""
    return {
        code
        for node in ast.walk(function)
        if isinstance(node, ast.Tuple)
        for element in node.elts
        if (code := _literal_code(element)) is not None and "-" in code
    }


def _codes_of_function(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    parameters = {arg.arg for arg in [*function.args.args, *function.args.kwonlyargs]}
    found: set[str] = set()
    for node in ast.walk(function):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        position = CODE_ARGUMENT.get(node.func.id)
        if position is None or len(node.args) <= position:
            continue
        argument = node.args[position]
        code = _literal_code(argument)
        if code is not None:
            found.add(code)
        elif isinstance(argument, ast.Name) and argument.id not in parameters:
            found |= _codes_in_tuples(function)
        # else: a wrapper's parameter or an exception's `.code`, found at their own literals
    return found


def _codes_of_module(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found |= _codes_of_function(node)
        elif isinstance(node, ast.ClassDef):  # `code = "not-regular-file"` (safe_read)
            for statement in node.body:
                if (
                    isinstance(statement, ast.Assign)
                    and [getattr(t, "id", None) for t in statement.targets] == ["code"]
                    and (code := _literal_code(statement.value)) is not None
                ):
                    found.add(code)
    return found


def emitted_codes() -> set[str]:
    """Every finding code written in the package's source."""
    found: set[str] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        found |= _codes_of_module(ast.parse(path.read_text(encoding="utf-8")))
    return found


EMITTED = sorted(emitted_codes())


def test_the_code_scan_finds_the_codes_of_every_way_of_emitting_one() -> None:
    """The scan itself: a literal code, a code passed through a loop, a class attribute, the
    YAML reader's own problems; if it found none of a kind, the tests below would pass empty."""
    assert {"id-duplicate", "reviewer-unknown", "approver-unknown", "file-outside-checkout"} <= (
        set(EMITTED)
    )
    assert {"front-matter-duplicate-key", "date-in-future", "yaml-value"} <= set(EMITTED)


@pytest.mark.parametrize("code", EMITTED)
def test_every_emitted_finding_code_is_in_the_registry(code: str) -> None:
    assert code in FINDING_CODES, f"add {code!r} to supportkb/documents/finding_codes.py"


@pytest.mark.parametrize("code", sorted(FINDING_CODES))
def test_every_registered_code_is_emitted(code: str) -> None:
    """A code the checker no longer emits is documentation of nothing."""
    assert code in EMITTED


@pytest.mark.parametrize("code", sorted(FINDING_CODES))
def test_every_finding_code_says_what_it_means_and_how_to_fix_it(code: str) -> None:
    entry = FINDING_CODES[code]
    assert entry.code == code
    for text in (entry.meaning, entry.fix, entry.meaning_zh, entry.fix_zh):
        assert text.strip(), f"{code}: a meaning or fix is empty"
    assert entry.meaning != entry.fix


@pytest.mark.parametrize("code", sorted(FINDING_CODES))
def test_every_finding_code_is_in_the_published_reference(code: str) -> None:
    row = next((line for line in _page_lines("finding-codes") if f"`{code}`" in line), "")
    entry = FINDING_CODES[code]
    assert entry.meaning.split()[0] in row and entry.fix_zh[:4] in row


def _page_lines(name: str) -> list[str]:
    if name == "commands":  # written ahead by `make reference` (the site cannot import the CLI)
        return commands_reference.commands_page().splitlines()
    pages = dict(reference.PAGES)
    return pages[f"{reference.REFERENCE_FOLDER}/{name}.md"]().splitlines()


def _field_row(spec: FieldSpec) -> str:
    return next(
        (line for line in _page_lines("front-matter") if line.startswith(f"| `{spec.name}`")), ""
    )


@pytest.mark.parametrize("spec", FIELDS, ids=lambda spec: spec.name)
def test_every_front_matter_field_has_a_description(spec: FieldSpec) -> None:
    assert reference.field_description(spec).strip(), f"describe {spec.name!r} in fields.py"


@pytest.mark.parametrize("spec", FIELDS, ids=lambda spec: spec.name)
def test_every_front_matter_field_is_in_the_published_reference(spec: FieldSpec) -> None:
    row = _field_row(spec)
    assert reference.field_description(spec).split()[0] in row
    assert f"| {reference.field_requirement(spec)} |" in row
    for choice in spec.choices:
        assert f"`{choice}`" in row


def _search_fields() -> tuple[str, ...]:
    return filter_names()  # the field table's filters: what `field:value` accepts


@pytest.mark.parametrize("name", _search_fields())
def test_every_search_field_is_in_the_search_syntax(name: str) -> None:
    documented = {field.name: field for field in reference.SEARCH_FIELDS}
    assert name in documented, f"document the search field {name!r} in site/reference.py"
    assert any(line.startswith(f"| `{name}:`") for line in _page_lines("search-syntax"))


def test_every_type_alias_and_status_is_in_the_search_syntax() -> None:
    page = "\n".join(_page_lines("search-syntax"))
    for doc_type, terms in TYPE_TERMS.items():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{doc_type}` |"))
        for alias in terms.aliases:
            assert f"`{alias}`" in row
    for status in Status:
        assert f"`{status}`" in page


COMMANDS = commands_reference.kb_commands()


# options without help: each is a strict xfail, so that the test says when the help is added
# (then remove the entry); keep it empty
WITHOUT_HELP: set[tuple[str, str]] = set()


def _options() -> list[object]:
    return [
        pytest.param(
            name,
            command,
            param,
            id=f"{name} {param.opts[-1]}",
            marks=[pytest.mark.xfail(strict=True, reason="no help text yet")]
            if (name, param.opts[-1]) in WITHOUT_HELP
            else [],
        )
        for name, command in COMMANDS
        for param in commands_reference.documented_params(command)
        if isinstance(param, click.Option)
    ]


@pytest.mark.parametrize("name, command", COMMANDS, ids=[name for name, _ in COMMANDS])
def test_every_command_has_help_and_a_section_in_the_reference(
    name: str, command: click.Command
) -> None:
    assert (command.help or "").strip(), f"kb {name} has no docstring"
    lines = _page_lines("commands")
    assert f"## `kb {name}`" in lines
    assert any(line.startswith(f"| [`kb {name}`]") for line in lines)


@pytest.mark.parametrize("name, command, option", _options())
def test_every_option_has_help_in_the_commands_reference(
    name: str, command: click.Command, option: click.Option
) -> None:
    assert (option.help or "").strip(), f"kb {name} {option.opts[-1]} has no help text"
    page = "\n".join(_page_lines("commands"))
    section = page.split(f"## `kb {name}`", 1)[1].split("\n## ", 1)[0]
    row = next(
        line
        for line in section.splitlines()
        if line.startswith("| ") and f"`{option.opts[-1]}`" in line.split(" | ")[0]
    )
    assert " ".join(option.help.split()).replace("|", "\\|") in row  # type: ignore[union-attr]


def test_the_top_level_options_have_help() -> None:
    for param in commands_reference.documented_params(cli):
        assert isinstance(param, click.Option) and (param.help or "").strip(), param.name


def test_every_reference_page_is_a_titled_markdown_page() -> None:
    paths = [path for path, _ in reference.PAGES]
    assert len(set(paths)) == len(paths)
    for path, page in reference.PAGES:
        assert path.startswith(reference.REFERENCE_FOLDER + "/") and path.endswith(".md")
        assert page().startswith("# ")


def test_the_reference_index_links_every_page_of_the_section() -> None:
    """The generated pages and the hand-written ones (docs/contributing/reference/)."""
    index = reference.index_page()
    generated = {path.rsplit("/", 1)[1] for path, _ in reference.PAGES} - {"index.md"}
    assert generated == {name for name, _, _ in reference.GENERATED_PAGES}
    docs = Path(__file__).resolve().parents[1] / "docs" / reference.REFERENCE_FOLDER
    for name, _, _ in reference.GENERATED_PAGES + reference.WRITTEN_PAGES:
        assert f"]({name})" in index
    for name, _, _ in reference.WRITTEN_PAGES:
        assert (docs / name).is_file(), name
    for name in generated:
        assert not (docs / name).exists(), f"{name} is generated: a file would hide it"


def test_the_commands_page_says_what_the_commands_do() -> None:
    """The published commands page is the one the Click commands make today."""
    page = Path(__file__).resolve().parents[1] / commands_reference.PAGE
    assert page.read_text(encoding="utf-8") == commands_reference.commands_page() + "\n", (
        "the commands changed: run `make reference` and commit docs/contributing/reference/"
    )


def test_every_plugin_option_is_in_the_configuration_reference() -> None:
    from supportkb.workspace.settings import PLUGIN_OPTIONS

    page = (REPO_ROOT / "docs/contributing/reference/configuration.md").read_text("utf-8")
    for option in PLUGIN_OPTIONS:
        assert f"| `{option.name}` |" in page, f"document {option.name} in configuration.md"


def test_every_key_of_the_history_json_is_in_the_history_reference(tmp_path: Path) -> None:
    """`kb history --json` is a documented, stable object: each key it prints (at any depth)
    is named in docs/contributing/reference/history.md."""
    from datetime import date

    from git_repo import DatedRepo, policy
    from supportkb.history.export import history_object
    from supportkb.history.reading import document_history

    from conftest import KnowledgeBaseFactory

    kb = KnowledgeBaseFactory(tmp_path)
    repo = DatedRepo(kb.root)
    repo.write("docs/policies/retention.md", policy("1.0"))
    repo.commit("1.0", on="2025-12-20")
    document, history = document_history(kb.root, "POL-0001")
    data = history_object(history, document.title, date(2026, 1, 2))

    def keys(value: object) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for item in value for k in keys(item)}
        return set()

    page = (REPO_ROOT / "docs" / "contributing" / "reference" / "history.md").read_text("utf-8")
    assert {key for key in keys(data) if f"`{key}`" not in page} == set()
