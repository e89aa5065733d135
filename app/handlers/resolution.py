"""Checklist buttons and the resolve form. Who may tick is decided by the service from stored
data (the account's liaison, its subscribers, approvers, the IC), never from the payload."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.domain.refs import IncidentRef
from app.domain.resolution import ResolveInput
from app.handlers.replies import privately, replying_errors
from app.slack.ids import CHECKLIST_TICK, RESOLVE_VIEW, ResolveField


def _value(view: dict[str, Any], block: str) -> str | None:
    value = view["state"]["values"].get(block, {}).get(block, {}).get("value")
    return str(value).strip() or None if value else None


def register(app: AsyncApp, beacon: Beacon) -> None:
    @app.action(CHECKLIST_TICK)
    async def tick(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        thread_id, _, item = str(action["value"]).partition(":")

        async def work() -> None:
            done = await asyncio.to_thread(
                beacon.checklists.tick, int(thread_id), item, user=body["user"]["id"]
            )
            if not done.new:
                await respond(
                    text=f"Already ticked by <@{done.by}>.",
                    response_type="ephemeral",
                    replace_original=False,
                )

        await replying_errors(respond, work)

    @app.view(RESOLVE_VIEW)
    async def resolve_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        fix = _value(view, ResolveField.FIX)
        if not fix:
            await ack(response_action="errors", errors={ResolveField.FIX: "Say what fixed it."})
            return
        await ack()
        meta = json.loads(view.get("private_metadata") or "{}")
        given = ResolveInput(
            fix=fix,
            residual_risk=_value(view, ResolveField.RESIDUAL_RISK),
            customer_steps=_value(view, ResolveField.CUSTOMER_STEPS),
        )
        which = IncidentRef(body["user"]["id"], meta.get("number"), meta.get("channel") or None)
        await replying_errors(
            privately(beacon, which.actor, which.channel),
            lambda: asyncio.to_thread(beacon.resolutions.resolve, which, given),
        )
