"""Buttons. The payload says who clicked; whether they may is decided by the service."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.domain.refs import IncidentRef
from app.handlers.replies import answering, replying_errors
from app.slack.ids import PAGE_ACK


def register(app: AsyncApp, beacon: Beacon) -> None:
    @app.action(PAGE_ACK)
    async def acknowledge_page(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()

        async def work() -> None:
            await asyncio.to_thread(
                beacon.paging.acknowledge,
                IncidentRef(body["user"]["id"]),
                page_id=int(action["value"]),
            )

        await replying_errors(answering(beacon.gateway, body, respond), work)
