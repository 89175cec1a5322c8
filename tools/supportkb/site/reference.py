"""The authors' reference, written from the code: the front-matter fields (the field table), the
finding codes (their registry), the search syntax (the vocabulary's names and aliases) and the
commands (the Click commands of `kb`).

Each page is a function returning Markdown, so that the site publishes what the code does today
and `tests/test_docs.py` can tell when something is left undocumented. `PAGES` pairs each page
with its path in the site, under the contributing section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from supportkb.documents.fields import ALL_TYPES, FIELDS, FieldSpec, Required
from supportkb.documents.finding_codes import FINDING_CODES, FindingCode
from supportkb.documents.findings import Severity
from supportkb.documents.vocabulary import TYPE_TERMS, DocType, Status

REFERENCE_FOLDER = "contributing/reference"
INDEX_PAGE = f"{REFERENCE_FOLDER}/index.md"
CONTRIBUTING_GUIDE = "contributing.md"


def _cell(text: str) -> str:
    """A Markdown table cell: a `|` would end it, a line break would end the row."""
    return " ".join(text.split()).replace("|", "\\|")


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


# --- the front-matter fields ------------------------------------------------------------------


def field_description(spec: FieldSpec) -> str:
    """The field's one-line meaning from the field table ("" if the table has none)."""
    return str(getattr(spec, "description", "") or "")


def _types_of(types: frozenset[DocType]) -> str:
    if types == ALL_TYPES:
        return "all"
    return ", ".join(f"`{doc_type.value}`" for doc_type in DocType if doc_type in types)


def field_requirement(spec: FieldSpec) -> str:
    """When a field must be written, in words (the rule is `FieldSpec.is_required`)."""
    if spec.required is Required.NO:
        return "no"
    whom = spec.types & spec.required_types
    scope = "" if whom == ALL_TYPES else f" ({_types_of(whom)})"
    when = {
        Required.ALWAYS: "yes",
        Required.UNLESS_DRAFT: "unless `draft`",
        Required.IF_PUBLISHED: "once `published`",
    }[spec.required]
    return when + scope


def _sentence(text: str) -> str:
    return text if not text or text.endswith((".", "。", ")")) else text + "."


def _values_of(spec: FieldSpec) -> str:
    return ", ".join(f"`{choice}`" for choice in spec.choices)


def front_matter_page() -> str:
    rows = [
        (
            f"`{spec.name}`",
            spec.kind,
            _types_of(spec.types),
            field_requirement(spec),
            _sentence(field_description(spec))
            + (f" Values: {_values_of(spec)}." if spec.choices else ""),
        )
        for spec in FIELDS
    ]
    return "\n\n".join(
        [
            "# 前置資料欄位 Front-matter fields",
            "Every document starts with YAML front-matter between two `---` lines. This table "
            "is generated from the field table `kb check` validates against "
            "(`tools/supportkb/documents/fields.py`); `kb schema` prints the same table as a "
            "JSON Schema. A field not listed is `field-unknown`; a field listed for other "
            "types only is `field-not-allowed`.",
            markdown_table(("field", "kind", "types", "required", "meaning"), rows),
            "Kinds: `text` one line; `texts`, `ids` lists; `id` a document or person id; "
            "`date` `YYYY-MM-DD`; `duration` `90d`, `2w`, `6m`, `1y`; `version` a quoted "
            'string such as `"1.10"`; `choice` one of the listed values; `applies_to` a list '
            "of `{product, versions}` with a PEP 440 range; `drills` a list of "
            "`{date, scenario, report}`.",
        ]
    )


# --- the finding codes ------------------------------------------------------------------------


def _code_row(entry: FindingCode) -> tuple[str, str, str, str]:
    return (
        f"`{entry.code}`",
        entry.severity.value,
        f"{entry.meaning}<br>{entry.meaning_zh}",
        f"{entry.fix}<br>{entry.fix_zh}",
    )


def finding_codes_page() -> str:
    ordered = sorted(FINDING_CODES.values(), key=lambda e: (e.severity is Severity.WARNING, e.code))
    return "\n\n".join(
        [
            "# 檢查代碼 Finding codes",
            "Each finding of `kb check` names a file, a line, a severity and one of these "
            "codes, with a hint. Errors fail the check (exit 1); warnings fail it only with "
            "`--strict`. 錯誤會讓檢查失敗；警告只在加上 `--strict` 時才會。",
            markdown_table(
                ("code", "severity", "meaning 意思", "fix 怎麼修"), map(_code_row, ordered)
            ),
        ]
    )


# --- the search syntax ------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchField:
    """A field a query may name (`type:sop`), and the other names it answers to."""

    name: str
    aliases: tuple[str, ...]
    meaning: str
    example: str


SEARCH_FIELDS: tuple[SearchField, ...] = (
    SearchField("id", (), "the document's id", "id:KB-0002"),
    SearchField("type", (), "the document type, or an alias of it (below)", "type:ep 停電"),
    SearchField("tag", ("tags",), "a tag of the document", "tag:vpn"),
    SearchField("status", (), "the status; archived documents only when asked", "status:draft"),
    SearchField("owner", (), "an owner: a person, or a team and its members", "owner:network"),
    SearchField("product", ("products",), "a product of `applies_to`", "product:ERP"),
    SearchField("category", (), "the category (an article's folder, any level)", "category:vpn"),
    SearchField("kind", (), "an article's kind", "kind:faq"),
)


def _type_aliases() -> list[tuple[str, str]]:
    return [
        (f"`{doc_type.value}`", ", ".join(f"`{alias}`" for alias in terms.aliases) or "—")
        for doc_type, terms in TYPE_TERMS.items()
    ]


def search_syntax_page() -> str:
    fields = [
        (
            f"`{field.name}:`",
            ", ".join(f"`{alias}:`" for alias in field.aliases) or "—",
            field.meaning,
            f"`{field.example}`",
        )
        for field in SEARCH_FIELDS
    ]
    statuses = ", ".join(f"`{status.value}`" for status in Status)
    return "\n\n".join(
        [
            "# 搜尋語法 Search syntax",
            "The search box of the site (when `kb serve` answers it) and `kb search` read the "
            "same syntax. Traditional and Simplified Chinese, English and mixed queries all "
            "work; a query in Simplified Chinese finds the Traditional document.",
            "## Words and phrases",
            markdown_table(
                ("write", "finds"),
                [
                    (
                        "`印表機 一直 卡紙 怎麼辦`",
                        "documents with enough of the words, not necessarily all: more of "
                        "them, in the title, close together and in this order rank higher; "
                        "words like 問題, 一直, 怎麼辦 count little",
                    ),
                    ("`KB-0014`, `kb0014`, `0014`", "that document first"),
                    ('`"錯誤 809"`', "the words together, in this order (a phrase)"),
                    (
                        "`VPN AND 809`, `VPN OR Wi-Fi`, `印表機 NOT 卡紙`",
                        "both, either, the first without the second (operators in capitals)",
                    ),
                    (
                        "`outlook*`",
                        "words that start with `outlook` (a prefix; at most 64 words of the index)",
                    ),
                    ("`pr?nt*`", "wildcards: `?` one character, `*` any number"),
                ],
            ),
            "## Fields",
            "A field filter must hold: `type:ep 停電` is emergency plans about power cuts. "
            "Filters on one field are a choice (`type:sop type:ep`, `tag:vpn OR tag:wifi`); "
            "filters on different fields all hold. Brackets are flattened: "
            "`(type:sop OR tag:vpn) 停電` reads as both filters.",
            markdown_table(("field", "also", "matches", "example"), fields),
            "## Types and their aliases",
            "`type:` (and `kb search --type`, and the API's `?type=`) accepts a type's name "
            "or one of its aliases (in any case, but in lower case in the API):",
            markdown_table(("type", "aliases"), _type_aliases()),
            f"`status:` accepts {statuses}. Archived documents are left out unless the query "
            "asks for them (`status:archived`, or `kb search --all`).",
            "An id finds its document first however it is typed: `KB-0014`, `kb-0014`, "
            "`KB0014` and `kb0014` are the same query.",
            "## What matches",
            "Text and queries are compared in one script: a query in Simplified Chinese "
            "(`印表机`) finds the Traditional document (`印表機`), and mainland usage finds "
            "Taiwan usage (`打印机`). Names such as `corp_vpn.xml` and `Outlook2019` are also "
            "found by their pieces; error codes (`0x80070005`) stay whole; commands in code "
            "blocks are indexed. A word also finds its synonyms (`關閉`, `停止`, `關機`), "
            "ranked a little lower.",
            "## When nothing is found",
            "The search box says which words of the query found nothing, offers a corrected "
            'query ("您是不是要找") and the closest titles, and a button, 請求新增文章, that '
            "asks the owners for the missing article (it appears in `kb report`).",
            "## In the static site",
            "Without `kb serve` (the site on static hosting), the search box is MkDocs "
            "Material's own search, which has none of the syntax above. A query in "
            "Simplified Chinese, with Taiwan or mainland wording (`打印机 卡纸`, `网络 连接`), "
            "is converted to the site's Traditional words before it is searched, and an id "
            "finds its document "
            "however it is typed (`KB-0014`, `kb0014`).",
            "## Limits",
            "A query is cut to 256 characters and control characters are removed; each search "
            "has a time limit (what was not looked at by then is left out, and the answer says "
            "so); a query that cannot be read is a one-line error. Each reader searches only "
            "the documents of the site's audience: no filter reaches past it.",
        ]
    )


# --- the index of the reference -------------------------------------------------------------

# the hand-written pages of the section (docs/contributing/reference/), beside the generated ones
WRITTEN_PAGES = (
    ("configuration.md", "設定 Configuration", "owners.yml and the rules in mkdocs.yml"),
    ("tools.md", "工具 The kb tools", "kb check output, writing and reviewing, search, CI"),
    ("site.md", "網站 The site", "what the build publishes, and to whom"),
    # written by `make reference` from the Click commands (supportkb.cli.reference): the site
    # must not import the command line, which stands above it
    ("commands.md", "指令 Commands", "every kb command and option"),
)
GENERATED_PAGES = (
    ("front-matter.md", "前置資料欄位 Front-matter fields", "every field, when it is required"),
    ("finding-codes.md", "檢查代碼 Finding codes", "what kb check reports and how to fix it"),
    ("search-syntax.md", "搜尋語法 Search syntax", "words, phrases, fields, type aliases"),
)


def index_page(has_page: Callable[[str], bool] = lambda site_path: True) -> str:
    """The section's index: the generated pages, and the written ones the site holds (a
    knowledge base of its own may have none of them: a link to nothing fails the build)."""
    written = tuple(row for row in WRITTEN_PAGES if has_page(f"{REFERENCE_FOLDER}/{row[0]}"))
    rows = [(f"[{title}]({name})", what) for name, title, what in GENERATED_PAGES + written]
    guide = (
        " The workflow step by step is in the [contributing guide](../../contributing.md)."
        if has_page(CONTRIBUTING_GUIDE)
        else ""
    )
    return "\n\n".join(
        [
            "# 參考資料 Reference",
            "For authors and maintainers. The first three pages are generated from the code "
            "each time the site is built, so they say what this version of `kb` does." + guide,
            markdown_table(("page", "what it holds"), rows),
        ]
    )


# --- the pages --------------------------------------------------------------------------------

PAGES: tuple[tuple[str, Callable[[], str]], ...] = (
    (f"{REFERENCE_FOLDER}/front-matter.md", front_matter_page),
    (f"{REFERENCE_FOLDER}/finding-codes.md", finding_codes_page),
    (f"{REFERENCE_FOLDER}/search-syntax.md", search_syntax_page),
)
