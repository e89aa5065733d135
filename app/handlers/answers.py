"""How a `/incident` verb answers: the ack at once, the blocking use case off the event loop,
then one private reply, with any failure told through ``replies``.

A verb is handed one :class:`Asked`; what it needs of the request (who, which incident, the
parsed words) is read there, so no verb takes the Slack payload apart itself."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncRespond
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from app.beacon import Beacon
from app.domain.commands import Command
from app.domain.refs import IncidentRef
from app.handlers.replies import replying_errors

Ack = Callable[..., Awaitable[None]]
Shown = tuple[str, list[Block]]
"""A message to show: its notification text and its blocks."""


@dataclass(frozen=True)
class Asked:
    """One `/incident` request as its verb sees it."""

    ack: Ack
    respond: AsyncRespond
    command: dict[str, Any]
    parsed: Command

    @property
    def user(self) -> str:
        return str(self.command["user_id"])

    @property
    def channel(self) -> str | None:
        return self.command.get("channel_id")

    @property
    def which(self) -> IncidentRef:
        """The incident named (``INC-<n>``) or, without a name, the channel's."""
        return IncidentRef(self.user, self.parsed.incident_number, self.channel)

    async def answer(self, work: Callable[[], object]) -> None:
        """Ack at once, run the blocking use case off the loop, answer with what it returned
        (nothing when it returns None: what was done is already posted where they are)."""
        await self.ack()

        async def run() -> None:
            text = await asyncio.to_thread(work)
            if text is not None:
                await self.respond(text=str(text), response_type="ephemeral")

        await replying_errors(self.respond, run)

    async def show(self, work: Callable[[], Shown]) -> None:
        """Ack at once, then show privately the message ``work`` builds off the loop."""
        await self.ack()

        async def run() -> None:
            text, body = await asyncio.to_thread(work)
            await self.respond(
                text=text, blocks=[b.to_dict() for b in body], response_type="ephemeral"
            )

        await replying_errors(self.respond, run)

    async def open_form(self, beacon: Beacon, view: View) -> None:
        """Ack at once and open ``view`` with the command's trigger id (which lasts seconds)."""
        await self.ack()
        await replying_errors(
            self.respond, lambda: beacon.gateway.open_view(self.command["trigger_id"], view)
        )


Verb = Callable[[Beacon, Asked], Awaitable[None]]
