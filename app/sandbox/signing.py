"""Signed inbound Slack requests (slash commands, interactions, events), as Slack sends them.

Beacon verifies Slack's v0 signature on every inbound request, so tests and the
sandbox (:mod:`app.sandbox.actor`) must sign the exact bytes they send. The
payload builders follow the shapes in shared/slack/payloads/ (team T0BEACON,
app A0BEACON) so handlers see what Slack really sends: form-encoded slash
commands, ``payload=<json>`` for interactions, and JSON ``event_callback``
envelopes.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

TEAM_ID = "T0BEACON"
TEAM_DOMAIN = "beacon-test"
API_APP_ID = "A0BEACON"
BOT_USER_ID = "UBEACONBOT"
DEFAULT_USER_ID = "U0TESTER"
VERIFICATION_TOKEN = "verification-token"

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
JSON_CONTENT_TYPE = "application/json"

_counter = itertools.count(1)


def sign(body: bytes, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """``X-Slack-Request-Timestamp`` and ``X-Slack-Signature`` headers for ``body``.

    ``v0=hex(HMAC_SHA256(secret, "v0:{timestamp}:" + body))``; pass an old
    ``timestamp`` to test replay rejection (> 300 s skew).
    """
    ts = int(time.time()) if timestamp is None else int(timestamp)
    base = b"v0:" + str(ts).encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": f"v0={digest}"}


def signed_headers(
    body: bytes,
    secret: str,
    *,
    content_type: str = FORM_CONTENT_TYPE,
    timestamp: int | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> dict[str, str]:
    """Signature headers plus Content-Type (and Events API retry headers if given)."""
    headers = {"Content-Type": content_type, **sign(body, secret, timestamp)}
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = retry_reason or "http_timeout"
    return headers


def new_trigger_id() -> str:
    """Unique trigger_id shaped like Slack's ``13345224609.738474920.8088930838d88f008e0``."""
    return f"{int(time.time())}.{next(_counter)}.{secrets.token_hex(10)}"


def _response_url() -> str:
    return f"https://hooks.slack.com/commands/{TEAM_ID}/{next(_counter)}/{secrets.token_hex(12)}"


def slash_command_body(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    response_url: str,
    trigger_id: str | None = None,
    command: str = "/incident",
    user_name: str | None = None,
    channel_name: str = "incidents",
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
) -> bytes:
    """Form-encoded slash command body, field order as in Slack's docs example.

    ``text`` goes on the wire as given: pass what a person typed through
    :func:`app.sandbox.composer.slash_text` (``FakeSlack.slash_text``) first, as Slack escapes it.
    """
    fields = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel_id,
        "channel_name": channel_name,
        "user_id": user_id,
        "user_name": user_name or user_id.lower(),
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id or new_trigger_id(),
    }
    return urlencode(fields).encode()


def interaction_body(payload: dict[str, Any]) -> bytes:
    """Interactivity wire format: form field ``payload`` holding the JSON."""
    return urlencode({"payload": json.dumps(payload)}).encode()


def event_body(
    event: dict[str, Any],
    *,
    event_id: str,
    team_id: str = TEAM_ID,
    api_app_id: str = API_APP_ID,
    event_time: int | None = None,
) -> bytes:
    """JSON ``event_callback`` envelope around an inner ``event``."""
    envelope = {
        "token": VERIFICATION_TOKEN,
        "team_id": team_id,
        "api_app_id": api_app_id,
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()) if event_time is None else event_time,
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
        "event_context": f"4-{secrets.token_hex(8)}",
    }
    return json.dumps(envelope).encode()


def _user(user_id: str, team_id: str) -> dict[str, Any]:
    name = user_id.lower()
    return {"id": user_id, "username": name, "name": name, "team_id": team_id}


def _team(team_id: str) -> dict[str, Any]:
    return {"id": team_id, "domain": TEAM_DOMAIN}


def block_actions_payload(
    *,
    action_id: str,
    value: str | None = None,
    block_id: str = "actions",
    user_id: str = DEFAULT_USER_ID,
    channel_id: str | None = None,
    message_ts: str | None = None,
    response_url: str | None = None,
    trigger_id: str | None = None,
    action_type: str = "button",
    action: dict[str, Any] | None = None,
    view: dict[str, Any] | None = None,
    message: dict[str, Any] | None = None,
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a click in a message (or in ``view`` if given).

    ``action`` overrides the generated action dict entirely (e.g. for a
    static_select with ``selected_option``).
    """
    act = action or {
        "action_id": action_id,
        "block_id": block_id,
        "type": action_type,
        "action_ts": f"{time.time():.6f}",
    }
    if action is None and action_type == "button":
        act["text"] = {"type": "plain_text", "text": "Button", "emoji": True}
    if action is None and value is not None:
        act["value"] = value
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "team": _team(team_id),
        "enterprise": None,
        "is_enterprise_install": False,
        "actions": [act],
    }
    if view is not None:
        payload["container"] = {"type": "view", "view_id": view.get("id", "")}
        payload["view"] = view
    else:
        ts = message_ts or f"{time.time():.6f}"
        payload["container"] = {
            "type": "message",
            "message_ts": ts,
            "channel_id": channel_id or "C0CHANNEL",
            "is_ephemeral": False,
        }
        payload["channel"] = {"id": channel_id or "C0CHANNEL", "name": "incidents"}
        payload["message"] = message or {"type": "message", "ts": ts, "text": ""}
        payload["response_url"] = response_url or _response_url()
    return payload


def view_submission_payload(
    *,
    callback_id: str,
    state_values: dict[str, dict[str, dict[str, Any]]] | None = None,
    user_id: str = DEFAULT_USER_ID,
    private_metadata: str = "",
    view_id: str = "V0BEACONVIEW",
    trigger_id: str | None = None,
    blocks: list[dict[str, Any]] | None = None,
    title: str = "Beacon",
    response_urls: list[dict[str, Any]] | None = None,
    external_id: str = "",
    team_id: str = TEAM_ID,
) -> dict[str, Any]:
    """A ``view_submission`` payload; ``state_values`` is Slack's ``state.values`` shape.

    Example: ``{"title": {"title_input": {"type": "plain_text_input", "value": "DB down"}}}``;
    see :func:`text_value` / :func:`select_value` for building entries.
    """
    return {
        "type": "view_submission",
        "team": _team(team_id),
        "user": _user(user_id, team_id),
        "api_app_id": API_APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id or new_trigger_id(),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "blocks": blocks or [],
            "private_metadata": private_metadata,
            "callback_id": callback_id,
            "state": {"values": state_values or {}},
            "hash": f"{int(time.time())}.{secrets.token_hex(4)}",
            "title": {"type": "plain_text", "text": title, "emoji": True},
            "clear_on_close": False,
            "notify_on_close": False,
            "close": None,
            "submit": {"type": "plain_text", "text": "Submit", "emoji": True},
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": API_APP_ID,
            "external_id": external_id,
            "app_installed_team_id": team_id,
            "bot_id": "BBEACON",
        },
        "response_urls": response_urls or [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


def text_value(value: str | None, *, kind: str = "plain_text_input") -> dict[str, Any]:
    """A ``state.values`` entry for a text-like input."""
    return {"type": kind, "value": value}


def select_value(
    value: str | None, text: str | None = None, *, kind: str = "static_select"
) -> dict[str, Any]:
    """A ``state.values`` entry for a static_select (``None`` = nothing chosen)."""
    option = None
    if value is not None:
        label = {"type": "plain_text", "text": text or value, "emoji": True}
        option = {"text": label, "value": value}
    return {"type": kind, "selected_option": option}
