"""Outbox effects of mitigations: the card in the incident channel, posted once and edited as
it is decided, renewed and lapses."""

from __future__ import annotations

import asyncio

from app.briefs.view import MitigationView
from app.outbox import keys
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.slack import blocks
from app.slack.gateway import SlackFailure, SlackGateway
from app.slack.posting import IncidentPosts
from app.store import outbox
from app.store.db import UnitOfWork


class MitigationEffects:
    def __init__(self, *, posts: IncidentPosts, gateway: SlackGateway, uow: UnitOfWork) -> None:
        self.posts = posts
        self.gateway = gateway
        self.uow = uow

    def table(self) -> dict[Kind, Effect]:
        return {
            Kind.POST_MITIGATION_CARD: self.post_mitigation_card,
            Kind.REFRESH_MITIGATION_CARD: self.refresh_mitigation_card,
        }

    async def mitigation(self, job: Job) -> tuple[MitigationView, str, dict[str, str] | None]:
        """The mitigation as it stands now, its incident channel, and where its card was
        posted (if it was)."""
        mitigation_id = int(job.payload["mitigation_id"])
        view = await self.posts.view(job)

        def card() -> dict[str, str] | None:
            with self.uow.read() as session:
                return outbox.result_of(session, keys.mitigation_card(mitigation_id))

        found = next((m for m in view.mitigations if m.id == mitigation_id), None)
        if found is None:
            raise SlackFailure(job.kind, f"mitigation {mitigation_id} is gone", False)
        return found, self.posts.channel(view), await asyncio.to_thread(card)

    async def post_mitigation_card(self, job: Job) -> Outcome:
        mitigation, channel, _ = await self.mitigation(job)
        text, body = blocks.mitigation_card(mitigation)
        return Outcome(await self.posts.post_once(job, channel, text, body))

    async def refresh_mitigation_card(self, job: Job) -> Outcome:
        mitigation, _, card = await self.mitigation(job)
        if not card:
            raise SlackFailure("chat.update", "the mitigation card is not posted yet", True)
        text, body = blocks.mitigation_card(mitigation)
        await self.gateway.update(card["channel"], card["ts"], text=text, blocks=body)
        return Outcome(dict(card))
