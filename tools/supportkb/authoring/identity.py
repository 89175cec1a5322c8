"""Who is running a command: the person in owners.yml whose e-mail is git's `user.email`,
and, when there is none, the people and teams to choose from (`kb new`'s owner, `kb review`'s
reviewer)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from supportkb.errors import FatalError, InvalidUsage
from supportkb.workspace.owners import OwnerRegistry


@dataclass(frozen=True)
class Candidate:
    """A person or team that may be named (as owner, as reviewer), as owners.yml lists it."""

    id: str
    name: str


class PersonNeeded(InvalidUsage):
    """The command needs a person (or team) it cannot guess from git's `user.email`: the
    message names the option; `candidates` are the active ones to choose from, so that a front
    end can offer them (exit code 2 when nobody chooses)."""

    def __init__(self, message: str, email: str, candidates: tuple[Candidate, ...]) -> None:
        super().__init__(message)
        self.email = email
        self.candidates = candidates


def git_email(root: Path) -> str:
    """git's `user.email` in this checkout ("" when git or the setting is missing)."""
    import subprocess

    try:
        return subprocess.run(
            ["git", "config", "user.email"], cwd=root, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def person_with_email(registry: OwnerRegistry, email: str) -> str | None:
    """The id of the person in owners.yml with this e-mail (compared without case)."""
    for person in registry.people.values():
        if email and person.email.lower() == email.lower():
            return person.id
    return None


def active_people(registry: OwnerRegistry) -> tuple[Candidate, ...]:
    return tuple(Candidate(p.id, p.name) for p in registry.people.values() if p.active)


def active_teams(registry: OwnerRegistry) -> tuple[Candidate, ...]:
    return tuple(
        Candidate(t.id, t.name) for t in registry.teams.values() if registry.is_active(t.id)
    )


def listed(candidates: tuple[Candidate, ...]) -> str:
    """`id (name), ...` as a message lists them."""
    return (
        ", ".join(c.id if c.name in ("", c.id) else f"{c.id} ({c.name})" for c in candidates)
        or "none"
    )


def shown(email: str) -> str:
    """An e-mail as a message shows it: written with escapes unless it is printable text
    (git's setting is anyone's text; a terminal must not run what it holds)."""
    return email if email.isprintable() else ascii(email)


def unknown_email(email: str) -> str:
    """The start of the message when git's e-mail names nobody in owners.yml."""
    if not email:
        return "git's user.email is not set, so you cannot be found in owners.yml"
    return f"your git e-mail ({shown(email)}) is not in owners.yml"


def add_yourself(email: str) -> str:
    """How to add yourself to owners.yml (one line, for a message)."""
    return (
        "to be found next time, add yourself under 'people:' in owners.yml "
        f"(- id: your.id, name: 你的名字, email: {shown(email) or 'you@example.com'})"
    )


def person_for_git_user(registry: OwnerRegistry, root: Path) -> str:
    """The reviewer: the person in owners.yml whose e-mail is git's `user.email` in this
    checkout; `PersonNeeded` (listing the active people) when there is none."""
    email = git_email(root)
    person = person_with_email(registry, email)
    if person is not None:
        return person
    people = active_people(registry)
    raise PersonNeeded(
        f"{unknown_email(email)}: name the reviewer with --by PERSON, one of: "
        f"{listed(people)}; {add_yourself(email)}",
        email,
        people,
    )


def check_active_person(
    registry: OwnerRegistry, person: str, recorded: str, why_active: str = ""
) -> None:
    """`person` is an active person of owners.yml (a team records nothing): `recorded` says
    what a person records ("a review is recorded"), `why_active` follows the inactive case."""
    if person in registry.teams:
        raise FatalError(f"'{person}' is a team; {recorded} by a person (--by PERSON)")
    if person not in registry.people:
        hint = registry.suggest(person)
        raise FatalError(
            f"'{person}' is not a person in owners.yml" + (f"; {hint}" if hint else "")
        )
    if not registry.people[person].active:
        raise FatalError(f"'{person}' is inactive in owners.yml" + why_active)
