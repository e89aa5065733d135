"""The one path by which a refusal or a failure reaches the person who asked.

Every listener runs what follows its ack inside :func:`replying_errors`: a ``BeaconError``
becomes the sentence the user reads, anything else is logged and still answered, so nobody is
left with silence. Where the request carries a ``response_url`` (commands, buttons) the answer
is an ephemeral reply; a modal submission has none, so the answer is an ephemeral message in
the channel the form came from, or a DM from Beacon when that is not possible.

Nothing may escape a listener after its ack: Bolt's runner resets the ack it already sent when
a listener raises, and the request can then end without a response (Slack shows the user an
error). What escapes before an ack is caught by :func:`on_error` (Bolt's ``@app.error``), which
tells the user the same way and, for a user's mistake (a ``BeaconError``), answers Slack with a
200: only Beacon's own failures are a 5xx.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.response import BoltResponse

from app.beacon import Beacon
from app.domain.errors import BeaconError
from app.slack.blocks import error_text
from app.slack.gateway import SlackFailure, SlackGateway

log = logging.getLogger(__name__)

Reply = Callable[[str], Awaitable[Any]]
INTERNAL = ":x: Beacon hit an internal error; the details are in its logs. Please try again."


def text_of(error: Exception) -> str:
    if isinstance(error, BeaconError):
        return error_text(error.message, error.usage)
    return INTERNAL


def by_respond(respond: AsyncRespond) -> Reply:
    async def reply(text: str) -> None:
        await respond(text=text, response_type="ephemeral", replace_original=False)

    return reply


def answering(gateway: SlackGateway, body: dict[str, Any], respond: AsyncRespond) -> Reply:
    """How to answer whoever pressed a button: through the ``response_url`` of a message, or,
    where Slack gives none (App Home), as a DM from Beacon, so an error is still seen."""
    if body.get("response_url"):
        return by_respond(respond)
    user = str(body["user"]["id"])

    async def direct(text: str) -> None:
        await gateway.direct(user, text=text)

    return direct


def privately(beacon: Beacon, user: str, channel: str | None) -> Reply:
    """For a modal submission: ephemeral in ``channel``, else (no channel, or Beacon is not in
    it, e.g. someone's DM) a message in the user's DM with Beacon."""

    async def reply(text: str) -> None:
        if channel:
            try:
                await beacon.gateway.ephemeral(channel, user, text=text)
                return
            except SlackFailure as failure:
                log.info("ephemeral in %s refused (%s); sending a DM", channel, failure.error)
        await beacon.gateway.direct(user, text=text)

    return reply


async def tell(reply: Reply, error: Exception) -> None:
    if not isinstance(error, BeaconError):
        log.error("listener failed", exc_info=error)
    try:
        await reply(text_of(error))
    except Exception:
        log.exception("could not tell the user about the failure")


async def replying_errors(reply: AsyncRespond | Reply, work: Callable[[], Awaitable[Any]]) -> None:
    """Run ``work`` after the ack; any error becomes a private answer (see the module)."""
    try:
        await work()
    except Exception as error:
        await tell(by_respond(reply) if isinstance(reply, AsyncRespond) else reply, error)


def register(app: AsyncApp, beacon: Beacon) -> None:
    @app.error
    async def on_error(
        error: Exception, body: dict[str, Any], response: BoltResponse | None
    ) -> BoltResponse | None:
        """The user hears why, through the ``response_url`` if there is one; before the ack a
        user's mistake is a 200 to Slack, never a 4xx/5xx."""
        user = str((body.get("user") or {}).get("id") or body.get("user_id") or "")
        url = body.get("response_url") or next(
            (u.get("response_url") for u in body.get("response_urls") or []), None
        )
        reply: Reply = (
            by_respond(AsyncRespond(response_url=url))
            if url
            else privately(beacon, user, body.get("channel_id"))
        )
        if user or url:
            await tell(reply, error)
        else:
            log.error("listener failed", exc_info=error)
        if response is not None and isinstance(error, BeaconError):
            return BoltResponse(status=200, body="")
        return None
