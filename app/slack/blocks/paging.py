"""Page DMs and their acknowledged form."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)

from app.briefs.view import IncidentView
from app.domain.text import escape
from app.slack.blocks.common import (
    FIELD_TEXT,
    HEADER_TEXT,
    cut,
    mrkdwn,
    severity_text,
)
from app.slack.ids import (
    PAGE_ACK,
)


def page_message(
    view: IncidentView, *, reasons: Sequence[str], page_id: int, runbooks: Sequence[str] = ()
) -> tuple[str, list[Block]]:
    """The page DM: why you, what is happening, where to go, and the Acknowledge button."""
    where = f"<#{view.channel_id}>" if view.channel_id else "its channel (being created)"
    known = escape(view.summary) if view.summary else "_nothing yet_"
    text = f"You are paged for {view.ref} · {view.severity} · {escape(view.title)}"
    body: list[Block] = [
        HeaderBlock(
            text=PlainTextObject(
                text=cut(f":pager: {view.ref} · {view.severity} · {view.title}", HEADER_TEXT)
            )
        ),
        SectionBlock(
            text=mrkdwn(f"*Why you:* {', '.join(reasons)}\n*Join:* {where}"),
            fields=[
                mrkdwn(f"*Severity*\n{severity_text(view)}", FIELD_TEXT),
                mrkdwn(f"*Commander*\n<@{view.commander}>", FIELD_TEXT),
            ],
        ),
        SectionBlock(text=mrkdwn(f"*What is known*\n{known}")),
    ]
    if runbooks:
        body.append(
            ContextBlock(elements=[mrkdwn(" · ".join(f"<{url}|runbook>" for url in runbooks[:5]))])
        )
    body.append(
        ActionsBlock(
            block_id=f"page:{page_id}",
            elements=[
                ButtonElement(
                    text=PlainTextObject(text="Acknowledge"),
                    action_id=PAGE_ACK,
                    value=str(page_id),
                    style="primary",
                )
            ],
        )
    )
    return text, body


def page_acknowledged(
    view: IncidentView, *, reasons: Sequence[str], by: str, at: str
) -> tuple[str, list[Block]]:
    text = f"{view.ref} page acknowledged by <@{by}> at {at}"
    where = f"<#{view.channel_id}>" if view.channel_id else "its channel"
    return text, [
        SectionBlock(
            text=mrkdwn(
                f":white_check_mark: *{view.ref} · {view.severity} · {escape(view.title)}*\n"
                f"Acknowledged by <@{by}> at {at}. Why you: {', '.join(reasons)}. Join {where}."
            )
        )
    ]
