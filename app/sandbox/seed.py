"""The sandbox workspace, seeded from the loaded configuration.

Everyone the configuration names (approvers, execs, managers, rotations, liaisons, sponsors)
becomes a user with the roles that explain why Beacon would page them, so a visitor can pick
"who am I" and see exactly what that person would see. Emails get readable generated ids; people
the configuration names by id get a first name, as a Slack profile would show, so the page reads
"Priya — on call now, Payments" rather than an id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from app.catalog.models import Catalog
from app.routing.oncall import on_call_at
from app.sandbox.slack_api import FakeSlack

#: Someone the configuration does not name: the responder who notices the outage first.
VISITOR = "U0SANDBOX"
GENERAL = "general"
FIRST_NAMES = (
    "Priya", "Marcus", "Ana", "Kenji", "Leila", "Tom", "Noor", "Felix", "Grace", "Omar",
    "Ines", "Raj", "Sofia", "Diego", "Hana", "Luca", "Maya", "Jonas", "Zara", "Theo",
    "Amara", "Ivan", "Chloe", "Yusuf", "Elena", "Kofi", "Mei", "Pablo", "Freya", "Arjun",
    "Lena", "Malik", "Rosa", "Sven", "Aiko", "Nia", "Oscar", "Tara", "Emil", "Lucia",
)  # fmt: skip


@dataclass
class Persona:
    """A user of the sandbox and the roles the configuration gives them."""

    user_id: str
    name: str
    email: str | None = None
    roles: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How the page lists them: "Dana — manager, Payments · liaison, Acme Corp"."""
        return f"{self.name} — {' · '.join(self.roles)}" if self.roles else self.name


def seed(slack: FakeSlack, catalog: Catalog, *, now: datetime) -> dict[str, Persona]:
    """Create the configuration's channels and people in ``slack``; returns people by id."""
    people: dict[str, Persona] = {
        VISITOR: Persona(VISITOR, "Sam Visitor", roles=["responder (not in the config)"])
    }
    for person, role in _roles(catalog, now):
        user_id = person
        email = None
        if "@" in person:
            email = person
            user_id = slack.users.get(person) or slack.add_user(person, _id_for(person, people))
        if user_id not in people:
            people[user_id] = Persona(user_id, _name(person, people), email)
        persona = people[user_id]
        if role not in persona.roles:
            persona.roles.append(role)
    for name in _channels(catalog):
        if slack.channel_by_name(name) is None:
            slack.add_channel(name, bot_member=True)
    return people


def _roles(catalog: Catalog, now: datetime) -> Iterator[tuple[str, str]]:
    workspace = catalog.policy.workspace
    for person in workspace.approvers:
        yield person, "approver"
    for person in workspace.execs:
        yield person, "exec"
    for person in workspace.commanders:
        yield person, "commander"
    for team in catalog.teams.values():
        if team.manager:
            yield team.manager, f"manager, {team.name}"
        if team.oncall is None:
            continue
        shift = on_call_at(team.oncall, now)
        for person in team.oncall.rotation:
            if person == shift.primary:
                yield person, f"on call now, {team.name}"
            elif person == shift.secondary:
                yield person, f"secondary, {team.name}"
            else:
                yield person, f"rotation, {team.name}"
        for override in team.oncall.overrides:
            yield override.user, f"override, {team.name}"
    for account in catalog.accounts.values():
        if account.liaison:
            yield account.liaison, f"liaison, {account.name}"
        if account.exec_sponsor:
            yield account.exec_sponsor, f"exec sponsor, {account.name}"


def _channels(catalog: Catalog) -> list[str]:
    workspace = catalog.policy.workspace
    named = [workspace.announce_channel, workspace.cs_channel]
    if catalog.policy.signals is not None and catalog.policy.signals.triage_channel:
        named.append(catalog.policy.signals.triage_channel)
    named += [a.channel for a in catalog.accounts.values() if a.channel]
    names = [GENERAL] + [c.lstrip("#") for c in named if c.startswith("#")]
    return list(dict.fromkeys(names))


def _id_for(email: str, taken: dict[str, Persona]) -> str:
    base = "U0" + re.sub(r"[^A-Z0-9]", "", email.split("@")[0].upper())[:12]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _name(person: str, taken: dict[str, Persona]) -> str:
    """From an email's local part ("dana.lee" → "Dana Lee"), else the next unused first name."""
    if "@" in person:
        return person.split("@")[0].replace(".", " ").replace("_", " ").title()
    used = {p.name for p in taken.values()}
    free = [name for name in FIRST_NAMES if name not in used]
    return free[0] if free else f"{FIRST_NAMES[len(taken) % len(FIRST_NAMES)]} {len(taken)}"
