"""`/incident assign commander|comms @user|me`: who may is decided by the service (SPEC 5.10)."""

from __future__ import annotations

import asyncio
from typing import Any, Literal

from slack_bolt.async_app import AsyncAck, AsyncRespond

from app.beacon import Beacon
from app.domain.commands import USAGE, Command
from app.domain.errors import UsageError
from app.domain.people import parse_mention
from app.handlers.replies import replying_errors

ROLES: dict[str, Literal["commander", "comms"]] = {"commander": "commander", "comms": "comms"}


async def assign(
    beacon: Beacon, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any], parsed: Command
) -> None:
    words = parsed.args.split()
    role = words[0].lower() if words else ""
    who = words[1] if len(words) == 2 else ""
    user = command["user_id"] if who.lower() == "me" else parse_mention(who)
    if role not in ROLES or user is None:
        raise UsageError("Say which role and whom (`me` to take it).", usage=USAGE["assign"])
    await ack()

    async def work() -> None:
        text = await asyncio.to_thread(
            beacon.changes.assign,
            ROLES[role],
            user,
            actor=command["user_id"],
            number=parsed.incident_number,
            channel=command.get("channel_id"),
        )
        await respond(text=text, response_type="ephemeral")

    await replying_errors(respond, work)
