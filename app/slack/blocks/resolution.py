"""Resolving: the recovery checklist in account threads and the resolve form."""

from __future__ import annotations

import json

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    InputBlock,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from app.briefs.view import ChecklistView, clock_time
from app.slack.blocks.common import cut, mrkdwn
from app.slack.ids import CHECKLIST_TICK, RESOLVE_VIEW, ResolveField


def checklist(view: ChecklistView) -> tuple[str, list[Block]]:
    heading = (
        f":clipboard: *Recovery checklist · {view.ref} · {view.account_name}*\n"
        "Tick each item once it is done. The account's liaison, the incident commander and"
        " approvers may tick."
    )
    body: list[Block] = [SectionBlock(text=mrkdwn(heading))]
    for line in view.lines:
        block_id = f"checklist:{view.thread_id}:{line.item}"
        if line.by:
            body.append(
                SectionBlock(
                    block_id=block_id,
                    text=mrkdwn(
                        f":white_check_mark: *{line.label}* — <@{line.by}>, {clock_time(line.at)}"
                        f" {line.at:%Y-%m-%d}"
                        if line.at
                        else f":white_check_mark: *{line.label}* — <@{line.by}>"
                    ),
                )
            )
        else:
            body.append(
                SectionBlock(
                    block_id=block_id,
                    text=mrkdwn(f":white_large_square: {line.label}"),
                    accessory=ButtonElement(
                        text=PlainTextObject(text="Done"),
                        action_id=CHECKLIST_TICK,
                        value=f"{view.thread_id}:{line.item}",
                    ),
                )
            )
    if view.done:
        body.append(ContextBlock(elements=[mrkdwn("Checklist complete.")]))
    done = sum(1 for line in view.lines if line.by)
    return f"Recovery checklist for {view.account_name}: {done}/{len(view.lines)} done", body


def _input(block: str, label: str, initial: str | None, *, optional: bool) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=PlainTextObject(text=label),
        optional=optional,
        element=PlainTextInputElement(
            action_id=block, multiline=True, initial_value=cut(initial, 3000) if initial else None
        ),
    )


def resolve_modal(
    *,
    fix: str | None,
    residual_risk: str | None,
    customer_steps: str | None,
    metadata: dict[str, object],
) -> View:
    return View(
        type="modal",
        callback_id=RESOLVE_VIEW,
        title=PlainTextObject(text="Resolve incident"),
        submit=PlainTextObject(text="Resolve"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata),
        blocks=[
            _input(ResolveField.FIX, "What fixed it?", fix, optional=False),
            _input(ResolveField.RESIDUAL_RISK, "Residual risk", residual_risk, optional=True),
            _input(
                ResolveField.CUSTOMER_STEPS,
                "What customers should do (goes in the notice)",
                customer_steps,
                optional=True,
            ),
        ],
    )
