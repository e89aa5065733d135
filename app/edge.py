"""The guard in front of Bolt on ``POST /slack/events``: hostile input costs nothing (SPEC 6).

Bolt reads the whole body before it checks the signature, decodes it as UTF-8 and parses it as
it guesses, and logs the whole body of a badly signed request. Here, in order: the body is read
while streaming up to a cap (413 past it), the signature is checked (401; nothing of the body is
logged), the body must be UTF-8 and the form or JSON Slack sends (400), slash commands carrying a
NUL byte, an over-long id or over-long text get a private usage message, and the same signed
request seen again is answered with an empty 200 (app/replays.py). Only then does Bolt see the
request, with the payload parsed here (Bolt's own guess empties any form whose text contains the
word "payload"), and its answer leaves as soon as the listener acks.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import BoltResponse
from slack_bolt.adapter.starlette.async_handler import to_starlette_response
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.middleware.async_middleware import AsyncMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from app.ack_first import AckFirst
from app.replays import REPLAY_WINDOW, replay_key

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024
"""1 MiB. Slack's largest payloads are interactions that carry a whole modal (views are capped
at 250 kB, slack/FACTS.md) form-encoded, where JSON's quotes and braces triple in size: about
750 kB at worst. Slash commands and events are a few kB."""
MAX_TEXT = 4000
"""Slash command text: Slack asks that message text stay under 4,000 characters
(docs.slack.dev chat.postMessage, "Truncating content"); nothing Beacon is asked needs more."""
MAX_ID = 40
"""Slack ids (U…, C…, T…, Ev…) are a dozen characters; Beacon stores them in 40."""
MAX_TRIGGER = 200
"""``13345224609.738474920.8088930838d88f008e0``; Beacon keys declarations by it (255)."""
ID_FIELDS = frozenset(
    {"id", "user", "user_id", "channel", "channel_id", "team", "team_id", "enterprise_id"}
    | {"api_app_id", "event_id", "item_user", "view_id"}
)
CHECKED = "beacon_checked_at_edge"  # a Bolt context key: the edge has checked this request
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # ASCII only: int() also takes other scripts' digits
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")
_SLACK_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{MAX_ID}}}")
_TRIGGER_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_TRIGGER}}}")


class Refused(Exception):
    """A request answered before Bolt sees it: ``status`` and a short reason, never the body."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_capped(request: Request, limit: int = MAX_BODY) -> bytes:
    """The body, refused as soon as it is known to pass ``limit``: a ``Content-Length`` over it
    before any byte is read, a chunked body at the first chunk past it."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise Refused(413, f"body over {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Refused(413, f"body over {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def verify(headers: Mapping[str, str], body: bytes, secret: str) -> str:
    """Slack's v0 signature (slack/FACTS.md section 3); returns the timestamp it covers."""
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature:
        raise Refused(401, "unsigned request")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise Refused(400, "X-Slack-Request-Timestamp is not a Unix time")
    if not secret or not _SIGNATURE.fullmatch(signature):
        raise Refused(401, "invalid request signature")
    if abs(time.time() - int(timestamp)) > REPLAY_WINDOW:
        raise Refused(401, "expired request signature")
    # As slack_sdk.signature.SignatureVerifier, but over the bytes: it decodes the body first,
    # and a body that is not UTF-8 must be a 400, not a UnicodeDecodeError.
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise Refused(401, "invalid request signature")
    return timestamp


def parse(content_type: str, body: bytes) -> dict[str, Any]:
    """The payload as Slack sends it: a form (slash commands; interactions in ``payload``) or
    JSON (events); anything else is a 4xx."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(400, "body is not UTF-8") from None
    media = content_type.split(";")[0].strip().lower()
    try:
        if media == "application/json":
            payload = json.loads(text)
        elif media == "application/x-www-form-urlencoded":
            if text.lstrip().startswith(("{", "[")):
                raise Refused(400, "JSON sent where a form was expected")
            payload = dict(parse_qsl(text, keep_blank_values=True))
            if "payload" in payload:
                payload = json.loads(payload["payload"])
        else:
            raise Refused(415, "expected a form or JSON body")
    except (ValueError, RecursionError):
        raise Refused(400, "malformed body") from None
    if not isinstance(payload, dict) or not payload:
        raise Refused(400, "not a Slack payload")
    if "command" in payload and media != "application/x-www-form-urlencoded":
        raise Refused(400, "a slash command comes as a form")
    if not _shaped(payload):
        raise Refused(400, "not a Slack payload")
    return payload


def _shaped(payload: dict[str, Any]) -> bool:
    """The parts Bolt reaches into before any listener runs have the types Slack gives them."""
    if "command" in payload or "ssl_check" in payload:
        return True
    kinds = {"type": str, "user": dict, "actions": list, "view": dict, "event": dict}
    return isinstance(payload.get("type"), str) and all(
        isinstance(payload[key], kind) for key, kind in kinds.items() if key in payload
    )


def command_problem(form: dict[str, Any]) -> str | None:
    """Why a slash command cannot be taken as typed, in words for the person who typed it."""
    fields = {
        key: value if isinstance(value, str) else str(value or "") for key, value in form.items()
    }
    if any("\x00" in value for value in fields.values()):
        return "Beacon cannot take a NUL character in a command. Retype it without one."
    if len(fields.get("text", "")) > MAX_TEXT:
        return f"That command is over {MAX_TEXT} characters; say it in fewer words."
    for field in ("user_id", "channel_id", "team_id", "enterprise_id", "api_app_id"):
        value = fields.get(field, "")
        if (value or field == "user_id") and not _SLACK_ID.fullmatch(value):
            return f"That request carries a `{field}` Beacon cannot accept."
    trigger = fields.get("trigger_id", "")
    if trigger and not _TRIGGER_ID.fullmatch(trigger):
        return "That request carries a `trigger_id` Beacon cannot accept."
    return None


def _refusal(reason: str) -> dict[str, str]:
    return {"response_type": "ephemeral", "text": f":warning: {reason}"}


class RefuseUnstorableCommands(AsyncMiddleware):
    """The same refusal as a Bolt middleware, for Socket Mode, whose requests never pass
    :class:`SlackEdge`; over HTTP the edge has answered such a command already. A class rather
    than a function: Bolt inspects a function middleware's parameters on every request."""

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # Bolt calls it by this name
    ) -> BoltResponse | None:
        checked = req.context.get(CHECKED)
        if "command" in req.body and not checked and (reason := command_problem(req.body)):
            return BoltResponse(status=200, body=_refusal(reason))
        return await next()


def payload_problem(payload: dict[str, Any]) -> str | None:
    """An interaction or event with a NUL byte or an over-long id anywhere in it."""
    stack: list[Any] = [payload]
    while stack:
        item = stack.pop()
        values = item.items() if isinstance(item, dict) else enumerate(item)
        for key, value in values:
            if isinstance(value, dict | list):
                stack.append(value)
            elif isinstance(value, str):
                if "\x00" in value:
                    return "NUL character in payload"
                if key in ID_FIELDS and len(value) > MAX_ID:
                    return f"over-long `{key}`"
    return None


class SlackEdge:
    """``first_request(key)``: whether a request is seen for the first time (``ReplayCheck`` or
    ``RememberedRequests``). ``on_burst``: called for each request of a burst, before it is
    answered (`beacon serve` holds its worker's deliveries back)."""

    def __init__(
        self,
        bolt: AsyncApp,
        secret: str,
        first_request: Callable[[str], Awaitable[bool]],
        acks: AckFirst | None = None,
        on_burst: Callable[[], None] | None = None,
    ) -> None:
        self.bolt = bolt
        self.secret = secret
        self.first_request = first_request
        self.acks = acks or AckFirst()
        self.on_burst = on_burst

    async def handle(self, request: Request) -> Response:
        # Declarations wait out a burst of these; so do the worker's deliveries.
        with self.acks.answering() as burst:
            if burst and self.on_burst is not None:
                self.on_burst()
            return await self._answer(request)

    async def _answer(self, request: Request) -> Response:
        try:
            body = await read_capped(request)
            timestamp = verify(request.headers, body, self.secret)
            payload = parse(request.headers.get("content-type", ""), body)
            problem = payload_problem(payload) if "command" not in payload else None
            if problem:
                raise Refused(400, problem)
        except Refused as refused:
            log.info("refused a request to /slack/events: %s %s", refused.status, refused.reason)
            # Closing the connection stops uvicorn reading (and dropping) the rest of a huge body.
            close = {"Connection": "close"} if refused.status == 413 else None
            return PlainTextResponse(refused.reason, status_code=refused.status, headers=close)
        if "command" in payload and (reason := command_problem(payload)):
            return JSONResponse(_refusal(reason))
        if not await self.first_request(replay_key(timestamp, body)):
            log.info("dropped a replayed request to /slack/events")
            return Response(status_code=200)
        # Bolt takes a parsed body only in its Socket Mode shape, which also spares it checking
        # the signature again: here both are done already. Headers from their pairs (the first
        # of a name wins, as in Starlette): ``dict(headers)`` scans them again for each name.
        ack = AnsweringAck()
        bolt_request = AsyncBoltRequest(
            body=payload,
            query=request.scope["query_string"].decode("latin-1"),
            headers=dict(reversed(request.headers.items())),
            context={CHECKED: True, "ack": ack},
            mode="socket_mode",
        )
        return to_starlette_response(await answer_on_ack(self.bolt, bolt_request, ack))


class AnsweringAck(AsyncAck):
    """Bolt's ``ack()``, which also says when it has been called."""

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.given: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def __call__(self, *args: Any, **kwargs: Any) -> BoltResponse:
        response = await super().__call__(*args, **kwargs)
        if not self.given.done():
            self.given.set_result(None)
        return response


_DISPATCHING: set[asyncio.Future[BoltResponse]] = set()
"""Bolt's dispatches running (the loop keeps only weak references to tasks): one goes on after
its request is answered."""


async def answer_on_ack(
    bolt: AsyncApp, request: AsyncBoltRequest, ack: AnsweringAck
) -> BoltResponse:
    """Bolt's answer, or the ack's as soon as the listener gives it. Bolt runs the listener in a
    task of its own and looks whether it has acked every 10 ms (``slack_bolt/listener/
    asyncio_runner.py``), so each answer waited up to 10 ms after the ack for nothing: a lone
    command's ack took 15 ms (docs/benchmarks.md, ninth pass). The listener goes on in Bolt's
    task as before; Bolt returns the same response when it next looks."""
    dispatch = asyncio.ensure_future(bolt.async_dispatch(request))
    _DISPATCHING.add(dispatch)
    dispatch.add_done_callback(_DISPATCHING.discard)
    await asyncio.wait((dispatch, ack.given), return_when=asyncio.FIRST_COMPLETED)
    if dispatch.done() or ack.response is None:
        return await dispatch
    dispatch.add_done_callback(_log_failure)
    return ack.response


def _log_failure(dispatch: asyncio.Future[BoltResponse]) -> None:
    if not dispatch.cancelled() and (error := dispatch.exception()) is not None:
        log.error("Bolt failed after its request was acknowledged: %r", error)


class _NoBodies(logging.Filter):
    """Bolt logs a badly signed request's whole body at INFO (``RequestVerification.
    _debug_log_error`` in slack_bolt/middleware/request_verification/request_verification.py)
    and quotes bodies in a few warnings (slack_bolt/logger/messages.py): the edge verifies
    first, and these records are cut short besides, so no body reaches the logs whole."""

    LIMIT = 300

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request signature detected"):
            record.msg, record.args = "Invalid request signature detected", None
        elif len(message) > self.LIMIT:
            record.msg, record.args = message[: self.LIMIT] + " …(cut)", None
        return True


_FILTER = _NoBodies()


def quiet_bolt_bodies() -> None:
    for name in ("slack_bolt.RequestVerification", "slack_bolt.AsyncApp", "slack_bolt.App"):
        logging.getLogger(name).addFilter(_FILTER)
