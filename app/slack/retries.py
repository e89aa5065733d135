"""slack_sdk retry handlers that never repeat a call Slack may already have applied.

A 5xx answer, or a connection dropped after the request was sent, does not say whether Slack
applied the call: re-sending ``chat.postMessage`` from inside the client would post twice, past
the outbox's duplicate check (which looks for the first post by its marker before posting
again). So the client retries those only for idempotent methods; the rest fail the call and the
outbox retries them with that check. A connection that was never established is always safe to
retry, and so is a 429 (Slack refused the call).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)

NOT_IDEMPOTENT = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.scheduleMessage",
        "conversations.create",
        "files.completeUploadExternal",
        "bookmarks.add",
        "views.open",
    }
)


def _method(request: Any) -> str:
    return str(request.url).rstrip("/").rsplit("/", 1)[-1]


class SafeServerErrorRetryHandler(AsyncServerErrorRetryHandler):
    async def _can_retry_async(self, *, request: Any, **kwargs: Any) -> bool:
        if _method(request) in NOT_IDEMPOTENT:
            return False
        return await super()._can_retry_async(request=request, **kwargs)


class SafeConnectionErrorRetryHandler(AsyncConnectionErrorRetryHandler):
    async def _can_retry_async(self, *, request: Any, **kwargs: Any) -> bool:
        if _method(request) in NOT_IDEMPOTENT:
            return isinstance(kwargs.get("error"), aiohttp.ClientConnectorError)
        return await super()._can_retry_async(request=request, **kwargs)


def retry_handlers() -> list[Any]:
    return [
        SafeConnectionErrorRetryHandler(max_retry_count=2),
        AsyncRateLimitErrorRetryHandler(max_retry_count=2),
        SafeServerErrorRetryHandler(max_retry_count=2),
    ]
