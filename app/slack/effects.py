"""Outbox effects of an incident's opening and of each change to it, in Slack. Every effect
(here and in the other ``*_effects`` modules) is safe to run again after an interruption: it
first looks for what an earlier attempt may already have done."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from app.briefs.view import IncidentView, topic
from app.catalog.models import Catalog
from app.domain.naming import channel_name
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.slack import blocks
from app.slack.directory import Directory
from app.slack.gateway import SlackFailure, SlackGateway
from app.slack.invitations import not_invited
from app.slack.posting import IncidentPosts
from app.store import updates
from app.store.db import UnitOfWork
from app.store.models import Incident

log = logging.getLogger(__name__)

MAX_NAME_SUFFIX = 20
ADOPT_WINDOW = timedelta(minutes=1)
"""A same-named channel our bot created this close to the declaration is the one we made."""


@dataclass(kw_only=True)
class IncidentEffects:
    """The incident's opening (channel, topic, invitations, pinned brief, announcement), its
    notices, and the refreshes of what it shows after a change."""

    posts: IncidentPosts
    gateway: SlackGateway
    directory: Directory
    uow: UnitOfWork
    catalog: Callable[[], Catalog]

    def table(self) -> dict[Kind, Effect]:
        return {
            Kind.CREATE_CHANNEL: self.create_channel,
            Kind.SET_TOPIC: self.set_topic,
            Kind.INVITE: self.invite,
            Kind.POST_BRIEF: self.post_brief,
            Kind.PIN_BRIEF: self.pin_brief,
            Kind.ANNOUNCE: self.announce,
            Kind.POST_NOTICE: self.post_notice,
            Kind.REFRESH_BRIEF: self.refresh_brief,
            Kind.REFRESH_ANNOUNCEMENT: self.refresh_announcement,
        }

    async def create_channel(self, job: Job) -> Outcome:
        view = await self.posts.view(job)
        prefix = self.catalog().policy.workspace.channel_prefix
        for suffix in (None, *range(2, MAX_NAME_SUFFIX + 1)):
            name = channel_name(prefix, view.number, view.title, suffix=suffix)
            try:
                channel = await self.gateway.create_channel(name, private=view.private)
            except SlackFailure as failure:
                if failure.error != "name_taken":
                    raise
                if job.maybe_done_before and (mine := await self._ours(name, view)):
                    channel = mine
                else:
                    continue
            columns = {"channel_id": channel["id"], "channel_name": channel["name"]}
            return Outcome(
                {"channel": channel["id"], "name": channel["name"]},
                columns,
                handoff=replace(view, **columns),
            )
        raise SlackFailure("conversations.create", f"no free name for {view.ref}", False)

    async def _ours(self, name: str, view: IncidentView) -> dict[str, object] | None:
        channel = await self.gateway.find_channel(name)
        if channel is None or channel.get("creator") != await self.gateway.bot_user_id():
            return None
        created = float(str(channel.get("created") or 0))
        declared = (view.declared_at - ADOPT_WINDOW).timestamp()
        return channel if created >= declared else None

    async def set_topic(self, job: Job) -> Outcome:
        """Stored state, not the handoff: a later change's topic may already be set, and the
        topic shows what is true now (an IC assigned while the channel was being made)."""
        view = await self.posts.view(job, fresh=True)
        await self.gateway.set_topic(self.posts.channel(view), topic(view))
        return Outcome({"topic": topic(view)})

    async def invite(self, job: Job) -> Outcome:
        """Everyone who can be invited is; who could not be (a guest, a deactivated account)
        is said in the channel, so the IC knows who is missing. People may be emails in the
        config; those Slack does not know are skipped here and reported by the page naming them."""
        view = await self.posts.view(job)
        found = [await self.directory.user_id(str(p)) for p in job.payload.get("users", [])]
        users = [user for user in found if user]
        channel = self.posts.channel(view)
        refused = await self.gateway.invite(channel, users)
        if refused:
            log.warning("%s: could not invite %s", view.ref, refused)
            text, body = blocks.notice(not_invited(refused))
            await self.posts.post_once(job, channel, text, body, key=f"{job.key}:not-invited")
        return Outcome({"users": users, "not_invited": refused})

    async def post_brief(self, job: Job) -> Outcome:
        """Post, then pin at once: one delivery instead of two hops through the outbox. A retry
        finds the posted brief by its marker and pins that; pinning twice is harmless. What
        waits on the brief (topic, invitations) gets the incident as the channel left it. The
        brief may go out before its channel is recorded (``LEASED_AHEAD``); the pin that says
        the incident is ready waits for that."""
        view = await self.posts.view(job)
        text, body = blocks.brief(view)
        posted = await self.posts.post_once(job, self.posts.channel(view), text, body)
        await job.settled()
        try:
            await self.gateway.pin(posted["channel"], posted["ts"])
        except SlackFailure as failure:
            if failure.transient:
                raise
            log.warning("%s: brief posted but not pinned: %s", view.ref, failure)
            posted = {**posted, "pin_error": failure.error}
        return Outcome(posted, {"brief_ts": posted["ts"]}, handoff=view)

    async def pin_brief(self, job: Job) -> Outcome:
        """Items enqueued before the pin moved into ``post_brief`` still get delivered."""
        parent = job.parent or {}
        await self.gateway.pin(str(parent["channel"]), str(parent["ts"]))
        return Outcome(dict(parent))

    async def announce(self, job: Job) -> Outcome:
        view = await self.posts.view(job)
        if view.private:
            return Outcome({"skipped": "private"})
        ref = self.catalog().policy.workspace.announce_channel
        text, body = blocks.announcement(view)
        posted = await self.posts.post_configured(job, view, ref, "the announcement", text, body)
        return Outcome(
            posted, {"announce_channel_id": posted["channel"], "announce_ts": posted["ts"]}
        )

    async def refresh_brief(self, job: Job) -> Outcome:
        view, ids = await self.posts.view(job), await self._message_ids(job)
        if not ids.get("brief_ts"):
            raise SlackFailure("chat.update", "the brief is not posted yet", True)
        text, body = blocks.brief(view)
        await self.gateway.update(self.posts.channel(view), ids["brief_ts"], text=text, blocks=body)
        return Outcome({"ts": ids["brief_ts"]})

    async def refresh_announcement(self, job: Job) -> Outcome:
        view, ids = await self.posts.view(job), await self._message_ids(job)
        if view.private:
            return Outcome({"skipped": "private"})
        if not ids.get("announce_ts"):
            raise SlackFailure("chat.update", "the announcement is not posted yet", True)
        text, body = blocks.announcement(view, latest=ids.get("latest"))
        await self.gateway.update(
            ids["announce_channel_id"], ids["announce_ts"], text=text, blocks=body
        )
        return Outcome({"ts": ids["announce_ts"]})

    async def _message_ids(self, job: Job) -> dict[str, str]:
        def load() -> dict[str, str]:
            with self.uow.read() as session:
                incident = session.get_one(Incident, job.incident_id)
                ids = {
                    name: value
                    for name in ("brief_ts", "announce_ts", "announce_channel_id")
                    if (value := getattr(incident, name))
                }
                latest = updates.latest_approved(session, incident.id)
                return {**ids, "latest": latest} if latest else ids

        return await asyncio.to_thread(load)

    async def post_notice(self, job: Job) -> Outcome:
        view = await self.posts.view(job)
        text, body = blocks.notice(await self.posts.mention_people(str(job.payload["text"])))
        return Outcome(await self.posts.post_once(job, self.posts.channel(view), text, body))
