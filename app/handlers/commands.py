"""`/incident`: ack first, parse, one service call, render."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.domain.commands import Command, help_text, parse_command
from app.domain.declaration import parse_declare
from app.domain.errors import BeaconError, UsageError
from app.handlers.replies import replying_errors
from app.slack import blocks

Verb = Callable[[AsyncAck, AsyncRespond, dict[str, Any], Command], Awaitable[None]]


class IncidentCommand:
    def __init__(self, beacon: Beacon) -> None:
        self.beacon = beacon
        self.verbs: dict[str, Verb] = {
            "declare": self.declare,
            "status": self.status,
            "list": self.list,
            "help": self.help,
        }

    async def __call__(self, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any]) -> None:
        acked = False

        async def ack_once(**kwargs: Any) -> None:
            nonlocal acked
            acked = True
            await ack(**kwargs)

        try:
            parsed = parse_command(command.get("text", ""))
            verb = self.verbs.get(parsed.verb)
            if verb is None:
                raise UsageError(f"`/incident {parsed.verb}` is not available in this version yet.")
            await verb(ack_once, respond, command, parsed)
        except BeaconError as error:
            text = blocks.error_text(error.message, error.usage)
            if acked:
                await respond(text=text, response_type="ephemeral")
            else:
                await ack(text=text, response_type="ephemeral")

    async def declare(
        self, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        catalog = self.beacon.catalog
        declaration = parse_declare(parsed.args, catalog)
        if not declaration.complete:
            await ack()
            view = blocks.declare_modal(
                severities=catalog.policy.severities,
                services=[(sid, service.name) for sid, service in catalog.services.items()],
                title=declaration.title,
                severity=declaration.severity,
                chosen_services=declaration.services,
                accounts=declaration.accounts,
                private=declaration.private,
                metadata={"channel": command.get("channel_id", "")},
            )
            await replying_errors(
                respond, lambda: self.beacon.gateway.open_view(command["trigger_id"], view)
            )
            return
        await ack(
            text=f":hourglass_flowing_sand: Declaring *{declaration.title}*…",
            response_type="ephemeral",
        )

        async def work() -> None:
            declared = await asyncio.to_thread(
                self.beacon.incidents.declare,
                declaration,
                actor=command["user_id"],
                request_key=f"command:{command.get('trigger_id') or command['user_id']}",
                origin_channel=command.get("channel_id"),
            )
            raised = (
                f" (raised from {declaration.severity})"
                if declared.severity != declaration.severity
                else ""
            )
            await respond(
                text=f":rotating_light: *{declared.ref}* declared as {declared.severity}{raised}:"
                f" {declared.title}. Its channel is being opened and you are invited.",
                response_type="ephemeral",
                replace_original=True,
            )

        await replying_errors(respond, work)

    async def status(
        self, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await ack()

        async def work() -> None:
            view = await asyncio.to_thread(
                self.beacon.incidents.find,
                number=parsed.incident_number,
                channel=command.get("channel_id"),
                viewer=command["user_id"],
            )
            text, body = blocks.brief(view)
            await respond(text=text, blocks=[b.to_dict() for b in body], response_type="ephemeral")

        await replying_errors(respond, work)

    async def list(
        self, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await ack()

        async def work() -> None:
            views = await asyncio.to_thread(
                self.beacon.incidents.open_incidents, viewer=command["user_id"]
            )
            text, body = blocks.incident_list(views)
            await respond(text=text, blocks=[b.to_dict() for b in body], response_type="ephemeral")

        await replying_errors(respond, work)

    async def help(
        self, ack: AsyncAck, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await ack(text=f"*Beacon: `/incident` commands*\n{help_text()}", response_type="ephemeral")


def register(app: AsyncApp, beacon: Beacon) -> None:
    app.command("/incident")(IncidentCommand(beacon))
