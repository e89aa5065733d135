"""``respond()`` over the Slack client's shared HTTP session.

Bolt's ``AsyncRespond`` builds a new ``AsyncWebhookClient``, hence a new aiohttp session and
connection (a TLS handshake against hooks.slack.com), for every reply it posts to a
``response_url``; under a burst of commands that bookkeeping runs in the same event loop as the
acks. A global middleware hands listeners this subclass instead, which posts the same message
through the session ``app.slack.gateway.shared_session`` opened, when there is one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
from slack_bolt import BoltResponse
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.context.respond.internals import _build_message
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.models.attachments import Attachment
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookResponse
from slack_sdk.webhook.async_client import AsyncWebhookClient


class SessionRespond(AsyncRespond):
    def __init__(self, *, response_url: str, session: aiohttp.ClientSession) -> None:
        super().__init__(response_url=response_url)
        self.session = session

    async def __call__(
        self,
        text: str | dict[str, Any] = "",
        blocks: Sequence[dict[str, Any] | Block] | None = None,
        attachments: Sequence[dict[str, Any] | Attachment] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
        delete_original: bool | None = None,
        unfurl_links: bool | None = None,
        unfurl_media: bool | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> WebhookResponse:
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(
                text=text,
                blocks=blocks,
                attachments=attachments,
                response_type=response_type,
                replace_original=replace_original,
                delete_original=delete_original,
                unfurl_links=unfurl_links,
                unfurl_media=unfurl_media,
                thread_ts=thread_ts,
                metadata=metadata,
            )
        client = AsyncWebhookClient(url=str(self.response_url), session=self.session)
        return await client.send_dict(message)


class SharedRespond(AsyncMiddleware):
    """Bolt global middleware: ``respond`` uses ``client``'s running session if it has one. A
    class rather than a function: Bolt inspects a function middleware's parameters on every
    request."""

    def __init__(self, client: AsyncWebClient) -> None:
        self.client = client

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # Bolt calls it by this name
    ) -> BoltResponse | None:
        session = self.client.session
        context = req.context
        if context.response_url and session is not None and not session.closed:
            context["respond"] = SessionRespond(response_url=context.response_url, session=session)
        return await next()
