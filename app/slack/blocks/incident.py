"""The incident's own messages: the pinned brief, the announcement, lists and account cards."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import groupby

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    PlainTextObject,
    SectionBlock,
)

from app.briefs.view import AccountCard, AccountLine, IncidentView, clock_time
from app.domain.people import mention
from app.domain.text import escape
from app.slack.blocks.common import (
    FIELD_TEXT,
    HEADER_TEXT,
    SECTION_TEXT,
    cut,
    mrkdwn,
    severity_text,
)
from app.slack.blocks.mitigations import mitigation_line


def service_lines(view: IncidentView) -> str:
    """One line per service: customer name and id, named or hit through a dependency, and its
    runbook labelled by the service, so several links stay tellable apart."""
    lines = []
    for service in view.services:
        how = "named" if service.named else "depends on an affected service"
        line = f"• {escape(service.name)} (`{service.id}`), {how}"
        if service.runbook:
            line += f" · <{service.runbook}|{escape(service.name)} runbook>"
        lines.append(line)
    return "\n".join(lines) or "_none named yet_"


def accounts_by_tier(accounts: Sequence[AccountLine], limit: int = SECTION_TEXT) -> list[str]:
    """One line per tier, ``+N more`` where the names would break the section limit."""
    lines = []
    budget = limit // max(len({a.tier for a in accounts}), 1)
    for tier, group in groupby(accounts, key=lambda account: account.tier):
        names = [escape(account.name) for account in group]
        head = f"*Tier {tier}* ({len(names)}): "
        shown: list[str] = []
        for index, name in enumerate(names):
            more = len(names) - index - 1
            tail = f", +{more} more" if more else ""
            if len(head) + len(", ".join([*shown, name])) + len(tail) > budget - 12:
                shown.append(f"+{len(names) - index} more")
                break
            shown.append(name)
        lines.append(head + ", ".join(shown))
    return lines


def brief(view: IncidentView) -> tuple[str, list[Block]]:
    """The structured brief pinned in the incident channel and returned by `status`."""
    fields = [
        mrkdwn(f"*Severity*\n{severity_text(view)}", FIELD_TEXT),
        mrkdwn(f"*Status*\n{view.status_label}", FIELD_TEXT),
        mrkdwn(f"*Incident commander*\n<@{view.commander}>", FIELD_TEXT),
        mrkdwn(f"*Comms lead*\n{f'<@{view.comms_lead}>' if view.comms_lead else '_unassigned_'}"),
        mrkdwn(f"*Declared*\n<@{view.declared_by}> at {clock_time(view.declared_at)}"),
        mrkdwn(f"*Next update due*\n{clock_time(view.next_update_due)}", FIELD_TEXT),
    ]
    blocks: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=cut(f"{view.ref} · {view.title}", HEADER_TEXT))),
        SectionBlock(fields=fields),
    ]
    notes = list(view.raised_because)
    if view.private:
        notes.append(":lock: Private incident: not announced, no account threads or webhooks.")
    if not view.customer_visible:
        notes.append("Not customer-visible: no customer notice is drafted.")
    if notes:
        blocks.append(ContextBlock(elements=[mrkdwn(note, FIELD_TEXT) for note in notes[:10]]))
    known = escape(view.summary) if view.summary else "_nothing yet_"
    blocks.append(SectionBlock(text=mrkdwn(f"*What is known*\n{known}")))
    blocks.append(SectionBlock(text=mrkdwn(f"*Services affected*\n{service_lines(view)}")))
    if view.accounts:
        lines = "\n".join(accounts_by_tier(view.accounts, SECTION_TEXT - 40))
        blocks.append(SectionBlock(text=mrkdwn(f"*Accounts affected*\n{lines}")))
    if view.mitigations_in_force:
        lines = "\n".join(mitigation_line(m) for m in view.mitigations_in_force)
        blocks.append(SectionBlock(text=mrkdwn(f"*Mitigations in force*\n{lines}")))
    text = f"{view.ref} · {view.severity} · {escape(view.title)}"
    return text, blocks


def announcement(view: IncidentView, latest: str | None = None) -> tuple[str, list[Block]]:
    """The one message per incident in the announce channel, kept up to date with chat.update."""
    where = f"<#{view.channel_id}>" if view.channel_id else "channel being created"
    services = ", ".join(escape(s.name) for s in view.services if s.named) or "—"
    text = f"{view.ref} · {view.severity} · {escape(view.title)}"
    blocks: list[Block] = [
        SectionBlock(
            text=mrkdwn(
                f"{':white_check_mark:' if view.status == 'resolved' else ':rotating_light:'}"
                f" *{view.ref} · {severity_text(view)}*\n*{escape(view.title)}*"
            ),
            fields=[
                mrkdwn(f"*Status*\n{view.status_label}", FIELD_TEXT),
                mrkdwn(f"*Commander*\n<@{view.commander}>", FIELD_TEXT),
                mrkdwn(f"*Channel*\n{where}", FIELD_TEXT),
                mrkdwn(f"*Services*\n{services}", FIELD_TEXT),
            ],
        ),
        *([SectionBlock(text=mrkdwn(f"*Latest update*\n{escape(latest)}"))] if latest else []),
        ContextBlock(
            elements=[
                mrkdwn(
                    f"Declared by <@{view.declared_by}> at {clock_time(view.declared_at)}"
                    f" · next update {clock_time(view.next_update_due)}",
                    FIELD_TEXT,
                )
            ]
        ),
    ]
    return text, blocks


def incident_list(views: Iterable[IncidentView]) -> tuple[str, list[Block]]:
    rows = list(views)
    if not rows:
        return "No open incidents.", [
            SectionBlock(text=mrkdwn(":white_check_mark: No open incidents."))
        ]
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=f"Open incidents ({len(rows)})"))]
    for view in rows[:45]:
        where = f"<#{view.channel_id}>" if view.channel_id else "_channel pending_"
        blocks.append(
            SectionBlock(
                text=mrkdwn(
                    f"*{view.ref} · {view.severity}* {escape(view.title)}\n{view.status_label} · IC"
                    f" <@{view.commander}> · next update {clock_time(view.next_update_due)}"
                    f" · {where}"
                )
            )
        )
    if len(rows) > 45:
        blocks.append(ContextBlock(elements=[mrkdwn(f"+{len(rows) - 45} more open incidents")]))
    return f"{len(rows)} open incidents", blocks


def account_cards(cards: Sequence[AccountCard], total: int, query: str) -> tuple[str, list[Block]]:
    if not cards:
        text = f"No account matches `{escape(query)}`."
        return text, [SectionBlock(text=mrkdwn(text))]
    body: list[Block] = []
    for card in cards:
        account = card.account
        people = " · ".join(
            part
            for part in (
                f"liaison {mention(account.liaison)}" if account.liaison else "no liaison",
                f"exec sponsor {mention(account.exec_sponsor)}" if account.exec_sponsor else "",
            )
            if part
        )
        incidents = ", ".join(card.open_incidents) or "none"
        body.append(
            SectionBlock(
                text=mrkdwn(
                    f"*{escape(account.name)}* (`{account.id}`) · *Tier {card.tier}*"
                    f"{' (set by hand)' if account.tier is not None else ''}\n"
                    f"Score {card.score.total}: value {card.score.value}, dependence"
                    f" {card.score.dependence}, exposure {card.score.exposure}"
                    f" (ARR {account.arr:,}, {account.users:,} users, {account.dependence})\n"
                    f"{people}\nUses: {', '.join(card.services) or '—'}\n"
                    f"Open incidents: {incidents}"
                    + (
                        f"\nPrivate status page (share with the customer only): {card.status_url}"
                        if card.status_url
                        else ""
                    )
                )
            )
        )
    if total > len(cards):
        body.append(
            ContextBlock(elements=[mrkdwn(f"{total - len(cards)} more match; narrow the query.")])
        )
    return f"{total} account(s) match", body
