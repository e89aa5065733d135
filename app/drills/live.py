"""``beacon drill --live``: the same scenario in a real workspace, marked as a drill.

Beacon runs in this process against the real Web API (and the real database, so the incident is
on record, flagged as a drill and left out of metrics); the runner still acts as the people in
the script with signed requests, in real time. What Beacon sent is read back from its own Web
API calls, so ``click:`` steps find the real buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from app.sandbox.runtime import Seen
from app.slack.gateway import SlackGateway

Call = Callable[..., Awaitable[dict[str, Any]]]


@dataclass
class Sent:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] | None


class Recorder:
    """Keeps every message Beacon posted or updated, and each user's DM channel."""

    def __init__(self, gateway: SlackGateway) -> None:
        self.messages: dict[tuple[str, str], Sent] = {}
        self.dms: dict[str, str] = {}
        call: Call = gateway.call

        async def recording(method: str, **kwargs: Any) -> dict[str, Any]:
            response = await call(method, **kwargs)
            self._note(method, kwargs, response)
            return response

        gateway.call = recording  # type: ignore[method-assign]

    def _note(self, method: str, args: dict[str, Any], response: dict[str, Any]) -> None:
        if method == "conversations.open" and isinstance(args.get("users"), str):
            self.dms[args["users"]] = str(response.get("channel", {}).get("id", ""))
        elif method == "chat.postMessage":
            channel, ts = str(response.get("channel", "")), str(response.get("ts", ""))
            if str(args.get("channel", "")).startswith(("U", "W")):
                self.dms.setdefault(str(args["channel"]), channel)
            self.messages[(channel, ts)] = Sent(
                channel, ts, str(args.get("text", "")), args.get("blocks")
            )
        elif method == "chat.update":
            found = self.messages.get((str(args.get("channel")), str(args.get("ts"))))
            if found is not None:
                found.text, found.blocks = str(args.get("text", "")), args.get("blocks")

    def seen(self, channel: str) -> list[Seen]:
        """What Beacon posted in ``channel``, oldest first, shaped like the sandbox's."""
        return [
            Seen(m.ts, "message", "Beacon", m.text, m.blocks, {"channel": m.channel, "ts": m.ts})
            for m in self.messages.values()
            if m.channel == channel
        ]

    def channels(self) -> list[str]:
        return list(dict.fromkeys(m.channel for m in self.messages.values()))
