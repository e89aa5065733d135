"""Every Slack Web API call Beacon makes, with retries that honour ``Retry-After``.

slack_sdk's retry handlers absorb short 429 and 5xx bursts inside a call; what still fails is
classified here as transient (the outbox tries again later) or permanent (a bug or a
misconfiguration to report), so callers never inspect raw Slack errors.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.web.async_client import AsyncWebClient

from app.metrics import SLACK_API_ERRORS
from app.outbox.failures import DeliveryFailure, parse_retry_after
from app.outbox.hold import Hold
from app.slack.pacing import LOWEST, Pacer, Priority
from app.slack.retries import retry_handlers
from app.slack.tiers import TierPacer

log = logging.getLogger(__name__)
T = TypeVar("T")

TRANSIENT_ERRORS = frozenset(
    {
        "ratelimited",
        "rate_limited",
        "internal_error",
        "fatal_error",
        "service_unavailable",
        "request_timeout",
        "team_added_to_org",
    }
)
UNREACHABLE_FOR_EPHEMERAL = frozenset(
    {"channel_not_found", "not_in_channel", "user_not_in_channel", "is_archived"}
)
"""chat.postEphemeral errors (shared/slack/web-api-openapi.json) that mean "not there": the
answer goes to the person as a DM instead."""
HISTORY_LOOKBACK = 50
"""Messages scanned for our own marker before re-posting after an interrupted delivery."""


class SlackFailure(DeliveryFailure):
    """A call Slack refused after the client's own retries."""

    def __init__(
        self,
        method: str,
        error: str,
        transient: bool,
        retry_after: float | None = None,
        *,
        rate_limited: bool = False,
    ) -> None:
        super().__init__(error, transient, retry_after)
        self.method = method
        self.rate_limited = rate_limited
        """Slack answered 429: the call was refused, not applied; it may go again after
        ``retry_after`` without counting as a failed attempt."""

    def __str__(self) -> str:
        return f"{self.method}: {self.error}"


def make_client(token: str | None, base_url: str) -> AsyncWebClient:
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=retry_handlers(),
    )


@asynccontextmanager
async def shared_session(client: AsyncWebClient) -> AsyncIterator[aiohttp.ClientSession]:
    """One connection pool for every call ``client`` makes while the event loop runs.

    Without it slack_sdk opens and closes an aiohttp session, hence a TCP connection and against
    slack.com a TLS handshake, for every call. aiohttp sessions belong to the loop that made them,
    so this is entered inside the running loop (the web app's lifespan, the worker's main) and
    closes the session on shutdown; outside it the client falls back to a session per call.
    """
    session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=client.timeout))
    client.session = session
    try:
        yield session
    finally:
        client.session = None
        await session.close()


def _dicts(blocks: Sequence[Block | dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if blocks is None:
        return None
    return [block.to_dict() if isinstance(block, Block) else block for block in blocks]


def _invite_errors(data: object) -> dict[str, str]:
    """conversations.invite's per-user ``errors`` (whether Slack answered ok or not)."""
    items = data.get("errors") if isinstance(data, dict) else None
    return {
        str(item["user"]): str(item.get("error"))
        for item in items or []
        if isinstance(item, dict) and item.get("user")
    }


class SlackGateway:
    def __init__(
        self,
        client: AsyncWebClient,
        pacer: Pacer | None = None,
        tiers: TierPacer | None = None,
        hold: Hold | None = None,
    ) -> None:
        self.client = client
        self.pacer = pacer or Pacer()
        self.tiers = tiers or TierPacer()
        self.hold = hold
        """The outbox dispatcher's: in `beacon serve`'s worker, a call waits while the web
        process answers a burst (a delivery under way would take the CPU its acks need, as a
        new one would); the web process never holds its own."""
        self._bot_user_id: str | None = None

    async def call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        """Through slack_sdk's typed method, which encodes each method as Slack expects; paced
        at the method's tier."""
        if self.hold is not None:
            await self.hold.over()
        await self.tiers.wait(method)
        try:
            response = await getattr(self.client, method.replace(".", "_"))(**kwargs)
        except SlackApiError as error:
            failure = self._failure(method, error)
            if failure.rate_limited:
                self.tiers.hold(method, failure.retry_after or 1.0)
            raise failure from error
        except (TimeoutError, aiohttp.ClientError) as error:
            SLACK_API_ERRORS.labels(method=method, error="connection").inc()
            raise SlackFailure(method, f"connection: {error!r}", transient=True) from error
        return dict(response.data) if isinstance(response.data, dict) else {}

    @staticmethod
    def _failure(method: str, error: SlackApiError) -> SlackFailure:
        status = error.response.status_code
        code = str(error.response.get("error") or f"http_{status}")
        SLACK_API_ERRORS.labels(method=method, error=code).inc()
        headers = error.response.headers
        retry_after = parse_retry_after(headers.get("Retry-After") or headers.get("retry-after"))
        transient = status == 429 or status >= 500 or code in TRANSIENT_ERRORS
        return SlackFailure(
            method,
            code,
            transient,
            retry_after,
            rate_limited=status == 429,
        )

    async def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            identity = await self.call("auth.test")
            self._bot_user_id = str(identity["user_id"])
        return self._bot_user_id

    async def create_channel(self, name: str, *, private: bool) -> dict[str, Any]:
        response = await self.call("conversations.create", name=name, is_private=private)
        return dict(response["channel"])

    async def find_channel(self, name: str) -> dict[str, Any] | None:
        """Scan conversations.list; used rarely (config channel names, recovering a create)."""
        cursor = None
        while True:
            response = await self.call(
                "conversations.list",
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=1000,
                **({"cursor": cursor} if cursor else {}),
            )
            for channel in response.get("channels", []):
                if channel.get("name") == name:
                    return dict(channel)
            cursor = (response.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    async def set_topic(self, channel: str, topic: str) -> None:
        await self.call("conversations.setTopic", channel=channel, topic=topic[:250])

    async def invite(self, channel: str, users: Sequence[str]) -> dict[str, str]:
        """Invite everyone who can be; returns who could not, with Slack's reason.

        One failing user fails a whole conversations.invite batch unless ``force``; with it
        Slack invites the rest and still answers with an ``errors`` list
        (docs.slack.dev/reference/methods/conversations.invite). Someone already in the channel
        is where we wanted them, so that is no failure.
        """
        bot = await self.bot_user_id()
        wanted = [user for user in dict.fromkeys(users) if user != bot]
        if not wanted:
            return {}
        try:
            response = await self.client.conversations_invite(
                channel=channel, users=",".join(wanted), force=True
            )
        except SlackApiError as error:
            failed = _invite_errors(error.response.data)
            if not failed:
                raise self._failure("conversations.invite", error) from error
        except (TimeoutError, aiohttp.ClientError) as error:
            SLACK_API_ERRORS.labels(method="conversations.invite", error="connection").inc()
            raise SlackFailure("conversations.invite", f"connection: {error!r}", True) from error
        else:
            failed = _invite_errors(response.data)
        return {user: code for user, code in failed.items() if code != "already_in_channel"}

    async def join(self, channel: str) -> None:
        """conversations.join: public channels only; Slack answers ok if already a member."""
        await self.call("conversations.join", channel=channel)

    async def _joining(self, channel: str, attempt: Callable[[], Awaitable[T]]) -> T:
        """Run ``attempt``; when Slack says the bot is not in ``channel``, join it and retry once.
        Covers a public channel named in the config after Beacon joined the others at start."""
        try:
            return await attempt()
        except SlackFailure as failure:
            if failure.error != "not_in_channel" or channel.startswith("D"):
                raise
        await self.join(channel)
        return await attempt()

    async def post(
        self,
        channel: str,
        *,
        text: str,
        blocks: Sequence[Block | dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        marker: str | None = None,
        priority: Priority = LOWEST,
    ) -> dict[str, Any]:
        """Post; ``marker`` is stored as message metadata so a retry can find the first post;
        ``priority`` orders it among posts waiting for the workspace's posting budget."""
        kwargs: dict[str, Any] = {"channel": channel, "text": text}
        if blocks is not None:
            kwargs["blocks"] = _dicts(blocks)
        if thread_ts:
            kwargs["thread_ts"] = thread_ts
        if marker:
            kwargs["metadata"] = {"event_type": "beacon_delivery", "event_payload": {"key": marker}}
        await self.pacer.wait(channel, priority)
        response = await self._joining(channel, lambda: self.call("chat.postMessage", **kwargs))
        return {"channel": response["channel"], "ts": response["ts"]}

    async def find_marked(
        self, channel: str, marker: str, *, thread_ts: str | None = None
    ) -> dict[str, Any] | None:
        """The message an interrupted delivery already posted, if Slack has it."""
        method, thread = (
            ("conversations.replies", {"ts": thread_ts})
            if thread_ts
            else ("conversations.history", {})
        )
        response = await self._joining(
            channel,
            lambda: self.call(
                method, channel=channel, limit=HISTORY_LOOKBACK, include_all_metadata=True, **thread
            ),
        )
        for message in response.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("key") == marker:
                return {"channel": channel, "ts": message["ts"]}
        return None

    async def update(
        self, channel: str, ts: str, *, text: str, blocks: Sequence[Block | dict[str, Any]]
    ) -> None:
        await self.call("chat.update", channel=channel, ts=ts, text=text, blocks=_dicts(blocks))

    async def pin(self, channel: str, ts: str) -> None:
        try:
            await self.call("pins.add", channel=channel, timestamp=ts)
        except SlackFailure as failure:
            if failure.error != "already_pinned":
                raise

    async def open_view(self, trigger_id: str, view: View) -> dict[str, Any]:
        response = await self.call("views.open", trigger_id=trigger_id, view=view.to_dict())
        return dict(response["view"])

    async def ephemeral(self, channel: str, user: str, *, text: str) -> None:
        """Shown to ``user`` only; where Slack will not show it there (a conversation the bot
        cannot see or is not in, the user is not in, or archived), as a DM from Beacon."""
        try:
            await self.call("chat.postEphemeral", channel=channel, user=user, text=text)
        except SlackFailure as failure:
            if failure.error not in UNREACHABLE_FOR_EPHEMERAL:
                raise
            await self.direct(user, text=text)

    async def direct(self, user: str, *, text: str) -> None:
        """A DM from Beacon: where an answer goes when Slack gave no other place to show it."""
        await self.post(await self.open_dm(user), text=text)

    async def lookup_email(self, email: str) -> str | None:
        try:
            response = await self.call("users.lookupByEmail", email=email)
        except SlackFailure as failure:
            if failure.error == "users_not_found":
                return None
            raise
        return str(response["user"]["id"])

    async def open_dm(self, user: str) -> str:
        response = await self.call("conversations.open", users=user)
        return str(response["channel"]["id"])

    async def usergroup_members(self, usergroup: str) -> tuple[str, ...]:
        """The user ids in a user group (scope ``usergroups:read``)."""
        response = await self.call("usergroups.users.list", usergroup=usergroup)
        return tuple(str(user) for user in response.get("users", []))
