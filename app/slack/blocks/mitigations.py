"""A mitigation's card in the incident channel, and its line on the pinned brief."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    PlainTextObject,
    SectionBlock,
)

from app.briefs.view import MitigationView, clock_time
from app.domain.text import escape
from app.slack.blocks.common import mrkdwn
from app.slack.ids import MITIGATION_AUTHORISE, MITIGATION_DENY, MITIGATION_RENEW


def mitigation_line(mitigation: MitigationView) -> str:
    """``• roll back payments to 4511 — authorised by @dana at 14:02, lapses 14:32 UTC``."""
    return (
        f"• {escape(mitigation.action)} — authorised by <@{mitigation.decided_by}> at"
        f" {clock_time(mitigation.decided_at)}, lapses {clock_time(mitigation.expires_at)}"
    )


def _outcome(mitigation: MitigationView) -> str:
    state = mitigation.state
    if state == "pending":
        return (
            "Waiting for the incident commander, a commander or the manager of an affected"
            " service's team to authorise or deny it."
        )
    by, at = f"<@{mitigation.decided_by}>", clock_time(mitigation.decided_at)
    if state == "denied":
        return f":no_entry: Denied by {by} at {at}."
    renewed = ""
    if mitigation.renewals:
        renewed = f" Renewed {mitigation.renewals}× (last by <@{mitigation.renewed_by}>)."
    if state == "lapsed":
        return (
            f":hourglass: Authorised by {by} at {at}; lapsed at"
            f" {clock_time(mitigation.expires_at)}.{renewed}"
        )
    return (
        f":white_check_mark: Authorised by {by} at {at}; lapses at"
        f" {clock_time(mitigation.expires_at)} unless renewed.{renewed}"
    )


def mitigation_card(mitigation: MitigationView) -> tuple[str, list[Block]]:
    asked = f"*Mitigation requested for {mitigation.ref}* by <@{mitigation.requested_by}>"
    body = f":construction: {asked}\n>{escape(mitigation.action)}"
    if mitigation.reason:
        body += f"\n*Why:* {escape(mitigation.reason)}"
    blocks: list[Block] = [
        SectionBlock(text=mrkdwn(body)),
        ContextBlock(elements=[mrkdwn(_outcome(mitigation))]),
    ]
    buttons: list[ButtonElement] = []
    if mitigation.state == "pending":
        buttons = [
            ButtonElement(
                text=PlainTextObject(text="Authorise"),
                action_id=MITIGATION_AUTHORISE,
                value=str(mitigation.id),
                style="primary",
            ),
            ButtonElement(
                text=PlainTextObject(text="Deny"),
                action_id=MITIGATION_DENY,
                value=str(mitigation.id),
                style="danger",
            ),
        ]
    elif mitigation.state == "authorised":
        buttons = [
            ButtonElement(
                text=PlainTextObject(text="Renew"),
                action_id=MITIGATION_RENEW,
                value=f"{mitigation.id}:{mitigation.renewals}",
            )
        ]
    if buttons:
        blocks.append(ActionsBlock(block_id=f"mitigation:{mitigation.id}", elements=buttons))
    summary = f"Mitigation for {mitigation.ref} ({mitigation.state}): {mitigation.action}"
    return summary[:3000], blocks
