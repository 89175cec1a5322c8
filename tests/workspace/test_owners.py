"""The owners registry: entries are validated, problems point at the line in owners.yml."""

from __future__ import annotations

from pathlib import Path

import pytest

from supportkb.errors import ConfigError
from supportkb.workspace.owners import load_registry


def registry(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "owners.yml").write_text(text, encoding="utf-8")
    return load_registry(tmp_path)


def test_people_and_teams(tmp_path: Path) -> None:
    owners, findings = registry(
        tmp_path,
        """\
people:
  - {id: amy, name: Amy, email: amy@example.com, chat: "@amy"}
  - {id: ben, name: Ben, email: ben@example.com, active: false}
teams:
  - {id: desk, name: Desk, members: [amy, ben], email: desk@example.com}
""",
    )
    assert findings == []
    assert owners.is_active("amy") and not owners.is_active("ben") and owners.is_active("desk")
    assert [p.id for p in owners.active_members("desk")] == ["amy"]
    assert not owners.knows("carl")


def test_entry_problems_are_findings_with_lines(tmp_path: Path) -> None:
    _, findings = registry(
        tmp_path,
        """\
people:
  - {id: amy, name: Amy, email: amy@example.com}
  - {id: amy, name: Amy again, email: amy@example.com}
  - {name: No id}
  - {id: dan, name: Dan, emial: dan@example.com, active: yes please}
teams:
  - {id: desk, name: Desk, members: [amy, zed]}
  - {id: empty, name: Empty, members: []}
""",
    )
    messages = {(f.line, f.message) for f in findings}
    assert (3, "'amy' is defined twice") in messages
    assert (4, "people entry 3 has no id") in messages
    assert (5, "unknown key 'emial' in dan") in messages
    assert (5, "dan: 'active' must be true or false") in messages
    assert (7, "team desk: unknown member 'zed'") in messages
    assert (8, "team empty has no active member") in messages


@pytest.mark.parametrize(
    "text, message",
    [
        ("people: [\n", "owners.yml:2: invalid YAML"),
        ("- just\n- a list\n", "expected 'people:' and 'teams:'"),
    ],
)
def test_unreadable_registry_is_a_config_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        registry(tmp_path, text)
