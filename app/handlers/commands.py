"""`/incident`: parse the command line, hand it to its verb (``asking_verbs`` for what is not
about one incident, ``incident_verbs`` for what is), and answer a refusal privately."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.domain.commands import parse_command
from app.domain.errors import BeaconError
from app.handlers import asking_verbs, incident_verbs, signals
from app.handlers.answers import Ack, Asked, Verb
from app.slack import blocks


class IncidentCommand:
    def __init__(self, beacon: Beacon) -> None:
        self.beacon = beacon
        self.verbs: dict[str, Verb] = {
            **asking_verbs.VERBS,
            **incident_verbs.VERBS,
            "report": signals.report,
        }

    async def __call__(self, ack: Ack, respond: AsyncRespond, command: dict[str, Any]) -> None:
        """A refusal raised before the ack is the ack's text; after it, an ephemeral reply."""
        acked = False

        async def ack_once(**kwargs: Any) -> None:
            nonlocal acked
            acked = True
            await ack(**kwargs)

        try:
            parsed = parse_command(command.get("text", ""))
            await self.verbs[parsed.verb](self.beacon, Asked(ack_once, respond, command, parsed))
        except BeaconError as error:
            text = blocks.error_text(error.message, error.usage)
            if acked:
                await respond(text=text, response_type="ephemeral")
            else:
                await ack(text=text, response_type="ephemeral")


def register(app: AsyncApp, beacon: Beacon) -> None:
    app.command("/incident")(IncidentCommand(beacon))
