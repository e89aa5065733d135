"""One place that turns domain errors into the ephemeral message the user reads."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond

from app.domain.errors import BeaconError
from app.slack.blocks import error_text
from app.slack.gateway import SlackGateway

log = logging.getLogger(__name__)


Reply = Callable[..., Awaitable[Any]]
"""Bolt's ``respond`` or :func:`answering`'s stand-in: called with ``text=`` and Slack's
response fields."""


def answering(gateway: SlackGateway, body: dict[str, Any], respond: AsyncRespond) -> Reply:
    """How to answer whoever pressed a button: through the ``response_url`` of a message, or,
    where Slack gives none (App Home, modals), as a DM from Beacon, so an error is still seen."""
    if body.get("response_url"):
        return respond
    user = str(body["user"]["id"])

    async def direct(*, text: str, **_: Any) -> None:
        await gateway.direct(user, text=text)

    return direct


async def replying_errors(respond: Reply, work: Callable[[], Awaitable[Any]]) -> None:
    """Run ``work`` after the ack; a BeaconError becomes an ephemeral reply, anything else is
    logged and still answered, so the user is never left with silence."""
    try:
        await work()
    except BeaconError as error:
        await respond(
            text=error_text(error.message, error.usage),
            response_type="ephemeral",
            replace_original=False,
        )
    except Exception:
        log.exception("command failed after ack")
        await respond(
            text=":x: Beacon hit an internal error; the details are in its logs. Please try again.",
            response_type="ephemeral",
            replace_original=False,
        )
