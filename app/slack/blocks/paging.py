"""Page DMs and their acknowledged form."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)

from app.briefs.view import IncidentView
from app.domain.text import escape
from app.slack.blocks.common import (
    FIELD_TEXT,
    HEADER_TEXT,
    SECTION_TEXT,
    cut,
    mrkdwn,
    severity_text,
)
from app.slack.blocks.incident import accounts_by_tier, service_lines
from app.slack.ids import (
    PAGE_ACK,
)


def impact_blocks(view: IncidentView) -> list[Block]:
    """The affected services (customer name, id, runbook) and accounts by tier: what every page,
    acknowledged page and FYI shows, so the person knows what is hurt before joining."""
    body: list[Block] = [SectionBlock(text=mrkdwn(f"*Services affected*\n{service_lines(view)}"))]
    if view.accounts:
        lines = "\n".join(accounts_by_tier(view.accounts, SECTION_TEXT - 40))
        body.append(SectionBlock(text=mrkdwn(f"*Accounts affected*\n{lines}")))
    return body


def _where(view: IncidentView) -> str:
    return f"<#{view.channel_id}>" if view.channel_id else "its channel (being created)"


def page_message(
    view: IncidentView, *, reasons: Sequence[str], page_id: int
) -> tuple[str, list[Block]]:
    """The page DM: why you, what is happening and what it hurts, where to go, and the
    Acknowledge button."""
    known = escape(view.summary) if view.summary else "_nothing yet_"
    text = f"You are paged for {view.ref} · {view.severity} · {escape(view.title)}"
    body: list[Block] = [
        HeaderBlock(
            text=PlainTextObject(
                text=cut(f":pager: {view.ref} · {view.severity} · {view.title}", HEADER_TEXT)
            )
        ),
        SectionBlock(
            text=mrkdwn(f"*Why you:* {', '.join(reasons)}\n*Join:* {_where(view)}"),
            fields=[
                mrkdwn(f"*Severity*\n{severity_text(view)}", FIELD_TEXT),
                mrkdwn(f"*Commander*\n<@{view.commander}>", FIELD_TEXT),
            ],
        ),
        SectionBlock(text=mrkdwn(f"*What is known*\n{known}")),
        *impact_blocks(view),
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
        ),
    ]
    return text, body


def page_acknowledged(
    view: IncidentView, *, reasons: Sequence[str], by: str, at: str
) -> tuple[str, list[Block]]:
    """The page DM once acknowledged: the button goes, why and what stays."""
    text = f"{view.ref} page acknowledged by <@{by}> at {at}"
    return text, [
        SectionBlock(
            text=mrkdwn(
                f":white_check_mark: *{view.ref} · {view.severity} · {escape(view.title)}*\n"
                f"Acknowledged by <@{by}> at {at}. Why you: {', '.join(reasons)}."
                f" Join {_where(view)}."
            )
        ),
        *impact_blocks(view),
    ]


def fyi_message(view: IncidentView, *, reasons: Sequence[str]) -> tuple[str, list[Block]]:
    """For a team whose service is hurt only through a dependency: no button, no escalation."""
    text = f"FYI: {view.ref} · {view.severity} · {escape(view.title)}"
    return text, [
        HeaderBlock(
            text=PlainTextObject(
                text=cut(f":information_source: FYI · {view.ref} · {view.title}", HEADER_TEXT)
            )
        ),
        SectionBlock(
            text=mrkdwn(
                f"*Why you:* {', '.join(reasons)}.\nYou are not paged and nothing needs"
                f" acknowledging; follow along in {_where(view)} if your service needs attention."
            ),
            fields=[
                mrkdwn(f"*Severity*\n{severity_text(view)}", FIELD_TEXT),
                mrkdwn(f"*Commander*\n<@{view.commander}>", FIELD_TEXT),
            ],
        ),
        *impact_blocks(view),
    ]
