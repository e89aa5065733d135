"""What each outbox kind does in Slack. Every effect is safe to run again after an interruption:
it first looks for what an earlier attempt may already have done."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

from slack_sdk.models.blocks import Block

from app.briefs.view import IncidentView, topic
from app.catalog.models import Catalog
from app.catalog.people import emails
from app.domain.naming import channel_name
from app.domain.people import emails_in, with_mentions
from app.slack import blocks
from app.slack.delivery import Effect, Job, Lane, Outcome
from app.slack.directory import Directory, UnreachableChannel
from app.slack.gateway import SlackFailure, SlackGateway
from app.slack.invitations import not_invited, unreachable
from app.store import updates
from app.store.db import UnitOfWork
from app.store.models import Incident

log = logging.getLogger(__name__)

URGENT_KINDS = frozenset(
    {"create_channel", "post_brief", "pin_brief", "announce", "page_dm", "channel_failed"}
)
"""Claimed before notices, topic and invitations: the opening that makes an incident usable
(its channel, pinned brief and announcement) and the pages that call people to it."""
LANES = (
    Lane(
        "channels",
        frozenset(
            {
                "create_channel",
                "set_topic",
                "invite",
                "post_brief",
                "pin_brief",
                "announce",
                "refresh_brief",
                "refresh_announcement",
                "page_link",
            }
        ),
        16,
    ),
    Lane("home", frozenset({"publish_home"}), 4),
    Lane("signals", frozenset({"signal_card"}), 4),
)
"""Kinds bound by Tier 2/3 methods (conversations.create, setTopic, pins.add, chat.update) or
by one channel's one post a second (the announcements), and App Home (views.publish, Tier 4,
for every viewer) and triage cards (chat.update, Tier 3, in an alert storm): each waits on its
own budget in its own lane, never in the slots of pages."""
FAILURE_NOTICES = {"create_channel": "channel_failed"}
MAX_NAME_SUFFIX = 20
ADOPT_WINDOW = timedelta(minutes=1)
"""A same-named channel our bot created this close to the declaration is the one we made."""


class IncidentEffects:
    def __init__(
        self,
        *,
        gateway: SlackGateway,
        directory: Directory,
        uow: UnitOfWork,
        catalog: Callable[[], Catalog],
        view: Callable[[Incident, Catalog], IncidentView],
    ) -> None:
        self.gateway = gateway
        self.directory = directory
        self.uow = uow
        self.catalog = catalog
        self._view = view
        self._email_cache: tuple[Catalog, frozenset[str]] | None = None

    def table(self) -> dict[str, Effect]:
        return {
            "create_channel": self.create_channel,
            "set_topic": self.set_topic,
            "invite": self.invite,
            "post_brief": self.post_brief,
            "pin_brief": self.pin_brief,
            "announce": self.announce,
            "post_notice": self.post_notice,
            "refresh_brief": self.refresh_brief,
            "refresh_announcement": self.refresh_announcement,
        }

    async def view(self, job: Job, *, fresh: bool = False) -> IncidentView:
        """The incident as the parent left it (``handoff``), or as stored now if ``fresh``."""
        if isinstance(job.handoff, IncidentView) and not fresh:
            return job.handoff

        def load() -> IncidentView:
            with self.uow.read() as session:
                incident = session.get(Incident, job.incident_id)
                if incident is None:
                    raise SlackFailure(job.kind, f"incident {job.incident_id} is gone", False)
                return self._view(incident, self.catalog())

        return await asyncio.to_thread(load)

    async def create_channel(self, job: Job) -> Outcome:
        view = await self.view(job)
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
        view = await self.view(job, fresh=True)
        await self.gateway.set_topic(self._channel(view), topic(view))
        return Outcome({"topic": topic(view)})

    async def invite(self, job: Job) -> Outcome:
        """Everyone who can be invited is; who could not be (a guest, a deactivated account)
        is said in the channel, so the IC knows who is missing. People may be emails in the
        config; those Slack does not know are skipped here and reported by the page naming them."""
        view = await self.view(job)
        found = [await self.directory.user_id(str(p)) for p in job.payload.get("users", [])]
        users = [user for user in found if user]
        channel = self._channel(view)
        refused = await self.gateway.invite(channel, users)
        if refused:
            log.warning("%s: could not invite %s", view.ref, refused)
            text, body = blocks.notice(not_invited(refused))
            await self._post_once(job, channel, text, body, key=f"{job.key}:not-invited")
        return Outcome({"users": users, "not_invited": refused})

    async def post_brief(self, job: Job) -> Outcome:
        """Post, then pin at once: one delivery instead of two hops through the outbox. A retry
        finds the posted brief by its marker and pins that; pinning twice is harmless."""
        view = await self.view(job)
        text, body = blocks.brief(view)
        posted = await self._post_once(job, self._channel(view), text, body)
        try:
            await self.gateway.pin(posted["channel"], posted["ts"])
        except SlackFailure as failure:
            if failure.transient:
                raise
            log.warning("%s: brief posted but not pinned: %s", view.ref, failure)
            return Outcome({**posted, "pin_error": failure.error}, {"brief_ts": posted["ts"]})
        return Outcome(posted, {"brief_ts": posted["ts"]})

    async def pin_brief(self, job: Job) -> Outcome:
        """Items enqueued before the pin moved into ``post_brief`` still get delivered."""
        parent = job.parent or {}
        await self.gateway.pin(str(parent["channel"]), str(parent["ts"]))
        return Outcome(dict(parent))

    async def announce(self, job: Job) -> Outcome:
        view = await self.view(job)
        if view.private:
            return Outcome({"skipped": "private"})
        ref = self.catalog().policy.workspace.announce_channel
        text, body = blocks.announcement(view)
        posted = await self._post_configured(job, view, ref, "the announcement", text, body)
        return Outcome(
            posted, {"announce_channel_id": posted["channel"], "announce_ts": posted["ts"]}
        )

    async def refresh_brief(self, job: Job) -> Outcome:
        view, ids = await self.view(job), await self._message_ids(job)
        if not ids.get("brief_ts"):
            raise SlackFailure("chat.update", "the brief is not posted yet", True)
        text, body = blocks.brief(view)
        await self.gateway.update(self._channel(view), ids["brief_ts"], text=text, blocks=body)
        return Outcome({"ts": ids["brief_ts"]})

    async def refresh_announcement(self, job: Job) -> Outcome:
        view, ids = await self.view(job), await self._message_ids(job)
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
        view = await self.view(job)
        text, body = blocks.notice(await self.mention_people(str(job.payload["text"])))
        return Outcome(await self._post_once(job, self._channel(view), text, body))

    async def mention_people(self, text: str) -> str:
        """People the configuration names by email become mentions once Slack resolves them;
        an email Slack does not know stays as written."""
        configured = self._emails()
        users = {}
        for email in emails_in(text):
            if email.lower() in configured and (user := await self.directory.user_id(email)):
                users[email.lower()] = user
        return with_mentions(text, users)

    def _emails(self) -> frozenset[str]:
        catalog = self.catalog()
        cached = self._email_cache
        if cached is None or cached[0] is not catalog:
            cached = (catalog, frozenset(email.lower() for email in emails(catalog)))
            self._email_cache = cached
        return cached[1]

    async def _post_configured(
        self, job: Job, view: IncidentView, ref: str, what: str, text: str, body: list[Block]
    ) -> dict[str, str]:
        """Post once in a configured channel. One Slack does not show Beacon (private and not
        invited, or gone) is said in the incident channel before the delivery fails for good,
        so someone fixes it."""
        try:
            return await self._post_once(job, await self.directory.channel_id(ref), text, body)
        except SlackFailure as failure:
            if not isinstance(failure, UnreachableChannel) and failure.error != "channel_not_found":
                raise
            log.warning("%s: cannot post %s in %s: %s", view.ref, what, ref, failure)
            said, notice = blocks.notice(unreachable(ref, what))
            channel = self._channel(view)  # not opened yet: try again once it is
            await self._post_once(job, channel, said, notice, key=f"{job.key}:unreachable")
            raise

    async def _post_once(
        self, job: Job, channel: str, text: str, body: list[Block], *, key: str | None = None
    ) -> dict[str, str]:
        marker = key or job.key
        if job.maybe_done_before and (found := await self.gateway.find_marked(channel, marker)):
            return {"channel": str(found["channel"]), "ts": str(found["ts"])}
        priority = (0 if job.kind in URGENT_KINDS else 1, job.priority)
        posted = await self.gateway.post(
            channel, text=text, blocks=body, marker=marker, priority=priority
        )
        return {"channel": str(posted["channel"]), "ts": str(posted["ts"])}

    @staticmethod
    def _channel(view: IncidentView) -> str:
        if not view.channel_id:
            raise SlackFailure("incident", f"{view.ref} has no channel yet", True)
        return view.channel_id
