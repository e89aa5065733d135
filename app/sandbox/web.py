"""The ``/sandbox`` page and its JSON endpoints, mounted on Beacon's own Starlette app.

The page polls ``/sandbox/state`` every second; what the visitor does is posted back here and
turned by :class:`app.sandbox.actor.Actor` into signed requests to ``/slack/events``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from app.sandbox.actor import Answer
from app.sandbox.render import environment
from app.sandbox.runtime import Sandbox
from app.sandbox.seed import VISITOR
from app.sandbox.test_alert import TestAlerts, route

STATIC = Path(__file__).with_name("static")


def routes(
    sandbox: Sandbox, *, config_dir: str, alerts: TestAlerts | None = None
) -> list[BaseRoute]:
    env = environment(sandbox.name_of)
    static = StaticFiles(directory=str(STATIC))

    async def page(request: Request) -> Response:
        me = request.query_params.get("as") or VISITOR
        people = sorted(sandbox.people.values(), key=lambda p: (p.user_id != VISITOR, p.user_id))
        html = env.get_template("page.html.j2").render(
            people=people, me=me, config_dir=config_dir, alerts=alerts
        )
        return HTMLResponse(html)

    async def state(request: Request) -> Response:
        me = request.query_params.get("as") or VISITOR
        conv = request.query_params.get("conv") or sandbox.default_conversation()
        dm = sandbox.dm_of(me)
        if conv == "dm":
            conv = dm or "dm"
        channels = sandbox.conversations(me)
        by_id = {c.id: c for c in channels}
        if conv == "home":
            title, topic, items = "Beacon Home", "", []
        elif conv == dm or conv == "dm":
            title, topic, items = "Beacon (direct message)", "", sandbox.seen(me, dm)
        else:
            channel = by_id.get(conv)
            title = f"#{channel.name}" if channel else conv
            topic = channel.topic if channel else ""
            items = sandbox.seen(me, conv)
        nav = env.get_template("conversations.html.j2").render(
            current=conv,
            dm=dm,
            dm_count=len(sandbox.seen(me, dm)) if dm else 0,
            channels=[
                {"id": c.id, "name": c.name, "is_private": c.is_private, "count": len(c.messages)}
                for c in channels
            ],
        )
        empty = sandbox.first_steps if conv == sandbox.default_conversation() else ""
        feed = env.get_template("feed.html.j2").render(
            conversation={"home": conv == "home", "topic": topic, "empty": empty},
            items=items,
            home=sandbox.home(me),
        )
        view = sandbox.open_view(me)
        modal = env.get_template("modal.html.j2").render(view=view)
        modal_key = f"{view['id']}:{view['hash']}" if view else ""
        return JSONResponse(
            {
                "conv": conv,
                "title": title,
                "conversations": nav,
                "feed": feed,
                "modal": modal,
                "modal_key": modal_key,
            }
        )

    async def command(request: Request) -> Response:
        data = await request.json()
        channel = data.get("channel") or ""
        if channel == "dm":
            channel = sandbox.dm_of(data["as"])
        if channel in ("", "home"):
            return JSONResponse({"ok": False, "error": "Type /incident in a channel or a DM."})
        answer = await sandbox.command(data["as"], channel, data.get("text", ""))
        return _reply(answer)

    async def click(request: Request) -> Response:
        data = await request.json()
        answer = await sandbox.click(
            data["as"],
            action_id=data["action_id"],
            value=data.get("value"),
            block_id=data.get("block_id") or "",
            channel=data.get("channel") or "",
            ts=data.get("ts") or "",
            view_id=data.get("view_id") or "",
        )
        return _reply(answer)

    async def submit(request: Request) -> Response:
        data = await request.json()
        answer = await sandbox.submit(data["as"], data["view_id"], data.get("values") or {})
        reply: dict[str, Any] = {"ok": answer.status == 200}
        if answer.body.get("response_action") == "errors":
            reply["errors"] = answer.body.get("errors") or {}
        elif answer.status != 200:
            reply["error"] = f"Beacon answered HTTP {answer.status}"
        return JSONResponse(reply)

    async def close(request: Request) -> Response:
        data = await request.json()
        sandbox.closed_views.add(data.get("view_id") or "")
        return JSONResponse({"ok": True})

    async def home(request: Request) -> Response:
        data = await request.json()
        return _reply(await sandbox.open_home(data["as"]))

    return [
        Route("/sandbox", page, methods=["GET"]),
        Route("/sandbox/state", state, methods=["GET"]),
        Route("/sandbox/command", command, methods=["POST"]),
        Route("/sandbox/click", click, methods=["POST"]),
        Route("/sandbox/submit", submit, methods=["POST"]),
        Route("/sandbox/close", close, methods=["POST"]),
        Route("/sandbox/home", home, methods=["POST"]),
        Mount("/sandbox/static", app=static),
        *([route(alerts)] if alerts is not None else []),
    ]


def _reply(answer: Answer) -> Response:
    if answer.status != 200:
        return JSONResponse({"ok": False, "error": f"Beacon answered HTTP {answer.status}"})
    return JSONResponse({"ok": True, "text": answer.text})
