"""git's identity in the authoring tests, as `kb new` and `kb review` read it (`git config
user.email`): each test gets a global git configuration file of its own, empty at first, so
that the developer's or the CI machine's identity never leaks in. A test module imports the
autouse fixture and calls `set_git_email`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def no_git_identity(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    config = tmp_path_factory.mktemp("git") / "config"
    config.write_text("", encoding="utf-8")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    yield


def set_git_email(email: str | None) -> None:
    """git's `user.email` for the rest of the test (None: not set)."""
    config = Path(os.environ["GIT_CONFIG_GLOBAL"])
    config.write_text(f"[user]\n\temail = {email}\n" if email else "", encoding="utf-8")
