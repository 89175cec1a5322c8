"""A version's Markdown as a self-contained HTML page for an audit pack: rendered with the
Markdown extensions the site uses (mkdocs.yml's `markdown_extensions` and those the supportkb
plugin adds), inside a page that loads nothing: its style is inline, and a
Content-Security-Policy forbids every script and every resource from elsewhere (raw HTML a
document holds is kept as the site shows it, but cannot run or fetch anything). Every value
from a front-matter in the page's header is escaped."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import markdown  # type: ignore[import-untyped]  # MkDocs' own Markdown

from supportkb.documents.source import read_source
from supportkb.errors import ConfigError

BUILTIN_EXTENSIONS = ("toc", "tables", "fenced_code")  # what MkDocs always adds
CONTENT_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
PAGE_STYLE = """
body{font-family:"Noto Sans CJK TC",system-ui,sans-serif;max-width:60rem;margin:2rem auto;
  padding:0 1rem;color:#1b1b1b;background:#fff;line-height:1.6}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem;
  vertical-align:top}
pre,code{font-family:"Noto Sans Mono CJK TC",monospace;background:#f4f4f4}
pre{padding:.5rem;overflow-x:auto}
.kb-audit-facts{margin-bottom:2rem;font-size:.9rem}
.kb-audit-note{border-left:4px solid #3f51b5;padding:.3rem .8rem;background:#eef}
.admonition{border-left:4px solid #888;padding:.2rem .8rem;margin:1rem 0}
.headerlink{display:none}
"""


@dataclass(frozen=True)
class MarkdownSettings:
    """The site's Markdown extensions and their configurations."""

    extensions: tuple[str, ...]
    configs: dict[str, dict[str, Any]]

    @classmethod
    def of_site(cls, root: Path, added: Sequence[str] = ()) -> MarkdownSettings:
        """mkdocs.yml's `markdown_extensions`, read as MkDocs reads them, with `added` (the
        plugin's) after them. `ConfigError` (one line) when they cannot be loaded."""
        from mkdocs.config.base import ValidationError
        from mkdocs.config.config_options import MarkdownExtensions
        from mkdocs.exceptions import ConfigurationError
        from mkdocs.utils.yaml import yaml_load

        try:
            with (root / "mkdocs.yml").open("rb") as handle:
                data = yaml_load(handle)
            option = MarkdownExtensions(builtins=list(BUILTIN_EXTENSIONS), configkey="mdx_configs")
            names: list[str] = option.validate(  # type: ignore[no-untyped-call]
                data.get("markdown_extensions") or []
            )
        except (OSError, ConfigurationError, ValidationError) as exc:
            first = str(exc).strip().splitlines()
            raise ConfigError(
                f"mkdocs.yml's markdown_extensions cannot be loaded: {first[0] if first else exc}"
            ) from None
        extensions = list(dict.fromkeys([*names, *added]))
        return cls(tuple(extensions), dict(option.configdata))

    def render(self, text: str) -> str:
        renderer = markdown.Markdown(
            extensions=list(self.extensions), extension_configs=self.configs
        )
        return str(renderer.convert(text))


def body_of(path: str, text: str) -> str:
    """The Markdown body of a document's file (its front-matter left out)."""
    source, _ = read_source(path, text.encode("utf-8"))
    return source.body if source is not None else text


def document_page(title: str, facts: Sequence[tuple[str, str]], note: str, body_html: str) -> str:
    """A whole HTML page: `title`, a table of `facts` (label, value: escaped), a `note`
    (escaped) and the rendered body (HTML, as the site renders it)."""
    rows = "".join(
        f'<tr><th scope="row">{html.escape(label)}</th><td>{html.escape(value)}</td></tr>'
        for label, value in facts
    )
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hant"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body>"
        f'<table class="kb-audit-facts">{rows}</table>'
        f'<p class="kb-audit-note">{html.escape(note)}</p>'
        f"<main>\n{body_html}\n</main></body></html>\n"
    )


def table_page(title: str, note: str, table_html: str) -> str:
    """A whole HTML page around a table fragment (already escaped by whoever made it)."""
    return (
        '<!DOCTYPE html>\n<html lang="zh-Hant"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body>"
        f"<h1>{html.escape(title)}</h1>"
        f'<p class="kb-audit-note">{html.escape(note)}</p>\n{table_html}\n</body></html>\n'
    )
