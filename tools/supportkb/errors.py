"""The library's errors: one root, each kind carrying its exit code.

The library raises and never prints or exits. Each front end translates in one place: the
command line (`supportkb.cli.main`) turns a `FatalError` into its message and `exit_code`; the
search service (`supportkb.service.app`) into an HTTP answer in one exception handler. Findings
about documents are not exceptions: they are `Finding` records collected by `kb check`.

Exit codes: 0 clean, 1 findings or a user error, 2 bad usage or unreadable settings, 3 an
unexpected error (a bug: the command line writes its traceback to a log file).
"""

from __future__ import annotations


class FatalError(Exception):
    """Something the user must fix before the tool can do its job (exit code 1)."""

    exit_code = 1


class ConfigError(FatalError):
    """`mkdocs.yml` or `owners.yml` cannot be read or holds invalid settings (exit code 2)."""

    exit_code = 2


class InvalidUsage(FatalError):
    """The command was asked for something that cannot be (a path that does not exist): exit 2."""

    exit_code = 2


class SearchError(FatalError):
    """A query that cannot be run: a one-line message for the user (exit code 1)."""


class QuerySyntaxError(SearchError):
    """A query whose syntax cannot be read (an unbalanced quote, a field that does not exist)."""


class FindingsReported(FatalError):
    """A command found problems and has already reported them (exit code 1, no message)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
