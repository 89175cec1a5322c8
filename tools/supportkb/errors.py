"""The one root exception of the library.

The library raises, the command line turns a `FatalError` into a message and an exit code in
one place (`supportkb.cli.main`). Findings about documents are not exceptions: they are `Finding`
records collected by `kb check`.
"""

from __future__ import annotations


class FatalError(Exception):
    """Something the user must fix before the tool can do its job."""


class ConfigError(FatalError):
    """`mkdocs.yml` or `owners.yml` cannot be read or holds invalid settings (exit code 2)."""


class InvalidUsage(FatalError):
    """The command was asked for something that cannot be (a path that does not exist): exit 2."""
