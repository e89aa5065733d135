"""The embedded Slack sandbox: a fake Web API on loopback, seeded from the configuration, plus
what each person would see in a Slack client (channels, threads, DMs, ephemerals, modals).

``beacon serve`` without a token and ``beacon drill`` both run Beacon against one of these.
"""

from __future__ import annotations

import dataclasses
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.catalog.models import Catalog
from app.sandbox.actor import Actor, Answer
from app.sandbox.hints import first_steps
from app.sandbox.seed import GENERAL, Persona, seed
from app.sandbox.slack_api import FakeSlack
from app.sandbox.slack_model import BOT_USER_ID, Channel, Message
from app.sandbox.slack_state import Workspace
from app.settings import Settings

SANDBOX_TOKEN = "xoxb-sandbox"
MAX_PREVIEW = 20_000
"""Characters of a shared text file shown under its message."""


def contained(catalog: Catalog) -> Catalog:
    """The configuration with what would leave the machine turned off: the sandbox must not
    trigger real PagerDuty incidents, POST to a real status page or email real customers."""
    policy = dataclasses.replace(catalog.policy, webhooks=(), pagerduty=None, email=None)
    return dataclasses.replace(catalog, policy=policy)


@dataclass
class Seen:
    """One thing a person saw in a conversation: a message (with its thread) or an ephemeral."""

    ts: str
    kind: str
    """``message`` or ``ephemeral``."""
    author: str
    text: str
    blocks: list[dict[str, Any]] | None
    ctx: dict[str, str]
    replies: list[Seen] = field(default_factory=list)
    pinned: bool = False
    edited: bool = False
    files: list[dict[str, str]] = field(default_factory=list)
    """Files shared with the message: name, title and the text a client previews."""


@dataclass(frozen=True)
class Note:
    """A command's ack body shown to the person who typed it: its text and, as Slack draws
    them, its blocks."""

    user: str
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None


class Sandbox:
    """Starts the fake Slack, seeds it, and answers "what does this person see" questions."""

    def __init__(self, catalog: Catalog, *, now: datetime) -> None:
        self.slack = FakeSlack(channels=()).start()
        self.people: dict[str, Persona] = seed(self.slack, catalog, now=now)
        self.first_steps = first_steps(catalog)
        """What the empty ``#general`` shows."""
        self.signing_secret = secrets.token_hex(20)
        self.actor: Actor | None = None
        self.notes: list[Note] = []
        """Ack replies: what Slack shows privately after a command."""
        self.closed_views: set[str] = set()

    def settings(self, settings: Settings) -> Settings:
        """``settings`` pointed at this sandbox: its Web API, a bot token, a fresh secret."""
        return settings.model_copy(
            update={
                "slack_bot_token": SANDBOX_TOKEN,
                "slack_signing_secret": self.signing_secret,
                "slack_api_url": self.slack.url,
                "slack_app_token": None,
            }
        )

    def connect(self, events_url: str) -> Actor:
        """Where Beacon listens; from then on the sandbox can act as any of its people."""
        self.actor = Actor(self.slack, events_url=events_url, signing_secret=self.signing_secret)
        return self.actor

    def stop(self) -> None:
        self.slack.stop()

    # -- acting -------------------------------------------------------------

    def acting(self) -> Actor:
        """The actor, once :meth:`connect` said where Beacon listens."""
        if self.actor is None:
            raise RuntimeError("sandbox not connected to Beacon yet")
        return self.actor

    async def command(self, user: str, channel: str, text: str) -> Answer:
        target = self.slack.channel_by_name(channel) or self.slack.channels.get(channel)
        channel_id = target.id if target is not None else self.dm_of(user)
        name = target.name if target is not None else "directmessage"
        answer = await self.acting().command(user, channel_id, text, name=name)
        if answer.text:
            ts = f"{time.time():.6f}"
            self.notes.append(Note(user, channel_id, ts, answer.text, answer.body.get("blocks")))
        return answer

    async def click(
        self,
        user: str,
        *,
        action_id: str,
        value: str | None,
        block_id: str,
        channel: str = "",
        ts: str = "",
        view_id: str = "",
    ) -> Answer:
        view = self.slack.views.get(view_id) if view_id else None
        message = None
        if channel and ts:
            found = self.slack.find_message(channel, ts)
            message = found.to_api() if found is not None else None
        return await self.acting().click(
            user,
            action_id=action_id,
            value=value,
            block_id=block_id,
            channel=channel or None,
            message=message,
            view=view,
        )

    async def submit(self, user: str, view_id: str, fields: dict[str, dict[str, Any]]) -> Answer:
        """Submit a modal from the page's ``{block: {action: {kind, value}}}`` fields."""
        view = self.slack.views[view_id]
        answer = await self.acting().submit(user, view, state_values(view, fields))
        if answer.body.get("response_action") != "errors":
            self.closed_views.add(view_id)
        return answer

    async def open_home(self, user: str) -> Answer:
        return await self.acting().open_home(user)

    # -- what a person sees -------------------------------------------------

    def name_of(self, ref: str) -> str:
        """The name a Slack client shows for a user or conversation id."""
        if ref == BOT_USER_ID:
            return "Beacon"
        persona = self.people.get(ref)
        if persona is not None:
            return persona.name
        channel = self.slack.channels.get(ref)
        return channel.name if channel is not None and not channel.is_im else ref

    def dm_of(self, user: str) -> str:
        dm = self.slack.ims.get(user)
        return dm.id if dm is not None else ""

    def conversations(self, user: str) -> list[Channel]:
        """Channels this person can open: every public one and the private ones they are in."""
        return [
            c
            for c in self.slack.channels.values()
            if not c.is_im and not c.is_mpim and (not c.is_private or user in c.members)
        ]

    def default_conversation(self) -> str:
        general = self.slack.channel_by_name(GENERAL)
        return general.id if general is not None else "home"

    def seen(self, user: str, channel_id: str) -> list[Seen]:
        """Messages (with threads) plus this person's ephemerals in a conversation, by time."""
        with self.slack.locked() as workspace:
            channel = workspace.channels.get(channel_id)
            items = []
            if channel is not None:
                items = [
                    self._message(m, channel, workspace) for m in channel.messages if not m.is_reply
                ]
            items += self._ephemerals(workspace, user, channel_id)
        for origin_token, body, arrived in self.slack.response_log:
            origin = self.actor.origins.get(origin_token) if self.actor else None
            if origin is None or origin.user != user or origin.channel != channel_id:
                continue
            if body.get("delete_original"):
                continue
            items.append(self._ephemeral(f"{arrived:.6f}", body, channel_id))
        for note in self.notes:
            if note.user == user and note.channel == channel_id:
                context = {"channel": channel_id}
                items.append(Seen(note.ts, "ephemeral", "Beacon", note.text, note.blocks, context))
        return sorted(items, key=lambda s: float(s.ts))

    def open_view(self, user: str) -> dict[str, Any] | None:
        """The modal on this person's screen: the last one opened for them and not closed."""
        actor = self.actor
        if actor is None:
            return None
        with self.slack.locked() as workspace:
            mine = [
                view_id
                for trigger, view_id in workspace.view_triggers.items()
                if actor.triggers.get(trigger) == user and view_id not in self.closed_views
            ]
            return dict(workspace.views[mine[-1]]) if mine else None

    def home(self, user: str) -> dict[str, Any] | None:
        return self.slack.home_views.get(user)

    def _message(self, message: Message, channel: Channel, workspace: Workspace) -> Seen:
        ctx = {"channel": channel.id, "ts": message.ts}
        return Seen(
            ts=message.ts,
            kind="message",
            author=self.name_of(message.user),
            text=message.text,
            blocks=message.blocks,
            ctx=ctx,
            replies=[self._message(r, channel, workspace) for r in message.replies],
            pinned=message.ts in channel.pins,
            edited=message.edits > 0,
            files=[_file(shared, workspace) for shared in message.files],
        )

    def _ephemerals(self, workspace: Workspace, user: str, channel_id: str) -> list[Seen]:
        return [
            Seen(e.ts, "ephemeral", "Beacon", e.text, e.blocks, {"channel": channel_id})
            for e in workspace.ephemerals
            if e.user == user and e.channel == channel_id
        ]

    def _ephemeral(self, ts: str, body: dict[str, Any], channel_id: str) -> Seen:
        return Seen(
            ts,
            "ephemeral",
            "Beacon",
            str(body.get("text") or ""),
            body.get("blocks"),
            {"channel": channel_id},
        )


def _file(shared: dict[str, Any], workspace: Workspace) -> dict[str, str]:
    """A shared file as a client lists it: its name, title and (for text) a preview."""
    upload = workspace.files.get(str(shared.get("id")))
    content = upload.content if upload is not None else None
    return {
        "name": str(shared.get("name") or shared.get("title") or "file"),
        "title": str(shared.get("title") or ""),
        "preview": content.decode("utf-8", "replace")[:MAX_PREVIEW] if content else "",
    }


def state_values(
    view: dict[str, Any], fields: dict[str, dict[str, Any]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Slack's ``view.state.values`` for what the page's form held, typed per element."""
    options: dict[tuple[str, str], dict[str, Any]] = {}
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        for opt in element.get("options") or []:
            options[(block.get("block_id", ""), opt["value"])] = opt
    values: dict[str, dict[str, dict[str, Any]]] = {}
    for block_id, actions in fields.items():
        for action_id, entry in actions.items():
            kind, value = entry.get("kind") or "plain_text_input", entry.get("value")

            def opt(v: str, block: str = block_id) -> dict[str, Any] | None:
                return options.get((block, v))

            state: dict[str, Any] = {"type": kind}
            if kind in ("static_select", "radio_buttons"):
                state["selected_option"] = opt(value) if value else None
            elif kind in ("multi_static_select", "checkboxes"):
                state["selected_options"] = [o for v in value or [] if (o := opt(v))]
            else:
                state["value"] = value or None
            values.setdefault(block_id, {})[action_id] = state
    return values
