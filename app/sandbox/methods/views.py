"""views.open/update/publish: modals opened from a trigger, and each user's App Home."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from app.sandbox import block_kit
from app.sandbox import slack_args as arg
from app.sandbox.slack_model import (
    APP_ID,
    BOT_ID,
    TEAM_ID,
    Args,
    Body,
    Handler,
    SlackError,
    invalid_arguments,
)

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace


def _view_arg(args: Args, allowed: set[str]) -> dict[str, Any]:
    view = arg.json_field(args, "view", "invalid_arguments")
    if view is None:
        raise invalid_arguments("missing required field: view")
    errors = block_kit.validate_view(view, allowed_types=allowed)
    if errors:
        raise SlackError("invalid_arguments", errors)
    if len(json.dumps(view)) > block_kit.MAX_VIEW_BYTES:
        raise SlackError("view_too_large")
    return view  # type: ignore[no-any-return]


def _check_trigger(ws: Workspace, args: Args) -> str:
    trigger = arg.string(args, "trigger_id") or ""
    if not trigger:
        raise SlackError("invalid_trigger_id")
    if trigger in ws.used_triggers:
        raise SlackError("exchanged_trigger_id")
    # Slack only honours trigger ids it issued, once, within 3 s ("expire in three
    # seconds", "may only be used once": api.slack.com/docs/triggers).
    issued = ws.issued_triggers.get(trigger)
    if issued is None:
        raise SlackError("invalid_trigger_id")
    ttl = ws.trigger_ttl
    if ttl is not None and time.monotonic() - issued > ttl:
        raise SlackError("expired_trigger_id")
    return trigger


def _save_view(
    ws: Workspace, view: dict[str, Any], *, view_id: str | None = None, previous: str | None = None
) -> Body:
    old = ws.views.get(view_id) if view_id else None
    vid = view_id or ws.new_id("V")
    external_id = view.get("external_id") or ""
    if external_id:
        owner = ws.external_views.get(external_id)
        if owner is not None and owner != vid:
            raise SlackError("duplicate_external_id")
    stored: Body = {
        "id": vid,
        "team_id": TEAM_ID,
        "type": view["type"],
        "blocks": view.get("blocks", []),
        "private_metadata": view.get("private_metadata", ""),
        "callback_id": view.get("callback_id", ""),
        "state": {"values": {}},
        "hash": ws.new_hash(),
        "clear_on_close": bool(view.get("clear_on_close", False)),
        "notify_on_close": bool(view.get("notify_on_close", False)),
        "submit_disabled": bool(view.get("submit_disabled", False)),
        "root_view_id": old["root_view_id"] if old else vid,
        "previous_view_id": old["previous_view_id"] if old else previous,
        "app_id": APP_ID,
        "external_id": external_id,
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    }
    for key in ("title", "submit", "close"):
        stored[key] = view.get(key)
    if old and old.get("external_id") and old["external_id"] != external_id:
        ws.external_views.pop(old["external_id"], None)
    if external_id:
        ws.external_views[external_id] = vid
    ws.views[vid] = stored
    return stored


def open_(ws: Workspace, args: Args) -> Body:
    trigger = _check_trigger(ws, args)
    view = _view_arg(args, {"modal"})
    stored = _save_view(ws, view)
    ws.used_triggers.add(trigger)
    ws.view_triggers[trigger] = stored["id"]
    return {"ok": True, "view": stored}


def update(ws: Workspace, args: Args) -> Body:
    view_id = arg.string(args, "view_id")
    external_id = arg.string(args, "external_id")
    if not view_id and not external_id:
        raise invalid_arguments("missing required field: view_id or external_id")
    if not view_id:
        view_id = ws.external_views.get(external_id or "")
    current = ws.views.get(view_id or "")
    if current is None:
        raise SlackError("not_found")
    expected_hash = arg.string(args, "hash")
    if expected_hash and expected_hash != current["hash"]:
        raise SlackError("hash_conflict")
    view = _view_arg(args, {current["type"]})
    return {"ok": True, "view": _save_view(ws, view, view_id=current["id"])}


def publish(ws: Workspace, args: Args) -> Body:
    user_id = arg.string(args, "user_id") or ""
    ws.check_user(user_id)
    view = _view_arg(args, {"home"})
    current = ws.home_views.get(user_id)
    expected_hash = arg.string(args, "hash")
    if current and expected_hash and expected_hash != current["hash"]:
        raise SlackError("hash_conflict")
    stored = _save_view(ws, view, view_id=current["id"] if current else None)
    ws.home_views[user_id] = stored
    return {"ok": True, "view": stored}


HANDLERS: dict[str, Handler] = {
    "views.open": open_,
    "views.update": update,
    "views.publish": publish,
}
