"""Posting and editing triage cards (outbox kind ``signal_card``).

Each delivery renders the card as stored when it runs, so a burst of signals costs one
``chat.update`` per delivery, not one per signal, and the last state is always what shows.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from app.outbox import keys
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.signals.view import Snapshot
from app.slack.blocks.signals import card
from app.slack.directory import Directory
from app.slack.gateway import SlackGateway


class SignalCardEffects:
    """Triage cards in the triage channel; ``view`` reads a card as stored (and counts the
    delivery), ``posted`` records where its first post landed."""

    def __init__(
        self,
        *,
        gateway: SlackGateway,
        directory: Directory,
        view: Callable[[int], Snapshot | None],
        posted: Callable[[int, str, str], None],
    ) -> None:
        self.gateway = gateway
        self.directory = directory
        self.view = view
        self.posted = posted

    def table(self) -> dict[Kind, Effect]:
        return {Kind.SIGNAL_CARD: self.deliver}

    async def deliver(self, job: Job) -> Outcome:
        card_id = int(job.payload["card"])
        snapshot = await asyncio.to_thread(self.view, card_id)
        if snapshot is None:
            return Outcome({"skipped": "card gone"})
        text, blocks = card(snapshot.view)
        if snapshot.ts:
            await self.gateway.update(snapshot.channel, snapshot.ts, text=text, blocks=blocks)
            return Outcome({"ts": snapshot.ts})
        channel = await self.directory.channel_id(snapshot.channel)
        marker = keys.signal_card_marker(card_id)
        found: dict[str, Any] | None = None
        if job.maybe_done_before:
            found = await self.gateway.find_marked(channel, marker)
        posted = found or await self.gateway.post(channel, text=text, blocks=blocks, marker=marker)
        if found:
            await self.gateway.update(found["channel"], found["ts"], text=text, blocks=blocks)
        await asyncio.to_thread(self.posted, card_id, posted["channel"], posted["ts"])
        return Outcome(posted)
