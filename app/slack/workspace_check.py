"""`beacon check-config --slack`: the configuration against the workspace of SLACK_BOT_TOKEN.

Everything that would otherwise surface mid-incident: a scope the app lacks (a call refused with
``missing_scope``), a configured channel Beacon cannot post or read in, a person who would never
get their page (no such user, deactivated, a guest Beacon cannot invite, a bot). Each problem is
``file:line: message`` with its fix, the line being where the configuration names the thing.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError

from app.catalog.errors import ConfigIssue
from app.catalog.models import Catalog
from app.catalog.people import people
from app.slack import scopes
from app.slack.channels import configured, survey
from app.slack.gateway import SlackFailure, SlackGateway

CONFIG_FILES = ("policy.yaml", "services.yaml", "accounts.yaml", "accounts.csv")
MANIFEST = "manifest.yml"


class Locator:
    """Where a value first appears in the configuration files (or the manifest)."""

    def __init__(self, directory: Path) -> None:
        self.files: list[tuple[str, list[str]]] = []
        for name in CONFIG_FILES:
            path = directory / name
            if path.is_file():
                self.files.append((name, path.read_text(encoding="utf-8").splitlines()))

    @staticmethod
    def manifest() -> tuple[str, int]:
        """The bot scopes' line in ``manifest.yml`` beside where Beacon runs, if it is there."""
        path = Path(MANIFEST)
        if path.is_file():
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip() == "bot:":
                    return MANIFEST, number
        return MANIFEST, 0

    def find(self, needle: str) -> tuple[str, int]:
        for name, lines in self.files:
            for number, line in enumerate(lines, start=1):
                if needle in line:
                    return name, number
        return (self.files[0][0] if self.files else CONFIG_FILES[0]), 0


def _issue(where: tuple[str, int], message: str, fix: str) -> ConfigIssue:
    return ConfigIssue(where[0], where[1], f"{message}\n    fix: {fix}")


async def check_workspace(
    gateway: SlackGateway, catalog: Catalog, directory: Path
) -> list[ConfigIssue]:
    locate = Locator(directory)
    try:
        identity = await gateway.client.auth_test()
    except SlackApiError as error:
        message = f"Slack refused the token: {error.response.get('error')}"
        fix = "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…)"
        return [_issue((MANIFEST, 0), message, fix)]
    granted = _header(identity.headers, "x-oauth-scopes")
    problems = _scopes(granted, locate.manifest())
    problems += await _channels(gateway, catalog, locate)
    problems += await _people(gateway, catalog, locate)
    return problems


def _header(headers: Any, name: str) -> set[str]:
    for key, value in dict(headers or {}).items():
        if key.lower() == name:
            text = value[0] if isinstance(value, list) else value
            return {scope.strip() for scope in str(text).split(",") if scope.strip()}
    return set()


def _scopes(granted: set[str], where: tuple[str, int]) -> list[ConfigIssue]:
    missing = sorted(scopes.needed() - granted)
    if not missing:
        return []
    message = f"the app's token lacks the scope(s) {', '.join(missing)}"
    fix = (
        "create or update the app from Beacon's manifest.yml (it lists every scope Beacon needs),"
        " then reinstall it to the workspace and use the new token"
    )
    return [_issue(where, message, fix)]


async def _channels(gateway: SlackGateway, catalog: Catalog, locate: Locator) -> list[ConfigIssue]:
    try:
        found = await survey(gateway, configured(catalog))
    except SlackFailure as failure:
        fix = "grant the scopes above, then run the check again"
        return [_issue(locate.manifest(), f"could not list channels: {failure}", fix)]
    problems = []
    for ref, channel in found.items():
        where = locate.find(ref)
        if channel is None:
            problems.append(
                _issue(
                    where,
                    f"channel {ref}: Slack does not show it to Beacon (private without Beacon, "
                    "archived, or no such channel)",
                    f"if it is private, invite Beacon (`/invite @Beacon` in {ref}); otherwise "
                    "create it or correct the name",
                )
            )
    return problems


async def _people(gateway: SlackGateway, catalog: Catalog, locate: Locator) -> list[ConfigIssue]:
    problems = []
    for person, places in sorted(people(catalog).items()):
        user, refusal = await _user(gateway, person)
        problem = refusal or _unpageable(user)
        if problem:
            message = f"{person} ({', '.join(places)}): {problem[0]}"
            problems.append(_issue(locate.find(person), message, problem[1]))
    return problems


async def _user(
    gateway: SlackGateway, person: str
) -> tuple[dict[str, Any] | None, tuple[str, str] | None]:
    """The user object, or why there is none (as a problem and its fix)."""
    try:
        if "@" in person:
            response = await gateway.call("users.lookupByEmail", email=person)
        else:
            response = await gateway.call("users.info", user=person)
    except SlackFailure as failure:
        if failure.error in ("users_not_found", "user_not_found"):
            return None, (
                "not an active member of the workspace (unknown, or deactivated)",
                "use the email or user id of an active member",
            )
        return None, (f"could not be checked: {failure}", "run the check again")
    return dict(response.get("user") or {}), None


def _unpageable(user: dict[str, Any] | None) -> tuple[str, str] | None:
    if user is None:
        return None
    if user.get("deleted"):
        return "a deactivated account", "name an active member instead"
    if user.get("is_bot"):
        return "a bot user, not a person", "name the person responsible instead"
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return (
            "a guest account: Beacon cannot invite them to incident channels",
            "make them a full member, or name a full member instead",
        )
    return None


def render(problems: Iterable[ConfigIssue]) -> str:
    return "\n".join(str(problem) for problem in problems)
