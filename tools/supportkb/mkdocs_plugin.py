"""The `supportkb` MkDocs plugin.

It holds the knowledge base's rules (the options `kb check` reads from mkdocs.yml), brings the
documents kept outside `docs/` (kb/, sops/) into the site, leaves out what the build's audience
must not see, and makes links written between repository files work between site pages. The
work is done by plain classes (`KnowledgeBaseConfig`, `SiteSources`); the hooks stay short.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from supportkb.config import KnowledgeBaseConfig
from supportkb.errors import FatalError
from supportkb.knowledge_base import load_knowledge_base
from supportkb.site import AUDIENCES, SiteSources


class SupportKBConfig(Config):
    enabled = c.Type(bool, default=True)
    audience = c.Choice(AUDIENCES, default="internal")
    review_every = c.Type(dict, default={})
    drill_every = c.Type(str, default="12m")
    due_soon_days = c.Type(int, default=30)
    products = c.Type(dict, default={})
    required_sections = c.Type(dict, default={})
    section_names = c.Type(dict, default={})


class SupportKBPlugin(BasePlugin[SupportKBConfig]):
    kb_config: KnowledgeBaseConfig | None = None
    sources: SiteSources | None = None

    def on_config(self, config: Any) -> Any:
        if not self.config.enabled:
            return config
        options = {k: v for k, v in self.config.items() if k not in ("enabled", "audience")}
        try:
            self.kb_config = KnowledgeBaseConfig.from_options(options)
        except FatalError as exc:
            raise PluginError(str(exc)) from exc
        return config

    def on_files(self, files: Files, config: Any) -> Files:
        if not self.config.enabled:
            return files
        root = Path(config.config_file_path).parent
        try:
            kb = load_knowledge_base(root)
        except FatalError as exc:
            raise PluginError(f"supportkb: {exc}") from exc
        docs_dir = Path(config.docs_dir).relative_to(root.resolve()).as_posix()
        self.sources = SiteSources(root, docs_dir, kb.documents, self.config.audience)
        for repo_path in self.sources.excluded():
            site_file = files.get_file_from_path(self.sources.site_path(repo_path))
            if site_file is not None:
                files.remove(site_file)
        for site_path, source in self.sources.outside_files():
            files.append(File.generated(config, site_path, abs_src_path=source))
        return files

    def on_page_markdown(self, markdown: str, page: Any, config: Any, files: Files) -> str:
        if self.sources is None:
            return markdown
        site_path = page.file.src_uri
        repo_path = self.sources.repo_path(site_path, generated=page.file.generated_by is not None)
        return self.sources.rewrite_links(markdown, repo_path, site_path)
