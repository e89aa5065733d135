"""What every Slack effect of an incident shares: the incident as the effect should show it,
its channel, and posting a message exactly once (a retry finds the earlier post by its marker
before posting again). Injected into each effects class, so none inherits from another."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from slack_sdk.models.blocks import Block
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.briefs.view import IncidentView
from app.catalog.models import Catalog
from app.catalog.people import emails
from app.domain.people import emails_in, with_mentions
from app.outbox.jobs import Job
from app.outbox.kinds import URGENT_KINDS, Kind
from app.slack import blocks
from app.slack.directory import Directory, UnreachableChannel
from app.slack.gateway import SlackFailure, SlackGateway
from app.slack.invitations import unreachable
from app.store.db import UnitOfWork
from app.store.models import Incident, OutboxItem

log = logging.getLogger(__name__)

VIEWED_AT_CLAIM = frozenset({Kind.CREATE_CHANNEL, Kind.PAGE_DM})
"""Kinds whose incident is read in their claim: what a declaration's first claim starts."""


class IncidentPosts:
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

    def views_at_claim(
        self, session: Session, items: Sequence[OutboxItem]
    ) -> dict[int, IncidentView]:
        """The incident each claimed item of ``VIEWED_AT_CLAIM`` would read first, as stored in
        the claim's transaction (the dispatcher's ``prepare``): one query for all of them."""
        wanted = {i.incident_id for i in items if i.kind in VIEWED_AT_CLAIM and i.incident_id}
        if not wanted:
            return {}
        catalog = self.catalog()
        stored = session.scalars(select(Incident).where(Incident.id.in_(wanted)))
        views = {incident.id: self._view(incident, catalog) for incident in stored}
        return {
            item.id: views[item.incident_id]
            for item in items
            if item.kind in VIEWED_AT_CLAIM and item.incident_id in views
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

    @staticmethod
    def channel(view: IncidentView) -> str:
        """The incident channel; a transient failure until it exists, so the item waits."""
        if not view.channel_id:
            raise SlackFailure("incident", f"{view.ref} has no channel yet", True)
        return view.channel_id

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

    async def post_configured(
        self, job: Job, view: IncidentView, ref: str, what: str, text: str, body: list[Block]
    ) -> dict[str, str]:
        """Post once in a configured channel. One Slack does not show Beacon (private and not
        invited, or gone) is said in the incident channel before the delivery fails for good,
        so someone fixes it."""
        try:
            return await self.post_once(job, await self.directory.channel_id(ref), text, body)
        except SlackFailure as failure:
            if not isinstance(failure, UnreachableChannel) and failure.error != "channel_not_found":
                raise
            log.warning("%s: cannot post %s in %s: %s", view.ref, what, ref, failure)
            said, notice = blocks.notice(unreachable(ref, what))
            channel = self.channel(view)  # not opened yet: try again once it is
            await self.post_once(job, channel, said, notice, key=f"{job.key}:unreachable")
            raise

    async def post_once(
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
