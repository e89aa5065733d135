"""`/incident assign commander|comms @user|me`: who may is decided by the service (SPEC 5.10)."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncRespond

from app.beacon import Beacon
from app.domain.commands import Command
from app.domain.people import parse_assignment
from app.handlers.replies import replying_errors


async def assign(
    beacon: Beacon, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any], parsed: Command
) -> None:
    role, user = parse_assignment(parsed.raw, me=command["user_id"])
    await ack()

    async def work() -> None:
        text = await asyncio.to_thread(
            beacon.changes.assign,
            role,
            user,
            actor=command["user_id"],
            number=parsed.incident_number,
            channel=command.get("channel_id"),
        )
        await respond(text=text, response_type="ephemeral")

    await replying_errors(respond, work)
