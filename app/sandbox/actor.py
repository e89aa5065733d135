"""Acting as a user of the sandbox: every slash command, click and submission is a correctly
signed HTTP request to Beacon's own ``/slack/events``, exactly what Slack would send.

Nothing takes a shortcut into Beacon's services, so what works in the sandbox works in a real
workspace, and the signing secret check is exercised on every request.
"""

from __future__ import annotations

import itertools
import json
import secrets
from dataclasses import dataclass
from typing import Any

import aiohttp

from app.sandbox.signing import (
    FORM_CONTENT_TYPE,
    JSON_CONTENT_TYPE,
    block_actions_payload,
    event_body,
    interaction_body,
    sign,
    slash_command_body,
    view_submission_payload,
)
from app.sandbox.slack_api import FakeSlack


@dataclass(frozen=True)
class Origin:
    """Who acted where: a response_url token resolves to this, so replies reach the right page."""

    user: str
    channel: str


@dataclass(frozen=True)
class Answer:
    """Beacon's HTTP answer to one request: status and the JSON body of its ack, if any."""

    status: int
    body: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.body.get("text") or "")


class Actor:
    """Sends signed requests as any user; remembers which trigger and response_url was whose."""

    def __init__(self, slack: FakeSlack, *, events_url: str, signing_secret: str) -> None:
        self.slack = slack
        self.events_url = events_url
        self.signing_secret = signing_secret
        self.origins: dict[str, Origin] = {}
        """response_url token -> who acted, where."""
        self.triggers: dict[str, str] = {}
        """trigger_id -> user id, to know whose screen a modal opens on."""
        self._seq = itertools.count(1)

    def _response_url(self, user: str, channel: str) -> str:
        token = f"{next(self._seq)}-{secrets.token_hex(4)}"
        self.origins[token] = Origin(user, channel)
        return self.slack.response_url(token)

    def _trigger(self, user: str) -> str:
        trigger = self.slack.issue_trigger_id()
        self.triggers[trigger] = user
        return trigger

    async def command(self, user: str, channel: str, text: str, *, name: str = "") -> Answer:
        """``/incident <text>`` typed by ``user`` in ``channel``, sent as Slack escapes it."""
        body = slash_command_body(
            self.slack.slash_text(text),
            user_id=user,
            channel_id=channel,
            channel_name=name or channel,
            response_url=self._response_url(user, channel),
            trigger_id=self._trigger(user),
        )
        return await self._post(body, FORM_CONTENT_TYPE)

    async def click(
        self,
        user: str,
        *,
        action_id: str,
        value: str | None,
        block_id: str,
        channel: str | None = None,
        message: dict[str, Any] | None = None,
        view: dict[str, Any] | None = None,
    ) -> Answer:
        """A button press in a message (``channel`` + ``message``) or in a view."""
        payload = block_actions_payload(
            action_id=action_id,
            value=value,
            block_id=block_id,
            user_id=user,
            channel_id=channel,
            message_ts=message.get("ts") if message else None,
            message=message,
            view=view,
            trigger_id=self._trigger(user),
            response_url=self._response_url(user, channel) if channel else None,
        )
        return await self._post(interaction_body(payload), FORM_CONTENT_TYPE)

    async def submit(
        self, user: str, view: dict[str, Any], values: dict[str, dict[str, dict[str, Any]]]
    ) -> Answer:
        """A modal submitted with Slack's ``state.values`` shape."""
        payload = view_submission_payload(
            callback_id=str(view.get("callback_id") or ""),
            state_values=values,
            user_id=user,
            private_metadata=str(view.get("private_metadata") or ""),
            view_id=str(view["id"]),
            blocks=list(view.get("blocks") or []),
            title=str((view.get("title") or {}).get("text") or "Beacon"),
            external_id=str(view.get("external_id") or ""),
            trigger_id=self._trigger(user),
        )
        return await self._post(interaction_body(payload), FORM_CONTENT_TYPE)

    async def open_home(self, user: str) -> Answer:
        """The ``app_home_opened`` event Slack sends when someone opens Beacon's Home tab."""
        event = {
            "type": "app_home_opened",
            "user": user,
            "channel": f"D{user[1:]}",
            "tab": "home",
            "event_ts": f"{next(self._seq)}.000000",
        }
        body = event_body(event, event_id=f"Ev{secrets.token_hex(6).upper()}")
        return await self._post(body, JSON_CONTENT_TYPE)

    async def _post(self, body: bytes, content_type: str) -> Answer:
        headers = {"Content-Type": content_type, **sign(body, self.signing_secret)}
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.events_url, data=body, headers=headers) as response,
        ):
            raw = await response.read()
        try:
            parsed = json.loads(raw) if raw.strip() else {}
        except ValueError:
            parsed = {"text": raw.decode("utf-8", "replace")}
        return Answer(response.status, parsed if isinstance(parsed, dict) else {})
