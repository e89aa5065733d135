"""What an empty ``#general`` says to a first-time visitor: the command to type, taken from the
loaded configuration so it works as typed, and how long the escalation demo takes in real time
(the sandbox runs on the wall clock; only drills compress it)."""

from __future__ import annotations

from app.catalog.durations import format_duration
from app.catalog.models import Catalog


def first_steps(catalog: Catalog) -> str:
    """Slack mrkdwn for the empty channel."""
    policy = catalog.policy
    severity = policy.severities[min(1, len(policy.severities) - 1)]
    paged = [s for s in catalog.services.values() if catalog.teams[s.team].oncall is not None]
    services = paged or list(catalog.services.values())
    command = f"/incident declare {severity.id} Something is failing"
    if services:
        service = services[0]
        command += f" services: {service.id}"
        users = [a.id for a in catalog.accounts.values() if service.id in a.uses]
        if users:
            command += f" accounts: {users[0]}"
    lines = [f"Nothing here yet. Declare an incident to start: `{command}`"]
    if policy.escalation:
        after = policy.escalation[0].after
        wait = format_duration(severity.ack_within if after == "ack_within" else after)
        lines.append(
            f"Then act as the person paged (*You are*), or let their page go unacknowledged:"
            f" the first escalation arrives {wait} after the page, in real time"
            " (`beacon drill` plays it in seconds)."
        )
    return "\n".join(lines)
