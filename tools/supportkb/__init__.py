"""supportkb: a docs-as-code knowledge base for technical-support centres."""

from __future__ import annotations

__version__ = "0.1.0"
