"""`kb build`: check the knowledge base, then build the site with MkDocs.

Findings are reported but never stop the build: a stale document is published with a banner,
which is what an agent needs to see. Only a site that cannot be built is a failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from supportkb.check import CheckResult, check
from supportkb.errors import FatalError


@dataclass(frozen=True)
class BuildResult:
    check: CheckResult
    site_dir: Path


def build_site(
    root: Path,
    as_of: date,
    site_dir: Path | None = None,
    strict: bool = True,
    audience: str | None = None,
) -> BuildResult:
    result = check(root, as_of)
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import MkDocsException

    overrides: dict[str, object] = {"strict": strict}
    if site_dir is not None:
        overrides["site_dir"] = str(site_dir)
    try:
        config = load_config(str(root / "mkdocs.yml"), **overrides)  # type: ignore[arg-type]
        plugin = config.plugins.get("supportkb")
        if plugin is not None:
            plugin.config.build_date = as_of.isoformat()
            if audience is not None:
                plugin.config.audience = audience
        build(config)
        _mark(Path(config.site_dir), plugin, as_of)
    except MkDocsException as exc:
        raise FatalError(f"the site could not be built: {exc}") from None
    except SystemExit as exc:  # MkDocs' own "Aborted with N warnings in strict mode!"
        raise FatalError(
            f"the site could not be built (exit {exc.code}); see the messages above"
        ) from None
    return BuildResult(result, Path(config.site_dir))


def _mark(site: Path, plugin: Any, as_of: date) -> None:
    """Record whom the site is for (read by `kb serve`). Without the supportkb plugin nothing
    was left out: the site counts as restricted."""
    from supportkb.site_marker import SiteMarker, write_marker

    enabled = plugin is not None and plugin.config.enabled
    audience = str(plugin.config.audience) if enabled else "restricted"
    write_marker(site, SiteMarker(audience, as_of.isoformat()))
