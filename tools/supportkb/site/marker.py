"""The file that marks a folder as a site built by `kb build`, and records whom it is for.

`kb build` writes it into every site it builds; it is the proof that a folder is a previous
supportkb build (so that a new build may replace it: nothing else is ever emptied), and it
names the audience the site was built for, so that `kb serve` answers only with documents that
audience may see. MkDocs neither copies nor deletes files whose name starts with a dot, so the
marker survives MkDocs' cleaning of the site folder.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from supportkb.system.atomic import write_atomic

MARKER = ".supportkb-site.json"
_FORMAT = 1


@dataclass(frozen=True)
class SiteMarker:
    audience: str  # "public", "internal" or "restricted"
    as_of: str  # the date the site's freshness was judged on, YYYY-MM-DD


def write_marker(site: Path, marker: SiteMarker) -> None:
    data = {"format": _FORMAT, **asdict(marker)}
    write_atomic(site / MARKER, json.dumps(data, indent=1).encode() + b"\n")


def read_marker(site: Path) -> SiteMarker | None:
    """The site's marker, or None when the folder is not a site built by supportkb (no marker,
    or one that cannot be read)."""
    try:
        data = json.loads((site / MARKER).read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        return None
    audience, as_of = data.get("audience"), data.get("as_of")
    if not isinstance(audience, str) or not isinstance(as_of, str):
        return None
    return SiteMarker(audience, as_of)
