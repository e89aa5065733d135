"""Outbox effects of paging: the DM with its Acknowledge button, its link to the incident
channel once that exists, and its update on ack.

A page never waits for the incident channel (conversations.create is Tier 2: under a storm of
declarations channels come minutes after the pages can); the DM says the channel is being
created and ``page_link`` edits the DM once it is. A channel Slack refuses to create is reported
to the declarer and in the announce channel (``channel_failed``), since the incident channel,
where failures are normally reported, does not exist.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.briefs.view import IncidentView, clock_time
from app.catalog.models import Catalog
from app.outbox import keys
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.slack import blocks
from app.slack.directory import Directory
from app.slack.gateway import SlackFailure, SlackGateway
from app.slack.posting import IncidentPosts
from app.store import outbox
from app.store.db import UnitOfWork
from app.store.models import Page


@dataclass(kw_only=True)
class PagingEffects:
    posts: IncidentPosts
    gateway: SlackGateway
    directory: Directory
    uow: UnitOfWork
    catalog: Callable[[], Catalog]

    def table(self) -> dict[Kind, Effect]:
        return {
            Kind.PAGE_DM: self.page_dm,
            Kind.PAGE_LINK: self.page_link,
            Kind.PAGE_ACKED: self.page_acked,
            Kind.FYI_DM: self.fyi_dm,
            Kind.CHANNEL_FAILED: self.channel_failed,
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
        page, view = await self.page(job), await self.posts.view(job)
        user = await self.directory.user_id(page.person)
        if user is None:
            return await self._unpageable(job, page, view, "Slack has no user with that email")
        try:
            channel = await self.directory.dm_channel(user)
        except SlackFailure as failure:
            if failure.error != "user_disabled":
                raise
            return await self._unpageable(job, page, view, "their Slack account is deactivated")
        text, body = self._page_body(page, view)
        posted = await self.posts.post_once(job, channel, text, body)
        linked = view.channel_id is not None
        return Outcome({**posted, "user": user, "linked": linked}, page={"user_id": user})

    async def page_link(self, job: Job) -> Outcome:
        """Once the channel exists: point the page DM sent before it at the channel."""
        state, sent = await self._dm_of(job)
        if state == "failed":
            return Outcome({"skipped": "no page DM"})
        if state != "done":
            raise SlackFailure("page_link", "the page DM is not sent yet", True)
        if "unresolved" in sent:
            if not sent.get("noticed"):
                view = await self.posts.view(job)
                why = str(sent.get("why") or "Slack has no user with that email")
                page = await self.page(job)
                await self._unpageable_notice(job, page, self.posts.channel(view), why)
            return Outcome({"unresolved": sent["unresolved"]})
        if sent.get("linked"):
            return Outcome({"skipped": "the DM has the link"})
        page, view = await self.page(job), await self.posts.view(job)
        text, body = self._page_body(page, view)
        await self.gateway.update(str(sent["channel"]), str(sent["ts"]), text=text, blocks=body)
        return Outcome({"channel": sent["channel"], "ts": sent["ts"]})

    async def _unpageable(self, job: Job, page: Page, view: IncidentView, why: str) -> Outcome:
        """Said in the incident channel, so the IC reaches them another way: now if it exists,
        else by ``page_link`` once it does."""
        if view.channel_id:
            await self._unpageable_notice(job, page, view.channel_id, why)
        return Outcome({"unresolved": page.person, "noticed": bool(view.channel_id), "why": why})

    async def _unpageable_notice(self, job: Job, page: Page, channel: str, why: str) -> None:
        who = page.person if "@" in page.person else f"<@{page.person}>"
        text = (
            f":warning: Could not page {who} ({', '.join(page.reasons)}): {why}."
            " Reach them another way and fix the configuration."
        )
        message, body = blocks.notice(text)
        await self.posts.post_once(job, channel, message, body)

    def _page_body(self, page: Page, view: IncidentView) -> tuple[str, list[Any]]:
        if page.acked_at is not None:
            return blocks.page_acknowledged(
                view, reasons=page.reasons, by=page.acked_by or "", at=clock_time(page.acked_at)
            )
        return blocks.page_message(view, reasons=page.reasons, page_id=page.id)

    async def _dm_of(self, job: Job) -> tuple[str, dict[str, Any]]:
        def load() -> tuple[str, dict[str, Any]]:
            with self.uow.read() as session:
                item = outbox.by_key(session, keys.page_dm(int(job.payload["page_id"])))
                if item is None:
                    return "failed", {}
                return item.state, dict(item.result or {})

        return await asyncio.to_thread(load)

    async def channel_failed(self, job: Job) -> Outcome:
        """The channel cannot be created: tell the declarer by DM and, unless the incident is
        private, everyone in the announce channel. Pages went out regardless."""
        view = await self.posts.view(job)
        text, body = blocks.notice(
            f":warning: Slack refused to create the channel for {view.ref} ({view.severity},"
            f" declared by <@{view.declared_by}>): `{job.payload.get('error', '')}`."
            " The pages went out by DM; a workspace admin can let Beacon create channels."
        )
        dm = await self.directory.dm_channel(view.declared_by)
        told = {"declarer": (await self.posts.post_once(job, dm, text, body))["ts"]}
        if not view.private:
            workspace = self.catalog().policy.workspace
            announce = await self.directory.channel_id(workspace.announce_channel)
            told["announce"] = (await self.posts.post_once(job, announce, text, body))["ts"]
        return Outcome(told)

    async def page_acked(self, job: Job) -> Outcome:
        parent = job.parent or {}
        if "ts" not in parent:
            return Outcome({"skipped": "the page DM was never delivered"})
        page, view = await self.page(job), await self.posts.view(job)
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
        view = await self.posts.view(job)
        person, reasons = str(job.payload["person"]), list(job.payload["reasons"])
        user = await self.directory.user_id(person)
        if user is None:
            text = f":warning: Could not tell {person} ({', '.join(reasons)}): no such Slack user."
            message, body = blocks.notice(text)
            await self.posts.post_once(job, self.posts.channel(view), message, body)
            return Outcome({"unresolved": person})
        text, body = blocks.fyi_message(view, reasons=reasons)
        posted = await self.posts.post_once(job, await self.directory.dm_channel(user), text, body)
        return Outcome({**posted, "user": user})
