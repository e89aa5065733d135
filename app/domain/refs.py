"""Which incident a person means, and who they are: what every incident verb is handed.

A command names its incident (``/incident INC-42 …``) or is typed in the incident's channel;
a form or a button carries the same two facts in its metadata. Services find the incident from
this one object (``app.services.lookup.find_incident``), so no verb re-reads the request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IncidentRef:
    actor: str
    """The Slack user id of whoever asked: rights and the timeline are about them."""
    number: int | None = None
    """``INC-<number>`` when named; None when the command is typed in the incident channel."""
    channel: str | None = None
    """The channel the request came from: the incident when no number is named, and where
    a private incident may be named by someone who is not one of its people."""
