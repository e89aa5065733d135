"""Outbox effects of mitigations: the card in the incident channel, posted once and edited as
it is decided, renewed and lapses."""

from __future__ import annotations

import asyncio

from app.briefs.view import MitigationView
from app.slack import blocks
from app.slack.delivery import Effect, Job, Outcome
from app.slack.gateway import SlackFailure
from app.slack.resolve_effects import ResolveEffects
from app.store import outbox


class MitigationEffects(ResolveEffects):
    def table(self) -> dict[str, Effect]:
        return {
            **super().table(),
            "post_mitigation_card": self.post_mitigation_card,
            "refresh_mitigation_card": self.refresh_mitigation_card,
        }

    async def mitigation(self, job: Job) -> tuple[MitigationView, str, dict[str, str] | None]:
        """The mitigation as it stands now, its incident channel, and where its card was
        posted (if it was)."""
        mitigation_id = int(job.payload["mitigation_id"])
        view = await self.view(job)

        def card() -> dict[str, str] | None:
            with self.uow.read() as session:
                return outbox.result_of(session, f"mitigation:{mitigation_id}:card")

        found = next((m for m in view.mitigations if m.id == mitigation_id), None)
        if found is None:
            raise SlackFailure(job.kind, f"mitigation {mitigation_id} is gone", False)
        return found, self._channel(view), await asyncio.to_thread(card)

    async def post_mitigation_card(self, job: Job) -> Outcome:
        mitigation, channel, _ = await self.mitigation(job)
        text, body = blocks.mitigation_card(mitigation)
        return Outcome(await self._post_once(job, channel, text, body))

    async def refresh_mitigation_card(self, job: Job) -> Outcome:
        mitigation, _, card = await self.mitigation(job)
        if not card:
            raise SlackFailure("chat.update", "the mitigation card is not posted yet", True)
        text, body = blocks.mitigation_card(mitigation)
        await self.gateway.update(card["channel"], card["ts"], text=text, blocks=body)
        return Outcome(dict(card))
