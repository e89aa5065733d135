"""Beacon's App Home tab: open incidents, your pages, your accounts, the last 30 days."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from app.briefs.home import HomeView
from app.briefs.view import clock_time
from app.domain.text import escape
from app.reviews.metrics import Aggregate
from app.slack.blocks.common import cut, mrkdwn
from app.slack.ids import PAGE_ACK

MAX_BLOCKS = 100
MAX_INCIDENTS = 25
MAX_PAGES = 15


def _ratio(met: int, total: int, pending: int) -> str:
    decided = f"{met}/{total}" if total else "—"
    return f"{decided} ({pending} pending)" if pending else decided


def _target_line(row: Aggregate) -> str:
    return (
        f"• *{row.label}* — {row.incidents} incident(s) · ack in time"
        f" {_ratio(row.ack_met, row.ack_total, row.ack_pending)} · first update in time"
        f" {_ratio(row.first_update_met, row.first_update_total, row.first_update_pending)}"
        f" · updates on time {_ratio(row.updates_on_time, row.updates_due, row.updates_pending)}"
    )


def app_home(view: HomeView) -> View:
    body: list[Block] = [HeaderBlock(text=PlainTextObject(text="Open incidents"))]
    if not view.incidents:
        body.append(SectionBlock(text=mrkdwn("No open incident. :sunny:")))
    for incident in view.incidents[:MAX_INCIDENTS]:
        where = f" · <#{incident.channel_id}>" if incident.channel_id else ""
        lock = ":lock: " if incident.private else ""
        body.append(
            SectionBlock(
                text=mrkdwn(
                    f"{lock}*{incident.ref} · {incident.severity} · {incident.status.capitalize()}*"
                    f" — {escape(cut(incident.title, 200))}\nIC <@{incident.commander}>"
                    f" · next update {clock_time(incident.next_update_due)}{where}"
                )
            )
        )
    if len(view.incidents) > MAX_INCIDENTS:
        more = len(view.incidents) - MAX_INCIDENTS
        body.append(ContextBlock(elements=[mrkdwn(f"…and {more} more: `/incident list`.")]))
    body += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Your pages"))]
    if not view.pages:
        body.append(SectionBlock(text=mrkdwn("Nothing waiting for your acknowledgement.")))
    for page in view.pages[:MAX_PAGES]:
        body.append(
            SectionBlock(
                block_id=f"home_page:{page.page_id}",
                text=mrkdwn(
                    f":pager: *{page.ref} · {page.severity}* — {escape(cut(page.title, 200))}\n"
                    f"{cut(', '.join(page.reasons), 500)} · paged {clock_time(page.paged_at)}"
                ),
                accessory=ButtonElement(
                    text=PlainTextObject(text="Acknowledge"),
                    action_id=PAGE_ACK,
                    value=str(page.page_id),
                    style="primary",
                ),
            )
        )
    body += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Your accounts"))]
    followed = ", ".join(view.subscriptions)
    body.append(
        SectionBlock(
            text=mrkdwn(
                f"You follow: {followed}"
                if followed
                else "You follow no accounts. `/incident subscribe <account>` to start."
            )
        )
    )
    body += [DividerBlock(), HeaderBlock(text=PlainTextObject(text="Last 30 days vs targets"))]
    if not view.total.incidents:
        body.append(SectionBlock(text=mrkdwn("No incident in the last 30 days.")))
    else:
        lines = [_target_line(view.total), "*By severity*"]
        lines += [_target_line(row) for row in view.severities]
        lines += ["*By account tier*"] + [_target_line(row) for row in view.tiers]
        body.append(SectionBlock(text=mrkdwn("\n".join(lines))))
    body.append(ContextBlock(elements=[mrkdwn(f"Updated {view.now:%Y-%m-%d %H:%M} UTC")]))
    return View(type="home", blocks=body[:MAX_BLOCKS])
