"""Outbox effects of paging: the DM with its Acknowledge button, and its update on ack."""

from __future__ import annotations

import asyncio

from app.briefs.view import clock_time
from app.slack import blocks
from app.slack.delivery import Effect, Job, Outcome
from app.slack.effects import IncidentEffects
from app.slack.gateway import SlackFailure
from app.store.models import Page


class PagingEffects(IncidentEffects):
    def table(self) -> dict[str, Effect]:
        return {
            **super().table(),
            "page_dm": self.page_dm,
            "page_acked": self.page_acked,
            "fyi_dm": self.fyi_dm,
        }

    async def page(self, job: Job) -> Page:
        def load() -> Page:
            with self.uow.read() as session:
                page = session.get(Page, int(job.payload["page_id"]))
                if page is None:
                    raise SlackFailure(job.kind, f"page {job.payload['page_id']} is gone", False)
                session.expunge(page)
                return page

        return await asyncio.to_thread(load)

    async def page_dm(self, job: Job) -> Outcome:
        page, view = await self.page(job), await self.view(job)
        user = await self.directory.user_id(page.person)
        if user is None:
            return await self._unpageable(job, page, "Slack has no user with that email")
        try:
            channel = await self.gateway.open_dm(user)
        except SlackFailure as failure:
            if failure.error != "user_disabled":
                raise
            return await self._unpageable(job, page, "their Slack account is deactivated")
        text, body = blocks.page_message(view, reasons=page.reasons, page_id=page.id)
        posted = await self._post_once(job, channel, text, body)
        return Outcome({**posted, "user": user}, page={"user_id": user})

    async def _unpageable(self, job: Job, page: Page, why: str) -> Outcome:
        """Said in the incident channel, so the IC reaches them another way."""
        view = await self.view(job)
        who = page.person if "@" in page.person else f"<@{page.person}>"
        text = (
            f":warning: Could not page {who} ({', '.join(page.reasons)}): {why}."
            " Reach them another way and fix the configuration."
        )
        message, body = blocks.notice(text)
        await self._post_once(job, self._channel(view), message, body)
        return Outcome({"unresolved": page.person})

    async def page_acked(self, job: Job) -> Outcome:
        parent = job.parent or {}
        if "ts" not in parent:
            return Outcome({"skipped": "the page DM was never delivered"})
        page, view = await self.page(job), await self.view(job)
        text, body = blocks.page_acknowledged(
            view,
            reasons=page.reasons,
            by=page.acked_by or "",
            at=clock_time(page.acked_at),
        )
        await self.gateway.update(str(parent["channel"]), str(parent["ts"]), text=text, blocks=body)
        return Outcome(dict(parent))

    async def fyi_dm(self, job: Job) -> Outcome:
        """An FYI to a dependent team; one Slack does not know is noted in the channel."""
        view = await self.view(job)
        person, reasons = str(job.payload["person"]), list(job.payload["reasons"])
        user = await self.directory.user_id(person)
        if user is None:
            text = f":warning: Could not tell {person} ({', '.join(reasons)}): no such Slack user."
            message, body = blocks.notice(text)
            await self._post_once(job, self._channel(view), message, body)
            return Outcome({"unresolved": person})
        text, body = blocks.fyi_message(view, reasons=reasons)
        posted = await self._post_once(job, await self.gateway.open_dm(user), text, body)
        return Outcome({**posted, "user": user})
