"""The `supportkb` MkDocs plugin.

Its options are declared in `supportkb.workspace.settings.PLUGIN_OPTIONS` (the table `kb`
validates mkdocs.yml with, too); its `config_scheme` is derived from that table here, each
option validated by the same function, so MkDocs and `kb` give the same messages. It derives
the knowledge base's rules from them, brings the documents kept outside `docs/` (kb/, sops/)
into the site, leaves out what the build's audience must not see, puts a metadata panel and
banners on every document page, adds the generated pages (catalogs, categories, tags, review
calendar, register) and makes links written between repository files work between site pages;
it writes the labels the browser's scripts show (`labels.js`, from
`supportkb.documents.vocabulary`). The work is done by plain classes and functions
(`KnowledgeBaseConfig`, `SiteSources`, `supportkb.site.pages`, the templates of
`supportkb.site.rendering`); the hooks stay short.
"""

from __future__ import annotations

import dataclasses
import html
import json
import logging
import os
import re
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, cast
from urllib.parse import quote

from mkdocs.config.base import BaseConfigOption, Config, ValidationError
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.utils import get_relative_url

from supportkb.documents.layout import ARTICLES_DIR, POLICIES_DIR, SOPS_DIR, checkout_folders
from supportkb.documents.model import Document
from supportkb.documents.source import MAX_FILE_BYTES, read_source
from supportkb.documents.vocabulary import browser_labels
from supportkb.errors import FatalError
from supportkb.history.git import GitHistory
from supportkb.history.reading import read_histories
from supportkb.reporting.feedback import feedback_counts, feedback_path
from supportkb.reporting.search_log import DEFAULT_FILE as ANALYTICS_FILE
from supportkb.search.text.dictionary import traditional_dictionary, user_terms
from supportkb.site.chinese_table import write_chinese_table
from supportkb.site.content_policy import (
    POLICY_FILE,
    inline_script_hashes,
    policy_file_text,
    with_policy_meta,
)
from supportkb.site.footer import document_footer
from supportkb.site.header import document_header, insert_header
from supportkb.site.history_pages import (
    SupersededPage,
    has_history_page,
    history_pages,
    site_superseded,
    slot_contents,
    slots,
)
from supportkb.site.marker import SiteMarker, read_marker, write_marker
from supportkb.site.pages import SiteModel, generated_pages, home_page
from supportkb.site.provenance import (
    BuildStamp,
    read_stamp,
    repository_host,
    source_date,
    with_stamp,
)
from supportkb.site.register import is_withheld
from supportkb.site.rendering import template_environment
from supportkb.site.sources import SiteSources
from supportkb.system.output_folder import claim_folder
from supportkb.system.safe_read import is_regular_inside, read_regular
from supportkb.workspace.knowledge_base import load_knowledge_base
from supportkb.workspace.owners import OwnerRegistry
from supportkb.workspace.settings import (
    PLUGIN_OPTIONS,
    InvalidOptionValue,
    KnowledgeBaseConfig,
    PluginOption,
    build_date,
    option_value,
)

# one stylesheet per part of the screen, one script per behaviour (all in `assets/`)
STYLESHEETS = tuple(
    f"assets/supportkb/{name}.css"
    for name in ("theme", "document", "search", "tables", "home", "feedback", "print")
)
LABELS = "assets/supportkb/labels.js"  # written at each build, read by the scripts after it
# `kb serve` answers api/health with {"status": "ok"}; on static hosting this file answers
# instead, so the scripts' one question "is kb serve here?" never fails (no console error)
STATIC_HEALTH = ("api/health", b'{"status": "static"}\n')
SCRIPTS = (
    "assets/supportkb/site.js",  # what the others share: the site's root, a document's page
    "assets/supportkb/freshness.js",  # re-judges due dates on the day the page is read
    LABELS,
    "assets/supportkb/search.js",  # the search box asks `kb serve` when it is there
    "assets/supportkb/feedback.js",
    "assets/supportkb/theme.js",  # names what Material leaves unnamed (the search dialog)
    "assets/supportkb/print.js",  # the running header and footer of a printed document
    "assets/supportkb/live.js",  # under `kb serve --watch`, a page reloads when it changed
)
ASSETS = STYLESHEETS + tuple(script for script in SCRIPTS if script != LABELS)
log = logging.getLogger("mkdocs.plugins.supportkb")
MERMAID = "assets/supportkb/vendor/mermaid/mermaid.min.js"  # see its README.md
_EXTENSIONS = ("admonition", "tables", "md_in_html", "attr_list")
_MATERIAL_BUNDLE = re.compile(r'<script src="[^"]*assets/javascripts/bundle\.[^"]*"')
NOINDEX = '<meta name="robots" content="noindex">'  # a superseded version: not to be found
NOINDEX_HEAD = re.compile(r"<head[^>]*>")
_REPOSITORY_FACTS = ' data-md-component="source"'  # Material asks GitHub's API for stars


class TableOption(BaseConfigOption[Any]):
    """One option of the plugin's table (`PLUGIN_OPTIONS`) as MkDocs validates a plugin's
    option: by `option_value`, the function `kb` validates with, so the rules and the
    messages are the same for both."""

    def __init__(self, option: PluginOption) -> None:
        super().__init__()
        self.option = option
        self.default = option.default

    def validate(self, value: object, /) -> Any:
        try:
            return option_value(self.option, value)
        except InvalidOptionValue as exc:
            raise ValidationError(str(exc)) from None


class PluginConfig(Config):
    """The plugin's options as MkDocs holds them, read as `config.audience` (as `kb build`
    sets them) or `config["audience"]`; `config_from_table` adds one `TableOption` per row."""


def config_from_table() -> type[PluginConfig]:
    """The plugin's config class, derived from the table of options, in its order."""
    options = {option.name: TableOption(option) for option in PLUGIN_OPTIONS}
    attributes: dict[str, object] = {"__module__": __name__, "__doc__": PluginConfig.__doc__}
    return cast(
        "type[PluginConfig]", type("SupportKBConfig", (PluginConfig,), attributes | options)
    )


class SupportKBPlugin(BasePlugin[PluginConfig]):
    """The hooks; the options are declared in `supportkb.workspace.settings.PLUGIN_OPTIONS`."""

    config_class = config_from_table()

    kb_config: KnowledgeBaseConfig | None = None
    sources: SiteSources | None = None
    site: SiteModel | None = None
    pages_by_site_path: dict[str, Document]
    script_hashes: set[str]
    previewing = False  # under `mkdocs serve`
    stamp: BuildStamp | None = None
    superseded: dict[str, SupersededPage]  # site path -> an earlier version published read-only

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.previewing = command == "serve"

    @event_priority(100)  # before the search plugin reads its jieba settings
    def on_config(self, config: Any) -> Any:
        if not self.config["enabled"]:
            return config
        try:
            source = Path(config.config_file_path or "mkdocs.yml").name
            self.kb_config = KnowledgeBaseConfig.from_plugin_options(self.config, source)
            self.as_of = build_date(self.config, source) or source_date() or date.today()
        except FatalError as exc:
            raise PluginError(f"supportkb: {exc}") from exc
        root = Path(config.config_file_path or "mkdocs.yml").parent
        self.stamp = read_stamp(root, config.repo_url, self.as_of)
        config.copyright = with_stamp(config.copyright, self.stamp)
        _traditional_search(config)
        for extension in _EXTENSIONS:
            if extension not in config.markdown_extensions:
                config.markdown_extensions.append(extension)
        config.extra_css.extend(STYLESHEETS)
        config.extra_javascript.extend(SCRIPTS)
        return config

    def on_files(self, files: Files, config: Any) -> Files:
        if not self.config["enabled"] or self.kb_config is None:
            return files
        root = Path(config.config_file_path).parent
        try:
            kb = load_knowledge_base(root)
        except FatalError as exc:
            raise PluginError(f"supportkb: {exc}") from exc
        docs_dir = Path(config.docs_dir).resolve().relative_to(root.resolve()).as_posix()
        unreadable = tuple(path for path, result in kb.files.items() if result.document is None)
        audience = self.config["audience"]
        self.sources = SiteSources(root, docs_dir, kb.documents, audience, unreadable)
        hidden = self.sources.excluded()
        published = self.sources.published()

        def url_of(site_path: str) -> str:
            site_file = files.get_file_from_path(site_path) or File(
                site_path, None, config.site_dir, config.use_directory_urls
            )  # a generated page not added yet: its URL all the same
            return str(site_file.url)

        self.site = SiteModel(
            published,
            kb.registry,
            self.kb_config,
            self.as_of,
            self.sources.site_path,
            url_of,
            template_environment(config.theme.custom_dir),  # the site's overrides first
            has_page=lambda site_path: files.get_file_from_path(site_path) is not None,
            flags=feedback_counts(
                feedback_path(root / ANALYTICS_FILE),
                {d.id: d.last_reviewed for d in published},
                self.as_of,
            ),
            audience=audience,
            listed_only=tuple(d for d in kb.documents if is_withheld(audience, d.visibility)),
            stamp=self.stamp,
            repository=repository_host(config.repo_url),
        )
        if self.config["history"]:
            self.site = with_histories(self.site, root, kb.registry)
        self.superseded = site_superseded(self.site)
        self.pages_by_site_path = {self.sources.site_path(d.path): d for d in published}
        for repo_path in hidden:
            site_file = files.get_file_from_path(self.sources.site_path(repo_path))
            if site_file is not None:
                files.remove(site_file)
        _drop_unsafe_files(files, config.docs_dir, checkout_folders(root))
        documents = {str(root / d.path) for d in kb.documents} | {str(root / p) for p in unreadable}
        _drop_pages_for_other_audiences(files, self.sources, documents)
        for site_path, source in self.sources.outside_files():
            files.append(File.generated(config, site_path, abs_src_path=source))
        for site_path, text in generated_pages(self.site).items():
            if files.get_file_from_path(site_path) is None:
                files.append(File.generated(config, site_path, content=text))
        for site_path, text in history_pages(self.site).items():  # reached from the documents
            if files.get_file_from_path(site_path) is None:
                files.append(
                    File.generated(
                        config, site_path, content=text, inclusion=InclusionLevel.NOT_IN_NAV
                    )
                )
        for asset in ASSETS:
            data = resources.files("supportkb").joinpath("assets", Path(asset).name).read_bytes()
            files.append(File.generated(config, asset, content=data))
        files.append(
            File.generated(config, LABELS, content=labels_script(self.kb_config.categories))
        )
        files.append(File.generated(config, STATIC_HEALTH[0], content=STATIC_HEALTH[1]))
        return files

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Files) -> str:
        if self.sources is None or self.site is None:
            return markdown
        site_path = page.file.src_uri
        generated = page.file.generated_by is not None
        repo_path = self.sources.repo_path(site_path, generated)
        page.meta = escape_values(page.meta)  # the theme prints page.meta.title unescaped
        markdown = self.sources.rewrite_links(markdown, repo_path, site_path)
        document = self.pages_by_site_path.get(site_path)
        if document is not None:
            page.edit_url = _edit_url(config, document.path)
            markdown = insert_header(markdown, document_header(self.site, document, site_path))
            markdown += document_footer(self.site, document, config.repo_url)
        elif generated and page.file.abs_src_path is None:
            page.edit_url = None  # a generated page has no source to edit
        if site_path == "index.md":
            markdown = home_page(self.site, markdown)
        return markdown

    def on_page_content(self, content: str, page: Any, config: Any, files: Files) -> str:
        """A superseded version's old text and comparison, rendered apart (see
        `supportkb.site.history_pages`), go where its page holds their slots."""
        superseded = getattr(self, "superseded", {}).get(page.file.src_uri)
        if superseded is None or self.site is None:
            return content
        return slots(content, slot_contents(self.site, superseded))

    def on_template_context(self, context: Any, template_name: str, config: Any) -> Any:
        """sitemap.xml leaves out the superseded versions (they are not to be found)."""
        superseded = getattr(self, "superseded", {})
        if template_name == "sitemap.xml" and superseded and "pages" in context:
            context["pages"] = [f for f in context["pages"] if f.src_uri not in superseded]
        return context

    def on_serve(self, server: Any, config: Any, builder: Any) -> Any:
        """`mkdocs serve` watches docs/ and mkdocs.yml; the knowledge base's documents live
        outside docs/ (`documents.layout`), and owners.yml names their owners: watch those
        too (the ones that exist; a folder inside docs/ is watched through it)."""
        if not self.config["enabled"]:
            return server
        for path in watched_sources(Path(config.config_file_path).parent, config.docs_dir):
            server.watch(str(path))
        return server

    # --- the security policy and the assets that keep the site off the internet -----------

    def on_pre_build(self, config: Any) -> None:
        self.script_hashes = set()  # every page's, for the site's policy file (kb serve)
        if self.config["enabled"]:
            _claim_site_folder(config)

    @event_priority(-100)  # last: the hashes must be those of the page as written
    def on_post_page(self, output: str, page: Any, config: Any) -> str:
        if not self.config["enabled"]:
            return output
        if page.file.src_uri in getattr(self, "superseded", {}):
            output = NOINDEX_HEAD.sub(lambda m: m.group(0) + NOINDEX, output, count=1)
        return self._secured(output, str(page.url), page.content or "")

    @event_priority(-100)
    def on_post_template(self, output_content: str, template_name: str, config: Any) -> str:
        if not self.config["enabled"] or not template_name.endswith(".html"):
            return output_content  # 404.html; not sitemap.xml
        return self._secured(output_content, template_name, "")

    @event_priority(-50)  # after the search plugin wrote the index the Chinese table reads
    def on_post_build(self, config: Any) -> None:
        if not self.config["enabled"]:
            return
        site = Path(config.site_dir)
        write_chinese_table(site)  # the static search's Simplified -> Traditional table
        if read_marker(site) is None:  # `mkdocs build` too marks its site: see on_pre_build
            write_marker(site, SiteMarker(str(self.config["audience"]), self.as_of.isoformat()))
        vendored = resources.files("supportkb").joinpath("assets", "vendor", "mermaid")
        (site / MERMAID).parent.mkdir(parents=True, exist_ok=True)
        for name in ("mermaid.min.js", "LICENSE"):  # its README.md is for developers
            (site / MERMAID).with_name(name).write_bytes(vendored.joinpath(name).read_bytes())
        (site / POLICY_FILE).write_text(policy_file_text(self.script_hashes), encoding="utf-8")

    def _secured(self, page: str, url: str, content: str) -> str:
        """The page with Mermaid from the site, no call to GitHub, and its policy in <head>.

        Only the theme's inline scripts are hashed: one in the page's own content (raw HTML
        in a document) is not allowed to run."""
        if 'class="mermaid"' in page:
            mermaid = f'<script src="{html.escape(get_relative_url(MERMAID, url))}"></script>'
            page = _MATERIAL_BUNDLE.sub(lambda m: mermaid + m.group(0), page, count=1)
        page = page.replace(_REPOSITORY_FACTS, "")
        hashes = inline_script_hashes(page.replace(content, "", 1) if content else page)
        self.script_hashes |= hashes
        if self.previewing:  # `mkdocs serve` adds its live-reload script (a new one for each
            return page  # answer) to every page it sends: a policy in the page refuses it
        return with_policy_meta(page, hashes)


def with_histories(site: SiteModel, root: Path, registry: OwnerRegistry) -> SiteModel:
    """The site with its documents' histories from git; a checkout that cannot give them
    (not a git repository, a shallow clone) is built all the same, its history pages saying
    why (`mkdocs build` says so in an INFO line: a warning would stop a strict build; `kb
    build` prints one warning line from `BuildResult.history_problem`)."""
    try:
        git = GitHistory.open(root)
        controlled = [d for d in site.documents if has_history_page(d)]
        histories = read_histories(root, controlled, registry, git)
    except FatalError as exc:
        log.info("supportkb: the site is built without history: %s", exc)
        return dataclasses.replace(site, with_history=True, history_problem=str(exc))
    return dataclasses.replace(site, with_history=True, histories=histories)


def watched_sources(root: Path, docs_dir: str | None = None) -> list[Path]:
    """What a preview watches: the document folders (`documents.layout`), the site's pages
    (MkDocs' `docs_dir`), mkdocs.yml and the owners registry, those that exist; a folder
    inside another watched one is watched through it."""
    from supportkb.workspace.owners import REGISTRY_FILE

    if docs_dir is None:
        from supportkb.workspace.settings import mkdocs_settings

        docs_dir = str(mkdocs_settings(root)["docs_dir"])  # MkDocs' default filled in there
    names = (ARTICLES_DIR, SOPS_DIR, POLICIES_DIR, docs_dir, "mkdocs.yml", REGISTRY_FILE)
    paths = [Path(os.path.normpath(root / name)) for name in names]  # docs_dir may be absolute
    found = [path for path in dict.fromkeys(paths) if path.exists()]
    return [path for path in found if not any(other in path.parents for other in found)]


def labels_script(categories: Mapping[str, str] | None = None) -> str:
    """The labels the browser's scripts show (types, statuses, the overdue badge), from
    `supportkb.documents.vocabulary`, and the categories' names when the `categories` option
    names them: a script file, so that it loads offline and under the site's
    Content-Security-Policy (scripts from the site's own files only)."""
    labels = {**browser_labels(), **({"categories": dict(categories)} if categories else {})}
    text = json.dumps(labels, ensure_ascii=False, sort_keys=True)
    return (
        "/* supportkb: written by the plugin from supportkb.documents.vocabulary */\n"
        f"window.supportkbLabels = {text};\n"
    )


def _claim_site_folder(config: Any) -> None:
    """`mkdocs build` (and `kb build`) empty the site folder before writing: refuse, before
    MkDocs cleans it, a folder that is not absent, empty or a previous build (the rules of
    `kb build --site-dir`, so `mkdocs build --site-dir sops` deletes nothing)."""
    from supportkb.site.build import SITE_FOLDER

    root = Path(config.config_file_path).parent
    try:
        claim_folder(
            Path(config.site_dir),
            root,
            SITE_FOLDER,
            lambda folder: read_marker(folder) is not None,
            Path(config.docs_dir),
        )
    except FatalError as exc:
        raise PluginError(f"supportkb: {exc}") from exc


def _drop_pages_for_other_audiences(
    files: Files, sources: SiteSources, documents: set[str]
) -> None:
    """Pages of docs/ that are not documents follow their `visibility` too. One whose
    front-matter cannot be read is left out (fail closed: MkDocs would read it itself)."""
    for site_file in list(files):
        source = site_file.abs_src_path
        if not site_file.is_documentation_page() or not source or source in documents:
            continue
        try:
            raw = read_regular(source, MAX_FILE_BYTES)
        except OSError:
            continue  # not published by _drop_unsafe_files, or MkDocs reports it
        page, findings = read_source(source, raw)
        missing = [f for f in findings if f.code == "front-matter-missing"]
        if page is None and missing:
            continue  # no front-matter: a plain page, for everyone
        if page is None or not sources.page_is_visible(page.front_matter):
            log.info("supportkb: %s is left out of this audience's site", source)
            files.remove(site_file)


def _drop_unsafe_files(files: Files, docs_dir: str, within: tuple[str, ...]) -> None:
    """MkDocs publishes whatever it finds under docs/, following links (to folders too):
    keep only regular files in the checkout. A FIFO would block the build, a link to
    /etc/passwd would be published. The theme's own files (wherever the theme is installed,
    often outside the checkout) are not the checkout's and are left alone."""
    docs = os.path.join(os.path.abspath(docs_dir), "")
    for site_file in list(files):
        source = site_file.abs_src_path
        if site_file.generated_by is not None or not source:
            continue
        if os.path.abspath(source).startswith(docs) and not is_regular_inside(source, within):
            log.info("supportkb: %s is left out: not a regular file in the checkout", source)
            files.remove(site_file)


def _traditional_search(config: Any) -> None:
    """Give Material's search a jieba dictionary with Traditional words (unless one is set)."""
    search = config.plugins.get("material/search") or config.plugins.get("search")
    if search is None or "jieba_dict" not in search.config:
        return
    try:
        import jieba  # Material segments Chinese only when jieba is installed
    except ImportError:
        return
    jieba.setLogLevel(logging.WARNING)  # its "Loading model cost ..." is not the user's business
    if not search.config.jieba_dict:
        search.config.jieba_dict = str(traditional_dictionary())
    if not search.config.jieba_dict_user:
        search.config.jieba_dict_user = str(user_terms())
    wanted = (_file_state(search.config.jieba_dict), _file_state(search.config.jieba_dict_user))
    # jieba.dt is jieba's default tokenizer (documented); `dictionary` and `initialized` are
    # its plain attributes (tests/site/test_plugin.py checks them on the installed jieba)
    tokenizer = jieba.dt
    held = os.path.abspath(getattr(tokenizer, "dictionary", "") or "")
    loaded = getattr(tokenizer, "initialized", False)
    same = held == os.path.abspath(search.config.jieba_dict)
    if loaded and same and _jieba_loaded.get(id(tokenizer)) == wanted:
        # a build again in the same process (`kb serve --watch`): jieba holds these already,
        # and Material would read both files again (1-2 s of every rebuild)
        search.config.jieba_dict = search.config.jieba_dict_user = ""
    else:
        _jieba_loaded[id(tokenizer)] = wanted  # Material's on_config, next, loads them


# jieba's default tokenizer (its id) -> the dictionary and user terms Material loaded into it
_jieba_loaded: dict[int, tuple[tuple[str, int], tuple[str, int]]] = {}


def _file_state(path: str) -> tuple[str, int]:
    """A file and its modification time: a user's terms edited while `kb serve --watch`
    runs are read again at the next build."""
    try:
        return os.path.abspath(path), os.stat(path).st_mtime_ns
    except OSError:
        return os.path.abspath(path), -1


def escape_values(meta: dict[str, Any]) -> dict[str, Any]:
    """Front-matter strings made safe for templates that print them as HTML."""

    def escape(value: Any) -> Any:
        if isinstance(value, str):
            return html.escape(value, quote=True)
        if isinstance(value, list):
            return [escape(item) for item in value]
        if isinstance(value, dict):
            return {key: escape(item) for key, item in value.items()}
        return value

    return {key: escape(value) for key, value in meta.items()}


def _edit_url(config: Any, repo_path: str) -> str | None:
    """ "Edit this page" goes to the real source file, wherever it lives in the repository."""
    if not config.repo_url or config.edit_uri == "":  # MkDocs' way to turn edit links off
        return None
    edit_uri = (config.edit_uri or "edit/main/docs/").rstrip("/")
    docs = "/" + Path(config.docs_dir).name
    branch_path = edit_uri.removesuffix(docs) if edit_uri.endswith(docs) else edit_uri
    return f"{config.repo_url.rstrip('/')}/{branch_path}/{quote(repo_path)}"
