"""The Jinja environment the site's fragments are rendered with (page header, banners,
generated pages), from the templates in `supportkb/site/templates/`.

A site can replace any of them: a file of the same name under its theme's `custom_dir`, in a
`supportkb/` folder (`overrides/supportkb/header.html`), wins over the packaged one, as the
theme's own templates are overridden. Autoescape is on, and escapes as the rest of supportkb
does (`html.escape`, quotes included: `&quot;`, `&#x27;`), so that a front-matter value is
text wherever a template prints it; what is already HTML (a link whose address was checked,
see `supportkb.documents.urls`) is passed in as `Markup`.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import jinja2
from markupsafe import Markup

OVERRIDE_FOLDER = "supportkb"  # under the theme's custom_dir
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def template_environment(custom_dir: str | Path | None = None) -> jinja2.Environment:
    """Templates from `custom_dir/supportkb/` first, then the packaged ones."""
    loaders: list[jinja2.BaseLoader] = []
    if custom_dir:
        loaders.append(jinja2.FileSystemLoader(Path(custom_dir) / OVERRIDE_FOLDER))
    loaders.append(jinja2.PackageLoader("supportkb.site", "templates"))
    environment = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        finalize=escaped,
        undefined=jinja2.StrictUndefined,  # a misspelt name in an override fails the build
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    environment.filters["md"] = lambda value: Markup(md(value))
    environment.filters["code"] = lambda value: Markup(code(value))
    return environment


def escaped(value: object) -> Markup:
    """What a template prints: HTML as given (`Markup`), anything else escaped as text."""
    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def code(value: object) -> str:
    """Front-matter text shown as code (ids, tags): backslash escapes do not work in code spans."""
    return f"<code>{html.escape(str(value), quote=True)}</code>"


def esc(value: object) -> str:
    """Front-matter text inside raw HTML."""
    return html.escape(str(value), quote=True)


def md(value: object) -> str:
    """Front-matter text made inert in Markdown and HTML."""
    text = html.escape(str(value), quote=True).replace("\n", " ")
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text)
