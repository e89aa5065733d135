"""The approval card: Approve & send, Edit (a prefilled modal), Reject (a reason modal).

Who may press them is decided by the service from the stored incident, never from the payload.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.domain.errors import BeaconError
from app.handlers.replies import Reply, privately, replying_errors
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


def _draft_id(view: dict[str, Any]) -> int:
    return int(_meta(view)["update_id"])


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
        draft_id = _card(action["value"])[0]
        channel = str((body.get("channel") or {}).get("id") or "")

        async def work() -> None:
            await asyncio.to_thread(
                beacon.updates.check_decision, draft_id, actor=body["user"]["id"], verb="reject"
            )
            view = blocks.text_modal(
                callback_id=REJECT_VIEW,
                title="Reject customer update",
                submit="Reject",
                label="Why? The drafter sees this.",
                action_id=REJECT_REASON,
                initial="",
                metadata=json.dumps({"update_id": draft_id, "channel": channel}),
            )
            await beacon.gateway.open_view(body["trigger_id"], view)

        await replying_errors(respond, work)

    @app.view(EDIT_VIEW)
    async def edited(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        text, user = _text(view, DRAFT_TEXT), body["user"]["id"]
        if not text:
            await ack(response_action="errors", errors={DRAFT_TEXT: "The update cannot be empty."})
            return
        if not await _may(ack, DRAFT_TEXT, beacon.updates.draft_text, _draft_id(view), actor=user):
            return
        await ack()
        meta = _meta(view)
        await replying_errors(
            _reply(beacon, user, meta),
            lambda: asyncio.to_thread(
                beacon.updates.edit,
                _draft_id(view),
                actor=user,
                text=text,
                version=int(meta.get("version") or 1),
            ),
        )

    @app.view(REJECT_VIEW)
    async def rejected(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        reason, user = _text(view, REJECT_REASON), body["user"]["id"]
        if not reason:
            await ack(response_action="errors", errors={REJECT_REASON: "Say why, for the drafter."})
            return
        check = beacon.updates.check_decision
        if not await _may(ack, REJECT_REASON, check, _draft_id(view), actor=user, verb="reject"):
            return
        await ack()
        await replying_errors(
            _reply(beacon, user, _meta(view)),
            lambda: asyncio.to_thread(
                beacon.updates.reject, _draft_id(view), actor=user, reason=reason
            ),
        )


async def _may(ack: AsyncAck, field: str, check: Callable[..., Any], *args: Any, **kw: Any) -> bool:
    """Run the service's refusal check before the ack: a refusal is shown on ``field``, where
    Slack shows errors of a modal that stays open (``response_action: errors``)."""
    try:
        await asyncio.to_thread(check, *args, **kw)
    except BeaconError as error:
        await ack(response_action="errors", errors={field: error.message})
        return False
    return True


def _reply(beacon: Beacon, user: str, meta: dict[str, Any]) -> Reply:
    return privately(beacon, user, meta.get("channel") or None)
