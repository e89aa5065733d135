"""auth.test (who the token is) and apps.connections.open (the Socket Mode URL)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.sandbox.slack_model import (
    APP_ID,
    BOT_ID,
    BOT_NAME,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
    Args,
    Body,
    Handler,
)

if TYPE_CHECKING:
    from app.sandbox.slack_state import Workspace


def auth_test(ws: Workspace, args: Args) -> Body:
    return {
        "ok": True,
        "url": f"https://{TEAM_DOMAIN}.slack.com/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "is_enterprise_install": False,
    }


def connections_open(ws: Workspace, args: Args) -> Body:
    ws_root = "ws" + ws.base_url.removeprefix("http")
    return {"ok": True, "url": f"{ws_root}socket"}


HANDLERS: dict[str, Handler] = {
    "auth.test": auth_test,
    "apps.connections.open": connections_open,
}
