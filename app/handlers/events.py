"""Events API: App Home opened, :pushpin: reactions. Bolt acknowledges events itself; each
listener makes one service call, which de-duplicates Slack's retries by ``event_id``."""

from __future__ import annotations

import asyncio
from typing import Any

from slack_bolt.async_app import AsyncApp

from app.beacon import Beacon
from app.services.timeline import PIN_REACTION


def _event_id(body: dict[str, Any]) -> str:
    return str(body.get("event_id") or f"{body.get('event_time')}:{body.get('event', {})}")[:64]


def register(app: AsyncApp, beacon: Beacon) -> None:
    @app.event("app_home_opened")
    async def home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        await asyncio.to_thread(beacon.home.opened, str(event["user"]), event_id=_event_id(body))

    @app.event("reaction_added")
    async def reaction_added(body: dict[str, Any], event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        if event.get("reaction") != PIN_REACTION or item.get("type") != "message":
            return
        await asyncio.to_thread(
            beacon.timeline.pushpin,
            event_id=_event_id(body),
            channel=str(item["channel"]),
            ts=str(item["ts"]),
            user=str(event["user"]),
        )
