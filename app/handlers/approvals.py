"""The approval card: Approve & send, Edit (a prefilled modal), Reject (a reason modal).

Who may press them is decided by the service from the stored incident, never from the payload.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.domain.errors import BeaconError
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

log = logging.getLogger(__name__)


def _card(value: object) -> tuple[int, int]:
    """A card button's ``<draft id>:<version>``; a card posted before versions showed the
    first version."""
    draft, _, version = str(value).partition(":")
    return int(draft), int(version or 1)


def _meta(view: dict[str, Any]) -> dict[str, Any]:
    """What Beacon wrote into the form when it opened it: Slack sends ``private_metadata`` back
    unchanged in ``view_submission`` (https://docs.slack.dev/reference/views/modal-views), in a
    signed request. It only says which draft and version, never who may decide it."""
    return dict(json.loads(view.get("private_metadata") or "{}"))


async def _answering(
    beacon: Beacon, meta: dict[str, Any], user: str, work: Callable[[], Any]
) -> None:
    """Run a form's use case; the modal is closed by now, so a refusal is said privately in
    the channel of the card the form came from."""
    try:
        await asyncio.to_thread(work)
    except BeaconError as error:
        if meta.get("channel"):
            await beacon.gateway.ephemeral(str(meta["channel"]), user, text=error.message)
        else:
            log.warning("customer draft form refused: %s", error.message)


def _text(view: dict[str, Any], block: str) -> str:
    return str(view["state"]["values"][block][block].get("value") or "").strip()


def register(app: AsyncApp, beacon: Beacon) -> None:
    @app.action(DRAFT_APPROVE)
    async def approve(
        ack: AsyncAck, respond: AsyncRespond, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()

        draft_id, version = _card(action["value"])

        async def work() -> None:
            decision = await asyncio.to_thread(
                beacon.updates.approve, draft_id, actor=body["user"]["id"], version=version
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
        draft_id, _ = _card(action["value"])

        async def work() -> None:
            text, version = await asyncio.to_thread(
                beacon.updates.draft_text, draft_id, actor=body["user"]["id"]
            )
            where = (body.get("channel") or {}).get("id")
            view = blocks.text_modal(
                callback_id=EDIT_VIEW,
                title="Edit customer update",
                submit="Save draft",
                label="What customers will read (still needs approval)",
                action_id=DRAFT_TEXT,
                initial=text,
                metadata=json.dumps({"update_id": draft_id, "version": version, "channel": where}),
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
            metadata=json.dumps(
                {
                    "update_id": _card(action["value"])[0],
                    "channel": (body.get("channel") or {}).get("id"),
                }
            ),
        )
        await replying_errors(respond, lambda: beacon.gateway.open_view(body["trigger_id"], view))

    @app.view(EDIT_VIEW)
    async def edited(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        text = _text(view, DRAFT_TEXT)
        if not text:
            await ack(response_action="errors", errors={DRAFT_TEXT: "The update cannot be empty."})
            return
        await ack()
        meta, user = _meta(view), body["user"]["id"]
        await _answering(
            beacon,
            meta,
            user,
            lambda: beacon.updates.edit(
                int(meta["update_id"]),
                actor=user,
                text=text,
                version=int(meta.get("version") or 1),
            ),
        )

    @app.view(REJECT_VIEW)
    async def rejected(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason = _text(view, REJECT_REASON)
        if not reason:
            await ack(response_action="errors", errors={REJECT_REASON: "Say why, for the drafter."})
            return
        await ack()
        meta, user = _meta(view), body["user"]["id"]
        await _answering(
            beacon,
            meta,
            user,
            lambda: beacon.updates.reject(int(meta["update_id"]), actor=user, reason=reason),
        )
