"""Outbox effects of resolving and reviewing: the recovery checklist in account threads, the
review file upload, :pushpin: messages on the timeline and App Home."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from app.briefs.home import HomeView
from app.briefs.view import ChecklistLine, ChecklistView
from app.catalog.models import Catalog
from app.domain.resolution import CHECKLIST
from app.outbox import keys
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.slack import blocks
from app.slack.directory import Directory
from app.slack.gateway import SlackFailure, SlackGateway
from app.slack.posting import IncidentPosts
from app.store import outbox, resolution
from app.store.db import UnitOfWork
from app.store.models import AccountThread, Incident


class ResolveEffects:
    def __init__(
        self,
        *,
        posts: IncidentPosts,
        gateway: SlackGateway,
        directory: Directory,
        uow: UnitOfWork,
        catalog: Callable[[], Catalog],
        home: Callable[[str], HomeView],
        record_pin: Callable[..., None],
    ) -> None:
        self.posts = posts
        self.gateway = gateway
        self.directory = directory
        self.uow = uow
        self.catalog = catalog
        self.home = home
        """Builds a viewer's App Home view (HomeService.view)."""
        self.record_pin = record_pin
        """Writes a :pushpin: message to the timeline (TimelineService.record_pin)."""

    def table(self) -> dict[Kind, Effect]:
        return {
            Kind.POST_CHECKLIST: self.post_checklist,
            Kind.REFRESH_CHECKLIST: self.refresh_checklist,
            Kind.UPLOAD_REVIEW: self.upload_review,
            Kind.PUBLISH_HOME: self.publish_home,
            Kind.TIMELINE_PIN: self.timeline_pin,
        }

    async def checklist_view(self, job: Job) -> tuple[ChecklistView, dict[str, str] | None]:
        def load() -> tuple[ChecklistView, dict[str, str] | None]:
            with self.uow() as session:
                thread = session.get_one(AccountThread, int(job.payload["thread_id"]))
                incident = session.get_one(Incident, thread.incident_id)
                ticks = {t.item: t for t in resolution.ticks_of(session, thread.id)}
                account = self.catalog().accounts.get(thread.account_id)
                lines = tuple(
                    ChecklistLine(
                        item=item,
                        label=label,
                        by=ticks[item].ticked_by if item in ticks else None,
                        at=ticks[item].ticked_at if item in ticks else None,
                    )
                    for item, label in CHECKLIST
                )
                posted = outbox.result_of(session, keys.checklist(thread.id))
                view = ChecklistView(
                    ref=incident.ref,
                    thread_id=thread.id,
                    account_name=account.name if account else thread.account_id,
                    lines=lines,
                )
                return view, posted

        return await asyncio.to_thread(load)

    async def post_checklist(self, job: Job) -> Outcome:
        parent = job.parent or {}
        channel, ts = str(parent["channel"]), str(parent["ts"])
        if job.maybe_done_before and (
            found := await self.gateway.find_marked(channel, job.key, thread_ts=ts)
        ):
            return Outcome(found)
        view, _ = await self.checklist_view(job)
        text, body = blocks.checklist(view)
        posted = await self.gateway.post(
            channel, text=text, blocks=body, thread_ts=ts, marker=job.key
        )
        return Outcome({"channel": str(posted["channel"]), "ts": str(posted["ts"])})

    async def refresh_checklist(self, job: Job) -> Outcome:
        view, posted = await self.checklist_view(job)
        if not posted:
            raise SlackFailure("chat.update", "the checklist is not posted yet", True)
        text, body = blocks.checklist(view)
        await self.gateway.update(posted["channel"], posted["ts"], text=text, blocks=body)
        return Outcome(dict(posted))

    async def upload_review(self, job: Job) -> Outcome:
        """files.getUploadURLExternal → POST the bytes → files.completeUploadExternal into the
        incident channel. A retry first looks for the file an earlier attempt shared."""
        view = await self.posts.view(job)
        channel = self.posts.channel(view)
        title = str(job.payload["title"])
        if job.maybe_done_before and (found := await self._shared_file(channel, title)):
            return Outcome(found)
        content = str(job.payload["content"]).encode()
        ticket = await self.gateway.call(
            "files.getUploadURLExternal",
            filename=str(job.payload["filename"]),
            length=len(content),
        )
        await _upload_bytes(str(ticket["upload_url"]), content)
        await self.gateway.call(
            "files.completeUploadExternal",
            files=[{"id": str(ticket["file_id"]), "title": title}],
            channel_id=channel,
            initial_comment=f":memo: Post-incident review draft for {view.ref}.",
        )
        return Outcome({"channel": channel, "file_id": str(ticket["file_id"])})

    async def _shared_file(self, channel: str, title: str) -> dict[str, Any] | None:
        history = await self.gateway.call("conversations.history", channel=channel, limit=50)
        for message in history.get("messages", []):
            for shared in message.get("files") or []:
                if shared.get("title") == title:
                    return {
                        "channel": channel,
                        "file_id": str(shared.get("id")),
                        "ts": message["ts"],
                    }
        return None

    async def publish_home(self, job: Job) -> Outcome:
        """Renders the viewer's Home from current data at delivery, so a late item is fresh."""
        user = await self.directory.user_id(str(job.payload["user"]))
        if user is None:
            return Outcome({"skipped": "unknown user"})
        view = await asyncio.to_thread(self.home, user)
        await self.gateway.call("views.publish", user_id=user, view=blocks.app_home(view).to_dict())
        return Outcome({"user": user})

    async def timeline_pin(self, job: Job) -> Outcome:
        channel, ts = str(job.payload["channel"]), str(job.payload["ts"])
        message = await self._message(channel, ts)
        text = str((message or {}).get("text") or "")
        author = (message or {}).get("user")
        await asyncio.to_thread(
            self.record_pin,
            int(job.incident_id or 0),
            ts=ts,
            user=str(job.payload["user"]),
            at=datetime.fromisoformat(str(job.payload["at"])),
            text=text,
            author=str(author) if author else None,
        )
        return Outcome({"channel": channel, "ts": ts, "found": message is not None})

    async def _message(self, channel: str, ts: str) -> dict[str, Any] | None:
        """A top-level message (conversations.history), else a reply (conversations.replies)."""
        history = await self.gateway.call(
            "conversations.history", channel=channel, latest=ts, inclusive=True, limit=1
        )
        for message in history.get("messages", []):
            if message.get("ts") == ts:
                return dict(message)
        try:
            replies = await self.gateway.call("conversations.replies", channel=channel, ts=ts)
        except SlackFailure as failure:
            if failure.error == "thread_not_found":
                return None
            raise
        for message in replies.get("messages", []):
            if message.get("ts") == ts:
                return dict(message)
        return None


async def _upload_bytes(url: str, content: bytes) -> None:
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http,
            http.post(url, data=content) as response,
        ):
            if response.status >= 300:
                raise SlackFailure(
                    "files.upload", f"http_{response.status}", response.status >= 500
                )
    except (TimeoutError, aiohttp.ClientError) as error:
        raise SlackFailure("files.upload", f"connection: {error!r}", True) from error
