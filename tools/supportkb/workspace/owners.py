"""The owners registry, `owners.yml`: the people and teams that documents can name as owner."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from supportkb.documents.fields import did_you_mean
from supportkb.documents.findings import Finding, error
from supportkb.documents.urls import chat_problem, is_email
from supportkb.errors import ConfigError
from supportkb.workspace.settings import read_yaml_file

REGISTRY_FILE = "owners.yml"
_PERSON_KEYS = {"id", "name", "email", "chat", "active", "github"}
_GITHUB_HANDLE = re.compile(r"^@[A-Za-z0-9](?:[A-Za-z0-9-]*)(?:/[A-Za-z0-9._-]+)?$")
_TEAM_KEYS = {"id", "name", "email", "members", "github"}


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    email: str
    chat: str | None = None
    active: bool = True
    github: str | None = None  # @user, for CODEOWNERS


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    members: tuple[str, ...]
    email: str | None = None
    github: str | None = None  # @org/team, for CODEOWNERS


@dataclass(frozen=True)
class OwnerRegistry:
    people: Mapping[str, Person]
    teams: Mapping[str, Team]

    def knows(self, owner_id: str) -> bool:
        return owner_id in self.people or owner_id in self.teams

    def active_members(self, team_id: str) -> list[Person]:
        team = self.teams[team_id]
        return [self.people[m] for m in team.members if m in self.people and self.people[m].active]

    def is_active(self, owner_id: str) -> bool:
        if owner_id in self.people:
            return self.people[owner_id].active
        return owner_id in self.teams and bool(self.active_members(owner_id))

    def suggest(self, owner_id: str) -> str:
        return did_you_mean(owner_id, [*self.people, *self.teams])


def load_registry(root: Path) -> tuple[OwnerRegistry, list[Finding]]:
    """Read `owners.yml`; an unreadable file raises `ConfigError`, bad entries become findings."""
    path = root / REGISTRY_FILE
    if not path.is_file():
        raise ConfigError(
            f"no {REGISTRY_FILE} in {root}: the owners registry is required "
            "(people: and teams:, see Contributing › Reference › Configuration in the site)"
        )
    node, data = read_yaml_file(path, yaml.SafeLoader)
    if not isinstance(data, dict) or not {"people", "teams"} & set(data):
        raise ConfigError(f"{REGISTRY_FILE}: expected 'people:' and 'teams:' lists")
    return _RegistryReader(_entry_lines(node)).read(data)


def _entry_lines(node: yaml.Node | None) -> dict[tuple[str, int], int]:
    """(section, index) -> line of each entry, for findings."""
    lines: dict[tuple[str, int], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(value, yaml.SequenceNode):
                for index, item in enumerate(value.value):
                    lines[(str(key.value), index)] = item.start_mark.line + 1
    return lines


class _RegistryReader:
    def __init__(self, lines: dict[tuple[str, int], int]) -> None:
        self.lines = lines
        self.findings: list[Finding] = []
        self.seen: dict[str, int] = {}

    def problem(self, section: str, index: int, message: str, hint: str) -> None:
        line = self.lines.get((section, index), 1)
        self.findings.append(error(REGISTRY_FILE, line, "registry", message, hint))

    def entries(
        self, data: dict[str, Any], section: str, keys: set[str]
    ) -> list[tuple[int, dict[str, Any]]]:
        raw = data.get(section) or []
        if not isinstance(raw, list):
            self.problem(
                section,
                0,
                f"'{section}' must be a list",
                f"write '{section}:' then '- id: ...' items",
            )
            return []
        result = []
        for index, entry in enumerate(raw):
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("id"), str)
                or not entry["id"]
            ):
                self.problem(
                    section,
                    index,
                    f"{section} entry {index + 1} has no id",
                    "every entry needs 'id:' (letters, digits, '.', '-')",
                )
                continue
            for key in sorted(set(entry) - keys, key=str):
                self.problem(
                    section,
                    index,
                    f"unknown key '{key}' in {entry['id']}",
                    did_you_mean(str(key), sorted(keys))
                    or f"known keys: {', '.join(sorted(keys))}",
                )
            if entry["id"] in self.seen:
                self.problem(
                    section,
                    index,
                    f"'{entry['id']}' is defined twice",
                    "ids must be unique across people and teams "
                    f"(first on line {self.seen[entry['id']]})",
                )
                continue
            self.seen[entry["id"]] = self.lines.get((section, index), 1)
            result.append((index, entry))
        return result

    def text(
        self, section: str, index: int, entry: dict[str, Any], key: str, required: bool
    ) -> str | None:
        value = entry.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(
                section,
                index,
                f"{entry['id']}: '{key}' is missing or not text",
                f"add '{key}: ...'",
            )
            return None
        return value.strip()

    def handle(self, section: str, index: int, entry: dict[str, Any]) -> str | None:
        handle = self.text(section, index, entry, "github", False)
        if handle is not None and not _GITHUB_HANDLE.match(handle):
            self.problem(
                section,
                index,
                f"{entry['id']}: github handle {handle!r} is not valid",
                "write '@user' or '@organisation/team'",
            )
            return None
        return handle

    def read(self, data: dict[str, Any]) -> tuple[OwnerRegistry, list[Finding]]:
        people: dict[str, Person] = {}
        for index, entry in self.entries(data, "people", _PERSON_KEYS):
            active = entry.get("active", True)
            if not isinstance(active, bool):
                self.problem(
                    "people",
                    index,
                    f"{entry['id']}: 'active' must be true or false",
                    "write 'active: true'",
                )
                active = True
            people[entry["id"]] = Person(
                entry["id"],
                self.text("people", index, entry, "name", True) or entry["id"],
                self.text("people", index, entry, "email", True) or "",
                self.text("people", index, entry, "chat", False),
                active,
                self.handle("people", index, entry),
            )
        teams: dict[str, Team] = {}
        for index, entry in self.entries(data, "teams", _TEAM_KEYS):
            members = entry.get("members") or []
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                self.problem(
                    "teams",
                    index,
                    f"{entry['id']}: 'members' must be a list of person ids",
                    "write 'members: [person.id, ...]'",
                )
                members = []
            teams[entry["id"]] = Team(
                entry["id"],
                self.text("teams", index, entry, "name", True) or entry["id"],
                tuple(members),
                self.text("teams", index, entry, "email", False),
                self.handle("teams", index, entry),
            )
        registry = OwnerRegistry(people, teams)
        self.check_teams(registry)
        self.findings.extend(contact_findings(registry, self.seen))
        return registry, self.findings

    def check_teams(self, registry: OwnerRegistry) -> None:
        for team in registry.teams.values():
            line = self.seen[team.id]
            for member in team.members:
                if member not in registry.people:
                    hint = (
                        registry.suggest(member) or "add the person under 'people:' or fix the id"
                    )
                    self.findings.append(
                        error(
                            REGISTRY_FILE,
                            line,
                            "registry",
                            f"team {team.id}: unknown member '{member}'",
                            hint,
                        )
                    )
            if not registry.active_members(team.id):
                self.findings.append(
                    error(
                        REGISTRY_FILE,
                        line,
                        "team-no-active-member",
                        f"team {team.id} has no active member",
                        "add an active person to 'members', or hand the team's documents over",
                    )
                )


def contact_findings(registry: OwnerRegistry, lines: Mapping[str, int]) -> list[Finding]:
    """E-mail addresses and chat links the site could not show as links (`safe_urls`)."""
    found = []
    contacts = [(p.id, "email", p.email) for p in registry.people.values()]
    contacts += [(p.id, "chat", p.chat) for p in registry.people.values() if p.chat]
    contacts += [(t.id, "email", t.email) for t in registry.teams.values() if t.email]
    for entry_id, key, value in contacts:
        if key == "email" and value and not is_email(value):
            why, hint = "is not a valid e-mail address", "write one plain address: name@example.com"
        elif key == "chat" and value and chat_problem(value):
            why, hint = str(chat_problem(value)), "write '@handle' or an https:// link"
        else:
            continue
        message = f"{entry_id}: {key} {value!r} {why}"
        found.append(error(REGISTRY_FILE, lines.get(entry_id, 1), "contact-invalid", message, hint))
    return found
