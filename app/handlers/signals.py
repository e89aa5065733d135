"""``/incident report`` and the triage card's buttons: ack first, parse, one service call."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.models.views import View

from app.beacon import Beacon
from app.domain.commands import Command
from app.domain.reports import parse_report
from app.handlers.replies import privately, replying_errors
from app.services.customer_reports import report as record_report
from app.slack import blocks
from app.slack.blocks.signals import (
    DECLARE,
    DISMISS,
    DISMISS_VIEW,
    REASON_BLOCK,
    REASON_INPUT,
    dismiss_modal,
)


async def report(
    beacon: Beacon, ack: Any, respond: AsyncRespond, command: dict[str, Any], parsed: Command
) -> None:
    given = await asyncio.to_thread(parse_report, parsed.args, beacon.catalog)
    await ack()

    async def work() -> None:
        text = await asyncio.to_thread(
            record_report,
            beacon.signals,
            given,
            user=command["user_id"],
            request_key=command.get("trigger_id") or command["user_id"],
        )
        await respond(text=text, response_type="ephemeral")

    await replying_errors(respond, work)


def register(app: AsyncApp, beacon: Beacon) -> None:
    @app.action(DECLARE)
    async def declare_clicked(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        card_id = int(action["value"])
        channel = (body.get("channel") or {}).get("id", "")

        async def work() -> None:
            declaration = await asyncio.to_thread(
                beacon.signal_triage.prefill, card_id, actor=body["user"]["id"]
            )
            catalog = beacon.catalog
            view = blocks.declare_modal(
                severities=catalog.policy.severities,
                services=[(sid, service.name) for sid, service in catalog.services.items()],
                title=declaration.title,
                severity=declaration.severity,
                chosen_services=declaration.services,
                accounts=declaration.accounts,
                metadata={"channel": channel, "card": str(card_id)},
            )
            await beacon.gateway.open_view(body["trigger_id"], view)

        await replying_errors(respond, work)

    @app.action(DISMISS)
    async def dismiss_clicked(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        card_id = int(action["value"])
        channel = (body.get("channel") or {}).get("id", "")

        async def work() -> None:
            await asyncio.to_thread(
                beacon.signal_triage.authorise, card_id, actor=body["user"]["id"], what="dismiss"
            )
            await beacon.gateway.open_view(
                body["trigger_id"], View(**dismiss_modal(card_id, channel))
            )

        await replying_errors(respond, work)

    @app.view(DISMISS_VIEW)
    async def dismiss_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        reason = str(values[REASON_BLOCK][REASON_INPUT].get("value") or "").strip()
        if not reason:
            await ack(response_action="errors", errors={REASON_BLOCK: "Say why."})
            return
        await ack()
        card, _, channel = str(view.get("private_metadata", "")).partition(":")
        user = body["user"]["id"]
        reply = privately(beacon, user, channel or None)

        async def work() -> None:
            text = await asyncio.to_thread(
                beacon.signal_triage.dismiss, int(card), actor=user, reason=reason
            )
            await reply(text)

        await replying_errors(reply, work)
