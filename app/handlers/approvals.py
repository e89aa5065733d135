"""The approval card: Approve & send, Edit (a prefilled modal), Reject (a reason modal).

Who may press them is decided by the service from the stored incident, never from the payload.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.handlers.replies import replying_errors
from app.slack import blocks
from app.slack.ids import (
    DRAFT_APPROVE,
    DRAFT_EDIT,
    DRAFT_REJECT,
    DRAFT_TEXT,
    EDIT_VIEW,
    REJECT_REASON,
    REJECT_VIEW,
)


def _draft_id(view: dict[str, Any]) -> int:
    return int(json.loads(view.get("private_metadata") or "{}")["update_id"])


def _text(view: dict[str, Any], block: str) -> str:
    return str(view["state"]["values"][block][block].get("value") or "").strip()


def register(app: AsyncApp, beacon: Beacon) -> None:
    @app.action(DRAFT_APPROVE)
    async def approve(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()

        async def work() -> None:
            decision = await asyncio.to_thread(
                beacon.updates.approve, int(action["value"]), actor=body["user"]["id"]
            )
            if not decision.new:
                await respond(
                    text=f"Already {decision.state} by <@{decision.by}>; nothing sent again.",
                    response_type="ephemeral",
                    replace_original=False,
                )

        await replying_errors(respond, work)

    @app.action(DRAFT_EDIT)
    async def edit(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        draft_id = int(action["value"])

        async def work() -> None:
            text = await asyncio.to_thread(
                beacon.updates.draft_text, draft_id, actor=body["user"]["id"]
            )
            view = blocks.text_modal(
                callback_id=EDIT_VIEW,
                title="Edit customer update",
                submit="Save draft",
                label="What customers will read (still needs approval)",
                action_id=DRAFT_TEXT,
                initial=text,
                metadata=json.dumps({"update_id": draft_id}),
            )
            await beacon.gateway.open_view(body["trigger_id"], view)

        await replying_errors(respond, work)

    @app.action(DRAFT_REJECT)
    async def reject(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        view = blocks.text_modal(
            callback_id=REJECT_VIEW,
            title="Reject customer update",
            submit="Reject",
            label="Why? The drafter sees this.",
            action_id=REJECT_REASON,
            initial="",
            metadata=json.dumps({"update_id": int(action["value"])}),
        )
        await replying_errors(respond, lambda: beacon.gateway.open_view(body["trigger_id"], view))

    @app.view(EDIT_VIEW)
    async def edited(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = _text(view, DRAFT_TEXT)
        if not text:
            await ack(response_action="errors", errors={DRAFT_TEXT: "The update cannot be empty."})
            return
        await ack()
        await asyncio.to_thread(
            beacon.updates.edit, _draft_id(view), actor=body["user"]["id"], text=text
        )

    @app.view(REJECT_VIEW)
    async def rejected(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = _text(view, REJECT_REASON)
        if not reason:
            await ack(response_action="errors", errors={REJECT_REASON: "Say why, for the drafter."})
            return
        await ack()
        await asyncio.to_thread(
            beacon.updates.reject, _draft_id(view), actor=body["user"]["id"], reason=reason
        )
