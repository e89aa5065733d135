"""The triage card (SPEC 5.8): the signals, the service, accounts at risk by tier, the severity
it would have, who would be paged, and Declare / Dismiss while nobody has decided."""

from __future__ import annotations

import re
from typing import Any

from app.domain.text import escape
from app.signals.view import CardView

_SAFE_URL = re.compile(r"https?://[^\s<>|]{1,500}")
"""A sender's link is shown only when it cannot break out of Slack's ``<url|text>``."""
MAX_LINES = 20
"""Signals listed on the card; the rest are counted (a section's text is 3,000 characters)."""
DECLARE = "signal_declare"
DISMISS = "signal_dismiss"


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}}


def card(view: CardView) -> tuple[str, list[dict[str, Any]]]:
    status = {
        "open": f"{view.firing} firing",
        "declared": f"declared as {view.incident}",
        "dismissed": "dismissed",
    }.get(view.state, view.state)
    headline = f"Signals on {view.service_name} · {view.severity} · {status}"
    body: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}}
    ]
    lines = [
        f"{'🔥' if line.status == 'firing' else '✅'} *{escape(line.summary)}*"
        f" ({escape(line.service)}, {escape(line.source)}, {line.status}, ×{line.received})"
        + (_link(line.url) if line.url and _SAFE_URL.fullmatch(line.url) else "")
        + (f"\n    reported by {line.reporter}" if line.reporter else "")
        for line in view.signals[:MAX_LINES]
    ]
    if len(view.signals) > MAX_LINES:
        lines.append(f"… and {len(view.signals) - MAX_LINES} more signals")
    body.append(_mrkdwn("\n".join(lines) or "No signals"))
    at_risk = "\n".join(
        f"Tier {tier}: {', '.join(escape(name) for name in names[:10])}"
        + (f" and {len(names) - 10} more" if len(names) > 10 else "")
        for tier, names in view.accounts
    )
    severity = f"*Severity if declared:* {view.severity}"
    if view.raised_by:
        severity += f" ({escape('; '.join(view.raised_by))})"
    paged = ", ".join(f"<@{p}>" if p.startswith(("U", "W")) else escape(p) for p in view.paged)
    body.append(
        _mrkdwn(
            f"*Service:* {escape(view.service_name)}\n{severity}\n"
            f"*Accounts at risk:* {at_risk or 'none known'}\n*Would page:* {paged or 'nobody'}"
        )
    )
    if view.state == "open":
        body.append(
            {
                "type": "actions",
                "elements": [
                    _button("Declare", DECLARE, view.card_id, "primary"),
                    _button("Dismiss", DISMISS, view.card_id, None),
                ],
            }
        )
    elif view.reason:
        who = f" by <@{view.decided_by}>" if view.decided_by else " by Beacon"
        verb = "Declared" if view.state == "declared" else "Dismissed"
        body.append(_mrkdwn(f"{verb}{who}: {escape(view.reason)}"))
    return headline, body


def _button(text: str, action: str, card_id: int, style: str | None) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action,
        "value": str(card_id),
    }
    if style:
        button["style"] = style
    return button


DISMISS_VIEW = "beacon.signal_dismiss"
REASON_BLOCK = "reason"
REASON_INPUT = "reason_input"


def dismiss_modal(card_id: int, channel: str) -> dict[str, Any]:
    """Asks why: a dismissed card carries its reason, on the card and in the audit log."""
    return {
        "type": "modal",
        "callback_id": DISMISS_VIEW,
        "private_metadata": f"{card_id}:{channel}",
        "title": {"type": "plain_text", "text": "Dismiss triage card"},
        "submit": {"type": "plain_text", "text": "Dismiss"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Why is this not an incident?"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": REASON_INPUT,
                    "multiline": True,
                    "max_length": 500,
                },
            }
        ],
    }


def _link(url: str) -> str:
    return f" <{url.replace('&', '&amp;')}|source>"
