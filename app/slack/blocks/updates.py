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
from app.domain.people import mention
from app.domain.text import escape
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
        SectionBlock(text=mrkdwn(escape(draft.text) if draft.text else "_empty_")),
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
                        f" {escape(draft.reason) if draft.reason else 'no reason given'}."
                        f" {drafted}."
                    )
                ]
            )
        )
    return f"{label} for {draft.ref} ({draft.state})", body


def internal_brief(ref: str, text: str) -> tuple[str, list[Block]]:
    """``text`` is mrkdwn already: the drafter escapes what was typed into it."""
    return f"{ref} internal update", [SectionBlock(text=mrkdwn(text))]


def thread_parent(thread: ThreadView) -> tuple[str, list[Block]]:
    """Names the incident, the account, its tier, severity and status; edited as the incident
    moves, so a resolved incident's parents read as closed when the channel is scanned."""
    view = thread.incident
    people = [f"liaison {mention(thread.liaison)}" if thread.liaison else "no liaison configured"]
    if thread.subscribers:
        people.append("following: " + " ".join(mention(u) for u in thread.subscribers))
    resolved = view.status == "resolved"
    icon = ":white_check_mark:" if resolved else ":rotating_light:"
    where = f" Incident channel: <#{view.channel_id}>." if view.channel_id else ""
    closing = (
        "Resolved; the recovery checklist and the resolution notice arrive in this thread."
        if resolved
        else "Approved customer updates for this account arrive in this thread."
    )
    account = escape(thread.account_name)
    text = (
        f"{icon} *{view.ref} · {view.severity} · {view.status_label} · {escape(view.title)}*\n"
        f"Affects *{account}* (Tier {thread.tier}). {' · '.join(people)}.\n"
        f"{closing}{where}"
    )
    summary = f"{view.ref} ({view.severity}, {view.status_label}) affects {account}"
    return summary, [SectionBlock(text=mrkdwn(text))]


def thread_reply(text: str) -> tuple[str, list[Block]]:
    """An approved customer text (plain, as the webhooks get it) in an account thread."""
    return cut(escape(text), 3000), [SectionBlock(text=mrkdwn(escape(text)))]
