"""The `supportkb` MkDocs plugin entry.

Today it holds the knowledge base's rules (the same options `kb check` reads from mkdocs.yml)
and validates them when the site is built; the document pages come with the site work.
"""

from __future__ import annotations

from typing import Any

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin

from supportkb.config import KnowledgeBaseConfig
from supportkb.errors import ConfigError


class SupportKBConfig(Config):
    enabled = c.Type(bool, default=True)
    review_every = c.Type(dict, default={})
    drill_every = c.Type(str, default="12m")
    due_soon_days = c.Type(int, default=30)
    products = c.Type(dict, default={})
    required_sections = c.Type(dict, default={})
    section_names = c.Type(dict, default={})


class SupportKBPlugin(BasePlugin[SupportKBConfig]):
    kb_config: KnowledgeBaseConfig | None = None

    def on_config(self, config: Any) -> Any:
        if not self.config.enabled:
            return config
        options = {key: value for key, value in self.config.items() if key != "enabled"}
        try:
            self.kb_config = KnowledgeBaseConfig.from_options(options)
        except ConfigError as exc:
            raise PluginError(str(exc)) from exc
        return config
