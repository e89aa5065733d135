"""Outbox effects of status updates: the internal brief, the approval card, account threads."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk.models.blocks import Block

from app.briefs.view import DraftView, ThreadView
from app.catalog.models import Catalog
from app.outbox import keys
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.slack import blocks
from app.slack.directory import Directory
from app.slack.gateway import SlackFailure, SlackGateway
from app.slack.posting import IncidentPosts
from app.store import outbox, updates
from app.store.db import UnitOfWork
from app.store.models import AccountThread, Incident, StatusUpdate


@dataclass(kw_only=True)
class UpdateEffects:
    posts: IncidentPosts
    gateway: SlackGateway
    directory: Directory
    uow: UnitOfWork
    catalog: Callable[[], Catalog]

    def table(self) -> dict[Kind, Effect]:
        return {
            Kind.POST_INTERNAL_BRIEF: self.post_internal_brief,
            Kind.POST_APPROVAL_CARD: self.post_approval_card,
            Kind.REFRESH_CARD: self.refresh_card,
            Kind.OPEN_ACCOUNT_THREAD: self.open_account_thread,
            Kind.REFRESH_ACCOUNT_THREAD: self.refresh_account_thread,
            Kind.THREAD_REPLY: self.thread_reply,
        }

    async def draft(self, job: Job) -> tuple[DraftView, dict[str, str] | None]:
        """The draft, and where its approval card was posted (if it was)."""

        def load() -> tuple[DraftView, dict[str, str] | None]:
            with self.uow.read() as session:
                draft = session.get_one(StatusUpdate, int(job.payload["update_id"]))
                incident = session.get_one(Incident, draft.incident_id)
                card = outbox.result_of(session, keys.update_card(draft.id))
                return (
                    DraftView(
                        id=draft.id,
                        ref=incident.ref,
                        kind=draft.kind,
                        text=draft.customer_text,
                        state=draft.state,
                        drafted_by=draft.drafted_by,
                        edited_by=draft.edited_by,
                        decided_by=draft.decided_by,
                        decided_at=draft.decided_at,
                        reason=draft.reason,
                        sent_to=draft.sent_to,
                        version=draft.version,
                    ),
                    card,
                )

        return await asyncio.to_thread(load)

    async def post_internal_brief(self, job: Job) -> Outcome:
        view = await self.posts.view(job)

        def load() -> str:
            with self.uow.read() as session:
                return session.get_one(StatusUpdate, int(job.payload["update_id"])).internal_text

        text, body = blocks.internal_brief(view.ref, await asyncio.to_thread(load))
        return Outcome(await self.posts.post_once(job, self.posts.channel(view), text, body))

    async def post_approval_card(self, job: Job) -> Outcome:
        view = await self.posts.view(job)
        draft, _ = await self.draft(job)
        text, body = blocks.approval_card(draft)
        return Outcome(await self.posts.post_once(job, self.posts.channel(view), text, body))

    async def refresh_card(self, job: Job) -> Outcome:
        draft, card = await self.draft(job)
        if not card:
            raise SlackFailure("chat.update", "the approval card is not posted yet", True)
        text, body = blocks.approval_card(draft)
        await self.gateway.update(card["channel"], card["ts"], text=text, blocks=body)
        return Outcome(dict(card))

    async def _thread(self, job: Job) -> AccountThread:
        def load() -> AccountThread:
            with self.uow.read() as session:
                thread = session.get_one(AccountThread, int(job.payload["thread_id"]))
                session.expunge(thread)
                return thread

        return await asyncio.to_thread(load)

    async def _parent(self, job: Job) -> tuple[AccountThread, ThreadView, str, list[Block]]:
        """The thread row and its parent message as the incident stands now."""
        thread, view = await self._thread(job), await self.posts.view(job)
        account = self.catalog().accounts.get(thread.account_id)

        def subscribers() -> list[str]:
            with self.uow.read() as session:
                return updates.subscribers(session, thread.account_id)

        liaison = account.liaison if account else None
        parent = ThreadView(
            incident=view,
            account_name=account.name if account else thread.account_id,
            tier=thread.tier,
            liaison=(await self.directory.user_id(liaison) or liaison) if liaison else None,
            subscribers=tuple(await asyncio.to_thread(subscribers)),
        )
        text, body = blocks.thread_parent(parent)
        return thread, parent, text, body

    async def open_account_thread(self, job: Job) -> Outcome:
        thread, parent, text, body = await self._parent(job)
        what = f"{parent.account_name}'s thread"
        posted = await self.posts.post_configured(
            job, parent.incident, thread.channel, what, text, body
        )
        return Outcome(posted, thread={"channel_id": posted["channel"], "thread_ts": posted["ts"]})

    async def refresh_account_thread(self, job: Job) -> Outcome:
        """chat.update of the parent; runs after the open, whose result says where it is."""
        parent = job.parent or {}
        if "ts" not in parent:
            return Outcome({"skipped": "the thread parent was never posted"})
        _, _, text, body = await self._parent(job)
        await self.gateway.update(str(parent["channel"]), str(parent["ts"]), text=text, blocks=body)
        return Outcome({"channel": str(parent["channel"]), "ts": str(parent["ts"])})

    async def thread_reply(self, job: Job) -> Outcome:
        parent = job.parent or {}
        draft, _ = await self.draft(job)
        channel, ts = str(parent["channel"]), str(parent["ts"])
        if job.maybe_done_before and (
            found := await self.gateway.find_marked(channel, job.key, thread_ts=ts)
        ):
            return Outcome(found)
        text, body = blocks.thread_reply(draft.text)
        posted = await self.gateway.post(
            channel, text=text, blocks=body, thread_ts=ts, marker=job.key
        )
        return Outcome(posted)
