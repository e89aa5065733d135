"""All Block Kit Beacon sends, built from typed slack_sdk models so limits are checked on build.

Text that comes from people is cut to Slack's limits here, once, instead of at every call site.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import groupby

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
    StaticMultiSelectElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from app.briefs.view import AccountLine, IncidentView, clock_time
from app.catalog.models import Severity
from app.services.accounts import AccountCard
from app.slack.ids import DECLARE_VIEW, PAGE_ACK, DeclareField, DeclareOption

SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
OPTION_TEXT = 75
MAX_OPTIONS = 100


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _mrkdwn(text: str, limit: int = SECTION_TEXT) -> MarkdownTextObject:
    return MarkdownTextObject(text=cut(text, limit))


def _severity_text(view: IncidentView) -> str:
    text = f"{view.severity} · {view.severity_label}"
    if view.severity != view.declared_severity:
        text += f" (raised from {view.declared_severity})"
    return text


def _service_lines(view: IncidentView) -> str:
    lines = []
    for service in view.services:
        how = "named" if service.named else "depends on an affected service"
        line = f"• {service.name} (`{service.id}`), {how}"
        if service.runbook:
            line += f" · <{service.runbook}|runbook>"
        lines.append(line)
    return "\n".join(lines) or "_none named yet_"


def accounts_by_tier(accounts: Sequence[AccountLine], limit: int = SECTION_TEXT) -> list[str]:
    """One line per tier, ``+N more`` where the names would break the section limit."""
    lines = []
    budget = limit // max(len({a.tier for a in accounts}), 1)
    for tier, group in groupby(accounts, key=lambda account: account.tier):
        names = [account.name for account in group]
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
        _mrkdwn(f"*Severity*\n{_severity_text(view)}", FIELD_TEXT),
        _mrkdwn(f"*Status*\n{view.status_label}", FIELD_TEXT),
        _mrkdwn(f"*Incident commander*\n<@{view.commander}>", FIELD_TEXT),
        _mrkdwn(f"*Comms lead*\n{f'<@{view.comms_lead}>' if view.comms_lead else '_unassigned_'}"),
        _mrkdwn(f"*Declared*\n<@{view.declared_by}> at {clock_time(view.declared_at)}"),
        _mrkdwn(f"*Next update due*\n{clock_time(view.next_update_due)}", FIELD_TEXT),
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
        blocks.append(ContextBlock(elements=[_mrkdwn(note, FIELD_TEXT) for note in notes[:10]]))
    blocks.append(SectionBlock(text=_mrkdwn(f"*What is known*\n{view.summary or '_nothing yet_'}")))
    blocks.append(SectionBlock(text=_mrkdwn(f"*Services affected*\n{_service_lines(view)}")))
    if view.accounts:
        lines = "\n".join(accounts_by_tier(view.accounts, SECTION_TEXT - 40))
        blocks.append(SectionBlock(text=_mrkdwn(f"*Accounts affected*\n{lines}")))
    text = f"{view.ref} · {view.severity} · {view.title}"
    return text, blocks


def announcement(view: IncidentView) -> tuple[str, list[Block]]:
    """The one message per incident in the announce channel, kept up to date with chat.update."""
    where = f"<#{view.channel_id}>" if view.channel_id else "channel being created"
    services = ", ".join(service.name for service in view.services if service.named) or "—"
    text = f"{view.ref} · {view.severity} · {view.title}"
    blocks: list[Block] = [
        SectionBlock(
            text=_mrkdwn(f":rotating_light: *{view.ref} · {_severity_text(view)}*\n*{view.title}*"),
            fields=[
                _mrkdwn(f"*Status*\n{view.status_label}", FIELD_TEXT),
                _mrkdwn(f"*Commander*\n<@{view.commander}>", FIELD_TEXT),
                _mrkdwn(f"*Channel*\n{where}", FIELD_TEXT),
                _mrkdwn(f"*Services*\n{services}", FIELD_TEXT),
            ],
        ),
        ContextBlock(
            elements=[
                _mrkdwn(
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
            SectionBlock(text=_mrkdwn(":white_check_mark: No open incidents."))
        ]
    blocks: list[Block] = [HeaderBlock(text=PlainTextObject(text=f"Open incidents ({len(rows)})"))]
    for view in rows[:45]:
        where = f"<#{view.channel_id}>" if view.channel_id else "_channel pending_"
        blocks.append(
            SectionBlock(
                text=_mrkdwn(
                    f"*{view.ref} · {view.severity}* {view.title}\n{view.status_label} · IC"
                    f" <@{view.commander}> · next update {clock_time(view.next_update_due)}"
                    f" · {where}"
                )
            )
        )
    if len(rows) > 45:
        blocks.append(ContextBlock(elements=[_mrkdwn(f"+{len(rows) - 45} more open incidents")]))
    return f"{len(rows)} open incidents", blocks


def _option(text: str, value: str) -> Option:
    return Option(text=PlainTextObject(text=cut(text, OPTION_TEXT)), value=value)


def declare_modal(
    *,
    severities: Sequence[Severity],
    services: Sequence[tuple[str, str]],
    title: str | None = None,
    severity: str | None = None,
    chosen_services: Sequence[str] = (),
    accounts: Sequence[str] = (),
    private: bool = False,
    metadata: dict[str, str] | None = None,
) -> View:
    """The declaration form; prefilled from whatever the text command already said."""
    severity_options = [_option(f"{s.id} · {s.label}", s.id) for s in severities]
    service_options = [_option(f"{name} ({sid})", sid) for sid, name in services]
    by_value = {option.value: option for option in [*severity_options, *service_options]}
    service_element: StaticMultiSelectElement | PlainTextInputElement
    if len(service_options) <= MAX_OPTIONS:
        service_element = StaticMultiSelectElement(
            action_id=DeclareField.SERVICES,
            placeholder=PlainTextObject(text="Pick the services that are degraded"),
            options=service_options,
            initial_options=[by_value[s] for s in chosen_services if s in by_value] or None,
        )
    else:
        service_element = PlainTextInputElement(
            action_id=DeclareField.SERVICES,
            placeholder=PlainTextObject(text="checkout, payments"),
            initial_value=", ".join(chosen_services) or None,
        )
    option_values = {
        DeclareOption.CUSTOMER_VISIBLE: _option("Customers can see the impact", "customer_visible"),
        DeclareOption.PRIVATE: _option("Private incident (no announcement)", "private"),
    }
    initial = [option_values[DeclareOption.CUSTOMER_VISIBLE]]
    if private:
        initial.append(option_values[DeclareOption.PRIVATE])
    blocks: list[Block] = [
        InputBlock(
            block_id=DeclareField.TITLE,
            label=PlainTextObject(text="Title"),
            element=PlainTextInputElement(
                action_id=DeclareField.TITLE,
                initial_value=title or None,
                max_length=120,
                placeholder=PlainTextObject(text="Checkout failing for EU cards"),
            ),
        ),
        InputBlock(
            block_id=DeclareField.SEVERITY,
            label=PlainTextObject(text="Severity"),
            element=StaticSelectElement(
                action_id=DeclareField.SEVERITY,
                placeholder=PlainTextObject(text="How bad is it?"),
                options=severity_options,
                initial_option=by_value.get(severity) if severity else None,
            ),
        ),
        InputBlock(
            block_id=DeclareField.SERVICES,
            label=PlainTextObject(text="Services affected"),
            element=service_element,
            optional=True,
        ),
        InputBlock(
            block_id=DeclareField.ACCOUNTS,
            label=PlainTextObject(text="Customer accounts known to be hurt"),
            hint=PlainTextObject(text="Account ids or names, separated by commas."),
            element=PlainTextInputElement(
                action_id=DeclareField.ACCOUNTS,
                initial_value=", ".join(accounts) or None,
                placeholder=PlainTextObject(text="acme, globex"),
            ),
            optional=True,
        ),
        InputBlock(
            block_id=DeclareField.SUMMARY,
            label=PlainTextObject(text="What is known"),
            element=PlainTextInputElement(action_id=DeclareField.SUMMARY, multiline=True),
            optional=True,
        ),
        InputBlock(
            block_id=DeclareField.OPTIONS,
            label=PlainTextObject(text="Visibility"),
            element=CheckboxesElement(
                action_id=DeclareField.OPTIONS,
                options=list(option_values.values()),
                initial_options=initial,
            ),
            optional=True,
        ),
    ]
    return View(
        type="modal",
        callback_id=DECLARE_VIEW,
        title=PlainTextObject(text="Declare an incident"),
        submit=PlainTextObject(text="Declare"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps(metadata or {}),
        blocks=blocks,
    )


def error_text(message: str, usage: str | None) -> str:
    return f":warning: {message}" + (f"\nUsage: {usage}" if usage else "")


def page_message(
    view: IncidentView, *, reasons: Sequence[str], page_id: int, runbooks: Sequence[str] = ()
) -> tuple[str, list[Block]]:
    """The page DM: why you, what is happening, where to go, and the Acknowledge button."""
    where = f"<#{view.channel_id}>" if view.channel_id else "its channel (being created)"
    text = f"You are paged for {view.ref} · {view.severity} · {view.title}"
    body: list[Block] = [
        HeaderBlock(
            text=PlainTextObject(
                text=cut(f":pager: {view.ref} · {view.severity} · {view.title}", HEADER_TEXT)
            )
        ),
        SectionBlock(
            text=_mrkdwn(f"*Why you:* {', '.join(reasons)}\n*Join:* {where}"),
            fields=[
                _mrkdwn(f"*Severity*\n{_severity_text(view)}", FIELD_TEXT),
                _mrkdwn(f"*Commander*\n<@{view.commander}>", FIELD_TEXT),
            ],
        ),
        SectionBlock(text=_mrkdwn(f"*What is known*\n{view.summary or '_nothing yet_'}")),
    ]
    if runbooks:
        body.append(
            ContextBlock(elements=[_mrkdwn(" · ".join(f"<{url}|runbook>" for url in runbooks[:5]))])
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
            text=_mrkdwn(
                f":white_check_mark: *{view.ref} · {view.severity} · {view.title}*\n"
                f"Acknowledged by <@{by}> at {at}. Why you: {', '.join(reasons)}. Join {where}."
            )
        )
    ]


def notice(text: str) -> tuple[str, list[Block]]:
    return text, [SectionBlock(text=_mrkdwn(text))]


def account_cards(cards: Sequence[AccountCard], total: int, query: str) -> tuple[str, list[Block]]:
    if not cards:
        text = f"No account matches `{query}`."
        return text, [SectionBlock(text=_mrkdwn(text))]
    body: list[Block] = []
    for card in cards:
        account = card.account
        people = " · ".join(
            part
            for part in (
                f"liaison <@{account.liaison}>" if account.liaison else "no liaison",
                f"exec sponsor <@{account.exec_sponsor}>" if account.exec_sponsor else "",
            )
            if part
        )
        incidents = ", ".join(card.open_incidents) or "none"
        body.append(
            SectionBlock(
                text=_mrkdwn(
                    f"*{account.name}* (`{account.id}`) · *Tier {card.tier}*"
                    f"{' (set by hand)' if account.tier is not None else ''}\n"
                    f"Score {card.score.total}: value {card.score.value}, dependence"
                    f" {card.score.dependence}, exposure {card.score.exposure}"
                    f" (ARR {account.arr:,}, {account.users:,} users, {account.dependence})\n"
                    f"{people}\nUses: {', '.join(card.services) or '—'}\n"
                    f"Open incidents: {incidents}"
                )
            )
        )
    if total > len(cards):
        body.append(
            ContextBlock(elements=[_mrkdwn(f"{total - len(cards)} more match; narrow the query.")])
        )
    return f"{total} account(s) match", body
