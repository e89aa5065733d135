"""Status updates: the approval card, the internal brief, account threads."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)

from app.briefs.view import DraftView, ThreadView, clock_time
from app.slack.blocks.common import (
    HEADER_TEXT,
    cut,
    mrkdwn,
)
from app.slack.ids import (
    DRAFT_APPROVE,
    DRAFT_EDIT,
    DRAFT_REJECT,
)


def approval_card(draft: DraftView) -> tuple[str, list[Block]]:
    """The customer-facing draft with its buttons, or, once decided, with its outcome."""
    label = {
        "initial": "Initial customer notice",
        "update": "Customer update",
        "resolution": "Customer resolution notice",
        "review": "Customer review summary",
    }.get(draft.kind, "Customer update")
    body: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=cut(f"{label} · {draft.ref}", HEADER_TEXT))),
        SectionBlock(text=mrkdwn(draft.text or "_empty_")),
    ]
    drafted = f"Drafted by <@{draft.drafted_by}>" if draft.drafted_by else "Drafted by Beacon"
    if draft.edited_by:
        drafted += f", edited by <@{draft.edited_by}> (version {draft.version})"
    value = f"{draft.id}:{draft.version}"
    if draft.state == "pending":
        body.append(
            ContextBlock(
                elements=[
                    mrkdwn(f"{drafted}. Needs approval by the incident commander or an approver.")
                ]
            )
        )
        body.append(
            ActionsBlock(
                block_id=f"draft:{draft.id}",
                elements=[
                    ButtonElement(
                        text=PlainTextObject(text="Approve & send"),
                        action_id=DRAFT_APPROVE,
                        value=value,
                        style="primary",
                    ),
                    ButtonElement(
                        text=PlainTextObject(text="Edit"), action_id=DRAFT_EDIT, value=value
                    ),
                    ButtonElement(
                        text=PlainTextObject(text="Reject"),
                        action_id=DRAFT_REJECT,
                        value=value,
                        style="danger",
                    ),
                ],
            )
        )
    elif draft.state == "approved":
        body.append(
            ContextBlock(
                elements=[
                    mrkdwn(
                        f":white_check_mark: Approved by <@{draft.decided_by}> at"
                        f" {clock_time(draft.decided_at)}; sent to {draft.sent_to}"
                        f" account thread(s). {drafted}."
                    )
                ]
            )
        )
    else:
        body.append(
            ContextBlock(
                elements=[
                    mrkdwn(
                        f":no_entry: Rejected by <@{draft.decided_by}> at"
                        f" {clock_time(draft.decided_at)}:"
                        f" {draft.reason or 'no reason given'}. {drafted}."
                    )
                ]
            )
        )
    return f"{label} for {draft.ref} ({draft.state})", body


def internal_brief(ref: str, text: str) -> tuple[str, list[Block]]:
    return f"{ref} internal update", [SectionBlock(text=mrkdwn(text))]


def thread_parent(thread: ThreadView) -> tuple[str, list[Block]]:
    view = thread.incident
    people = [f"liaison <@{thread.liaison}>" if thread.liaison else "no liaison configured"]
    if thread.subscribers:
        people.append("following: " + " ".join(f"<@{u}>" for u in thread.subscribers))
    text = (
        f":rotating_light: *{view.ref} · {view.severity} · {view.title}*\n"
        f"Affects *{thread.account_name}* (Tier {thread.tier}). {' · '.join(people)}.\n"
        "Approved customer updates for this account arrive in this thread."
    )
    return f"{view.ref} affects {thread.account_name}", [SectionBlock(text=mrkdwn(text))]


def thread_reply(text: str) -> tuple[str, list[Block]]:
    return cut(text, 3000), [SectionBlock(text=mrkdwn(text))]
