"""The knowledge base's rules, read from the `supportkb` plugin entry in `mkdocs.yml`.

The plugin's options are declared once, in `PLUGIN_OPTIONS`: a plain table (name, Python type,
default, choices, description) that `option_value` validates with the rules and the messages of
MkDocs' own config options (`Type`, `Choice`, `Optional`). The CLI validates the plugin's entry
of `mkdocs.yml` with it (`validated_options`); the MkDocs plugin derives its config class from
the same table, each option calling `option_value` (`supportkb.site.plugin`), so both accept the
same options with the same defaults and refuse the same mistakes with the same messages. The
table is plain Python on purpose: importing `mkdocs.config` costs about 100 ms (it brings in the
theme, Jinja and Markdown), which every `kb` command would pay. The rules the code reads
(`KnowledgeBaseConfig`: durations, versions, sections) are derived from the validated options by
`KnowledgeBaseConfig.from_plugin_options`, for the CLI and the plugin alike.
`mkdocs.yml` may hold tags such as `!!python/name:` (Material uses them) or `!ENV`; they are
read as plain text here, never executed.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

from supportkb.documents.durations import Duration
from supportkb.documents.layout import DOCS_DIR
from supportkb.documents.model import ARTICLE_KINDS, DocType
from supportkb.documents.sections import SECTION_ALIASES
from supportkb.documents.source import flow_depth
from supportkb.documents.vocabulary import Visibility
from supportkb.errors import ConfigError
from supportkb.system.safe_read import UnsafeFile, read_regular

PLUGIN_NAME = "supportkb"

DEFAULT_REVIEW_EVERY = {
    DocType.ARTICLE: Duration(12, "m"),
    DocType.SOP: Duration(6, "m"),
    DocType.EMERGENCY_PLAN: Duration(12, "m"),
    DocType.POLICY: Duration(12, "m"),
}
DEFAULT_DRILL_EVERY = Duration(12, "m")
DEFAULT_REQUIRED_SECTIONS: Mapping[str, tuple[str, ...]] = {
    "article/troubleshooting": ("symptom", "cause", "resolution"),
    "article/howto": ("steps",),
    "article/faq": (),
    "sop": ("purpose", "scope", "roles", "procedure", "records"),
    "emergency-plan": ("organisation", "flow", "actions", "resources", "communication"),
    "policy": ("purpose", "scope", "responsibilities", "revision-history"),
}
_SECTION_TARGETS = {t.value for t in DocType} | {f"article/{kind}" for kind in ARTICLE_KINDS}
AUDIENCES = tuple(v.value for v in Visibility)  # a site's audience: who may read it


@dataclass(frozen=True)
class PluginOption:
    """One option of the `supportkb` plugin: what `mkdocs.yml` may write under it. An option
    that is not `optional` takes its `default` when left out or empty (as MkDocs does)."""

    name: str
    kind: type | tuple[type, ...]  # the Python type(s) its value may be, as YAML reads it
    default: object = None
    choices: tuple[str, ...] | None = None  # the only values allowed (`config_options.Choice`)
    optional: bool = False  # may stay unset (`config_options.Optional`): None then
    description: str = ""


PLUGIN_OPTIONS: tuple[PluginOption, ...] = (
    PluginOption("enabled", bool, True, description="build the knowledge base's pages"),
    PluginOption(
        "audience",
        str,
        Visibility.INTERNAL.value,
        choices=AUDIENCES,
        description="who may read the site: documents for others are left out",
    ),
    PluginOption(  # YAML reads 2026-11-24 as a date, "2026-11-24" as text: both are fine
        "build_date", (str, date), optional=True, description="judge freshness as of this date"
    ),
    PluginOption(
        "history",
        bool,
        True,
        description="publish each document's history and its superseded versions (from git)",
    ),
    PluginOption("review_every", dict, {}, description="review interval per document type"),
    PluginOption("drill_every", str, "12m", description="drill interval of emergency plans"),
    PluginOption("due_soon_days", int, 30, description="days before a review is due soon"),
    PluginOption("products", dict, {}, description="current version of each product"),
    PluginOption("required_sections", dict, {}, description="sections each kind must have"),
    PluginOption("section_names", dict, {}, description="more headings naming a section"),
    PluginOption(
        "categories", dict, {}, description="display name of each article category (its folder)"
    ),
    PluginOption(
        "index_dir", str, optional=True, description="the search index's folder (kb index)"
    ),
)
KNOWN_OPTIONS = frozenset(option.name for option in PLUGIN_OPTIONS)


class InvalidOptionValue(ValueError):
    """A value an option refuses; its message is the one MkDocs' config options give."""


def option_value(option: PluginOption, value: object) -> Any:
    """The value the option takes for `value` as written (its default when empty), checked
    as MkDocs checks a class-based config's option; `InvalidOptionValue` when refused. The
    CLI and the plugin both call this, so their rules and messages cannot drift."""
    if value is None:
        if option.optional:
            return None
        if option.default is None:
            raise InvalidOptionValue("Required configuration not provided.")
        value = copy.copy(option.default)  # a fresh dict each time, as MkDocs copies defaults
    if option.choices is not None and value not in option.choices:
        raise InvalidOptionValue(f"expected one of {', '.join(option.choices)}, not {value!r}")
    if not isinstance(value, option.kind):
        raise InvalidOptionValue(f"expected {_in_words(option.kind)}, not {value!r}")
    return value


_KIND_IN_WORDS = {bool: "true or false", str: "a text", int: "a whole number", dict: "a mapping"}


def _in_words(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(_KIND_IN_WORDS.get(k, k.__name__) for k in kinds)


@dataclass(frozen=True)
class PluginOptions(Mapping[str, Any]):
    """The plugin's options once validated: every known option with its value, read by name
    (`options.audience`) or as a mapping (as MkDocs' `Config` is read)."""

    by_name: Mapping[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.by_name[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_name)

    def __len__(self) -> int:
        return len(self.by_name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "by_name":  # not an option (copy, pickle, init)
            raise AttributeError(name)
        try:
            return self.by_name[name]
        except KeyError:
            raise AttributeError(name) from None


def validated_options(options: object, source: str = "mkdocs.yml") -> PluginOptions:
    """The plugin's options validated as the plugin validates them (`option_value`, in the
    table's order, the first mistake reported); `ConfigError` for an option refused, or one
    nobody knows (MkDocs only warns of those: the plugin refuses them too, see
    `refuse_unknown_options`)."""
    if options is None:
        options = {}
    if not isinstance(options, Mapping):
        raise ConfigError(f"{source}: the '{PLUGIN_NAME}' plugin options must be a mapping")
    values: dict[str, Any] = {}
    for option in PLUGIN_OPTIONS:
        try:
            values[option.name] = option_value(option, options.get(option.name))
        except InvalidOptionValue as exc:
            raise ConfigError(f"{source}: '{PLUGIN_NAME}.{option.name}': {exc}") from None
    refuse_unknown_options(options, source)
    return PluginOptions(values)


def build_date(options: Mapping[str, Any], source: str = "mkdocs.yml") -> date | None:
    """The date a site build judges freshness as of, when `build_date` fixes it."""
    value = options.get("build_date")
    if value is None:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(
            f"{source}: '{PLUGIN_NAME}.build_date': {value!r} is not a date (YYYY-MM-DD)"
        ) from None


def refuse_unknown_options(options: Mapping[str, Any], source: str = "mkdocs.yml") -> None:
    """`ConfigError` naming the options nobody reads (a typo would otherwise be ignored)."""
    unknown = sorted(str(key) for key in set(options) - KNOWN_OPTIONS)
    if unknown:
        raise ConfigError(
            f"{source}: unknown '{PLUGIN_NAME}' option(s): {', '.join(unknown)}; "
            f"known: {', '.join(sorted(KNOWN_OPTIONS))}"
        )


@dataclass(frozen=True)
class KnowledgeBaseConfig:
    review_every: Mapping[DocType, Duration] = field(
        default_factory=lambda: dict(DEFAULT_REVIEW_EVERY)
    )
    drill_every: Duration = DEFAULT_DRILL_EVERY
    due_soon_days: int = 30
    products: Mapping[str, Version] = field(default_factory=dict)
    required_sections: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(DEFAULT_REQUIRED_SECTIONS)
    )
    section_names: Mapping[str, tuple[str, ...]] = field(
        default_factory=lambda: dict(SECTION_ALIASES)
    )
    categories: Mapping[str, str] = field(default_factory=dict)  # folder -> name shown

    def category_name(self, category: str) -> str:
        """What the site calls a category of articles: its configured name, else its folder."""
        return self.categories.get(category) or category

    @classmethod
    def from_options(
        cls, options: Mapping[str, Any], source: str = "mkdocs.yml"
    ) -> KnowledgeBaseConfig:
        """Build the configuration from the plugin's options as written in `mkdocs.yml`; raise
        `ConfigError` when invalid."""
        return cls.from_plugin_options(validated_options(options, source), source)

    @classmethod
    def from_plugin_options(
        cls, options: Mapping[str, Any], source: str = "mkdocs.yml"
    ) -> KnowledgeBaseConfig:
        """The rules, from options validated by `option_value` (through MkDocs for the plugin,
        by `validated_options` for the CLI); `ConfigError` when a value is not a rule."""
        refuse_unknown_options(options, source)
        build_date(options, source)  # the plugin's: refused by `kb check` too when not a date
        section_names = dict(SECTION_ALIASES)
        for key, names in _mapping(options, "section_names", source).items():
            extra = tuple(str(name) for name in _list(names, f"section_names.{key}", source))
            section_names[str(key)] = (*SECTION_ALIASES.get(str(key), ()), *extra)
        return cls(
            review_every=_review_every(_mapping(options, "review_every", source), source),
            drill_every=_duration(options.get("drill_every", "12m"), "drill_every", source),
            due_soon_days=_days(options.get("due_soon_days", 30), source),
            products=_products(_mapping(options, "products", source), source),
            required_sections=_required_sections(
                _mapping(options, "required_sections", source), section_names, source
            ),
            section_names=section_names,
            categories=_categories(_mapping(options, "categories", source), source),
        )

    def fingerprint(self) -> str:
        """A short hash of the settings that per-file checks depend on (for the cache)."""
        payload = json.dumps(
            {"sections": self.required_sections, "names": self.section_names}, sort_keys=True
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def load_config(root: Path) -> KnowledgeBaseConfig:
    path = root / "mkdocs.yml"
    if not path.is_file():
        raise ConfigError(
            f"no mkdocs.yml in {root}: is this a supportkb knowledge base? "
            "(use -C DIR to point at one)"
        )
    _, data = read_yaml_file(path, _MkDocsLoader)
    return KnowledgeBaseConfig.from_options(plugin_options(data), path.name)


def mkdocs_settings(root: Path) -> dict[str, Any]:
    """The few site settings other commands need: site_url, use_directory_urls, docs_dir,
    index_dir."""
    if not (root / "mkdocs.yml").is_file():
        raise ConfigError(
            f"no mkdocs.yml in {root}: is this a supportkb knowledge base? "
            "(use -C DIR to point at one)"
        )
    _, data = read_yaml_file(root / "mkdocs.yml", _MkDocsLoader)
    data = data if isinstance(data, dict) else {}
    index_dir = validated_options(plugin_options(data)).index_dir
    return {
        "site_url": data.get("site_url") if isinstance(data.get("site_url"), str) else "",
        "use_directory_urls": data.get("use_directory_urls", True) is not False,
        "docs_dir": data.get("docs_dir") if isinstance(data.get("docs_dir"), str) else DOCS_DIR,
        "index_dir": index_dir,
    }


MAX_CONFIG_NESTING = 100
MAX_CONFIG_BYTES = 4 * 1024 * 1024
MAX_CONFIG_VALUES = 100_000  # values once aliases are expanded: a real file has hundreds


def read_yaml_file(path: Path, loader: type[yaml.SafeLoader]) -> tuple[yaml.Node | None, Any]:
    """A configuration file's node tree (for line numbers) and its data; `ConfigError` (one
    line, with the file and line where known) if the file cannot be read: not a regular
    file, too large, not YAML, a value that does not fit its tag (`!!bool abc`), or aliases
    that expand to more values than any configuration holds (a "billion laughs")."""
    try:
        raw = read_regular(str(path), MAX_CONFIG_BYTES)
        text = raw.decode("utf-8-sig")
        if flow_depth(text, MAX_CONFIG_NESTING) > MAX_CONFIG_NESTING:  # libyaml recurses
            raise ConfigError(_too_deep(path))
        reader = loader(text)
        try:
            node = reader.get_single_node()
            if node is None:
                return None, None
            _ValueCheck(path.name, reader).size(node)
            return node, reader.construct_document(node)
        finally:
            reader.dispose()
    except UnsafeFile as exc:
        raise ConfigError(f"{path.name}: {exc.message}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path.name}: cannot be read as UTF-8 text ({exc})") from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 0
        raise ConfigError(f"{path.name}:{line}: invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name}: invalid YAML: {_one_line(exc)}") from None
    except RecursionError:
        raise ConfigError(_too_deep(path)) from None


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


class _ValueCheck:
    """Walks a composed node tree once per node (an alias is the node it names, so a shared
    node is visited once): checks every tagged scalar against its type before PyYAML's
    constructors can fail with a KeyError or an IndexError, and counts the values the tree
    expands to, so that code walking the data later never meets a billion of them."""

    def __init__(self, name: str, loader: Any) -> None:
        self.name = name
        self.loader = loader
        self.sizes: dict[int, int] = {}

    def size(self, node: yaml.Node) -> int:
        known = self.sizes.get(id(node))
        if known is not None:
            return known
        self.sizes[id(node)] = 1  # a node that contains itself counts once
        if isinstance(node, yaml.ScalarNode):
            self.scalar(node)
            total = 1
        elif isinstance(node, yaml.SequenceNode):
            total = 1 + sum(self.size(item) for item in node.value)
        else:
            total = 1 + sum(self.size(k) + self.size(v) for k, v in node.value)
        if total > MAX_CONFIG_VALUES:
            raise ConfigError(
                f"{self.name}:{node.start_mark.line + 1}: aliases (*) here expand to more than "
                f"{MAX_CONFIG_VALUES:,} values; write the values out"
            )
        self.sizes[id(node)] = total
        return total

    def scalar(self, node: yaml.ScalarNode) -> None:
        constructor = self.loader.yaml_constructors.get(node.tag)
        if constructor is None:
            return  # a custom tag (read as text here), or unknown: construction reports it
        try:
            constructor(self.loader, node)
        except Exception:  # PyYAML's constructors fail in many ways on a bad value
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            raise ConfigError(
                f"{self.name}:{node.start_mark.line + 1}: the value {node.value[:40]!r} is not "
                f"a valid {tag} value"
            ) from None


def _too_deep(path: Path) -> str:
    return f"{path.name}: nested too deeply to be a configuration file"


def plugin_options(mkdocs_config: object) -> Mapping[str, Any]:
    """The options under `plugins: - supportkb: {...}` (empty when the entry has none)."""
    plugins = mkdocs_config.get("plugins", []) if isinstance(mkdocs_config, dict) else []
    entries = (
        plugins.items()
        if isinstance(plugins, dict)
        else (
            (next(iter(p.items())) if isinstance(p, dict) and len(p) == 1 else (p, {}))
            for p in (plugins if isinstance(plugins, list) else [])
        )
    )
    for name, options in entries:
        if name == PLUGIN_NAME:
            return options or {}
    return {}


class _MkDocsLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Reads MkDocs' custom tags (`!!python/name:...`, `!ENV`, `!relative`) as plain values.
    (libyaml's parser when PyYAML has it: 10 times faster on a Material `mkdocs.yml`.)"""


def _as_plain(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_MkDocsLoader.add_multi_constructor("tag:yaml.org,2002:python/", _as_plain)
_MkDocsLoader.add_multi_constructor("!", _as_plain)


# --- option parsers ---------------------------------------------------------------------------


def _mapping(options: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = options.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{source}: '{PLUGIN_NAME}.{key}' must be a mapping")
    return value


def _list(value: Any, key: str, source: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ConfigError(f"{source}: '{PLUGIN_NAME}.{key}' must be a list")
    return value


def _duration(value: Any, key: str, source: str) -> Duration:
    try:
        return Duration.parse(value)
    except ValueError as exc:
        raise ConfigError(f"{source}: '{PLUGIN_NAME}.{key}': {exc}") from None


def _days(value: Any, source: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{source}: '{PLUGIN_NAME}.due_soon_days' must be a whole number of days")
    return value


def _review_every(options: Mapping[str, Any], source: str) -> dict[DocType, Duration]:
    result = dict(DEFAULT_REVIEW_EVERY)
    for name, value in options.items():
        try:
            doc_type = DocType(name)
        except ValueError:
            raise ConfigError(
                f"{source}: '{PLUGIN_NAME}.review_every.{name}': not a document type "
                f"({', '.join(t.value for t in DocType)})"
            ) from None
        result[doc_type] = _duration(value, f"review_every.{name}", source)
    return result


def _categories(options: Mapping[str, Any], source: str) -> dict[str, str]:
    """Folder -> display name; a name must be a text that says something."""
    names = {}
    for folder, name in options.items():
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(
                f"{source}: '{PLUGIN_NAME}.categories.{folder}': the name shown for the "
                f"category folder '{folder}' must be a text (e.g. 列印), not {name!r}"
            )
        names[str(folder)] = name.strip()
    return names


def _products(options: Mapping[str, Any], source: str) -> dict[str, Version]:
    products = {}
    for name, value in options.items():
        try:
            products[str(name)] = Version(str(value))
        except InvalidVersion:
            raise ConfigError(
                f"{source}: '{PLUGIN_NAME}.products.{name}': {value!r} is not a "
                'version (write it quoted, e.g. "5.4.2")'
            ) from None
    return products


def _required_sections(
    options: Mapping[str, Any], names: Mapping[str, tuple[str, ...]], source: str
) -> dict[str, tuple[str, ...]]:
    result = dict(DEFAULT_REQUIRED_SECTIONS)
    for target, keys in options.items():
        if target not in _SECTION_TARGETS:
            raise ConfigError(
                f"{source}: '{PLUGIN_NAME}.required_sections.{target}': use one of "
                f"{', '.join(sorted(_SECTION_TARGETS))}"
            )
        sections = tuple(str(key) for key in _list(keys, f"required_sections.{target}", source))
        unknown = [key for key in sections if key not in names]
        if unknown:
            raise ConfigError(
                f"{source}: '{PLUGIN_NAME}.required_sections.{target}': unknown "
                f"section(s) {', '.join(unknown)}; define them under section_names"
            )
        result[str(target)] = sections
    return result
