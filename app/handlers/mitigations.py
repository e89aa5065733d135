"""The mitigation card's buttons: Authorise, Deny, Renew (`/incident mitigate`, which posts the
card, is in ``incident_verbs``).

Who may press them is decided by the service from stored data and configuration (SPEC 5.10);
the payload only says who clicked, which Slack's signature vouches for.
"""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.handlers.replies import replying_errors
from app.services.mitigations import MitigationDecision
from app.slack.ids import MITIGATION_AUTHORISE, MITIGATION_DENY, MITIGATION_RENEW


async def _already(respond: AsyncRespond, decision: MitigationDecision) -> None:
    if not decision.new:
        await respond(
            text=f"Already {decision.state} by <@{decision.by}>; nothing changed.",
            response_type="ephemeral",
            replace_original=False,
        )


def register(app: AsyncApp, beacon: Beacon) -> None:
    async def decide(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        authorise = action["action_id"] == MITIGATION_AUTHORISE

        async def work() -> None:
            decision = await asyncio.to_thread(
                beacon.mitigations.decide,
                int(action["value"]),
                actor=body["user"]["id"],
                authorise=authorise,
            )
            await _already(respond, decision)

        await replying_errors(respond, work)

    app.action(MITIGATION_AUTHORISE)(decide)
    app.action(MITIGATION_DENY)(decide)

    @app.action(MITIGATION_RENEW)
    async def renew(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        mitigation_id, _, seen = str(action["value"]).partition(":")

        async def work() -> None:
            decision = await asyncio.to_thread(
                beacon.mitigations.renew,
                int(mitigation_id),
                seen=int(seen or 0),
                actor=body["user"]["id"],
            )
            await _already(respond, decision)

        await replying_errors(respond, work)
