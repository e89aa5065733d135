"""Modal submissions: inline field errors before the ack, the declaration after it (then a
private confirmation, like the command's, or the reason it failed)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from app.beacon import Beacon
from app.domain.declaration import FieldErrors, from_form
from app.handlers.replies import privately, replying_errors
from app.slack import blocks
from app.slack.forms import read_declare_form
from app.slack.ids import DECLARE_VIEW

log = logging.getLogger(__name__)


def register(app: AsyncApp, beacon: Beacon) -> None:
    @app.view(DECLARE_VIEW)
    async def declare_submitted(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        form = read_declare_form(view)
        try:
            declaration = from_form(
                beacon.catalog,
                title=form.title,
                severity=form.severity,
                services=form.services,
                accounts=form.accounts,
                summary=form.summary,
                private=form.private,
                customer_visible=form.customer_visible,
                drill=form.metadata.get("drill") == "yes",
            )
        except FieldErrors as problems:
            await ack(response_action="errors", errors=problems.errors)
            return
        await ack()
        user, channel = body["user"]["id"], form.metadata.get("channel") or None
        reply = privately(beacon, user, channel)

        async def work() -> None:
            if card := form.metadata.get("card"):
                await asyncio.to_thread(
                    beacon.signal_triage.authorise, int(card), actor=user, what="declare"
                )
            declared = await asyncio.to_thread(
                beacon.incidents.declare,
                declaration,
                actor=user,
                request_key=f"view:{view['id']}",
                origin_channel=channel,
            )
            log.info("%s declared from the form (new: %s)", declared.ref, declared.created)
            if card := form.metadata.get("card"):
                await asyncio.to_thread(
                    beacon.signal_triage.declared, int(card), declared.number, actor=user
                )
            if declared.created:
                await reply(
                    blocks.declared_text(
                        declared.ref, declared.severity, declared.title, declaration.severity
                    )
                )

        await replying_errors(reply, work)
