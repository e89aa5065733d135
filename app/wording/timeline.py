"""The timeline's sentences: each event is stored as a kind and its data (plain values, user
text unescaped), and said here, in Slack mrkdwn for the channel and in Markdown for the review,
from the same template. Rows written before events carried data keep their sentence as text and
are read as written."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.resolution import CHECKLIST_LABELS
from app.domain.text import escape, plain
from app.wording import names

ROLE_LABELS = {"commander": "incident commander", "comms": "comms lead"}
CADENCE = {
    "cadence_nudge": "Update reminder",
    "cadence_overdue": "Update overdue",
    "cadence_update_escalation": "Update cadence escalated to managers",
}


@dataclass(frozen=True)
class Medium:
    """How one medium names a person, writes what someone typed, and quotes a Slack message."""

    person: Callable[[str], str]
    words: Callable[[str], str]
    slack: Callable[[str], str]
    legacy: Callable[[str], str]


MRKDWN = Medium(person=names.mention, words=escape, slack=str, legacy=str)
"""Slack: live mentions, typed text escaped, a quoted message as Slack wrote it."""


def markdown_medium(users: Mapping[str, str] | None = None) -> Medium:
    """The review: ``@U…`` handles (emails Slack resolved, via ``users``, too); typed text with
    ``&<>`` as entities so a Markdown viewer shows them and runs no HTML."""
    return Medium(
        person=lambda person: names.handle(person, users),
        words=escape,
        slack=lambda text: escape(plain(text)),
        legacy=lambda text: names.plain_references(text, users),
    )


MARKDOWN = markdown_medium()


@dataclass(frozen=True)
class Event:
    """What a service records: a kind, who did it (None: Beacon) and the data to say it with.
    ``text`` is only ever set on rows written before events carried their data."""

    kind: str
    actor: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    text: str = ""


Template = Callable[[Medium, str, Mapping[str, Any]], str]
"""``(medium, actor as the medium names them, data)`` → the sentence."""


def _changed(m: Medium, actor: str, d: Mapping[str, Any]) -> str:
    said = f"Severity {d['from']} → {d['to']} by {actor}"
    if d.get("asked") and d["asked"] != d["to"]:
        said += f" (asked {d['asked']}; {'; '.join(d['raised_by'])})"
    return said + (f": {m.words(d['reason'])}" if d.get("reason") else "")


def _mitigation(verb: str) -> Template:
    def say(m: Medium, actor: str, d: Mapping[str, Any]) -> str:
        until = f" until {names.clock(d['until'])}" if d.get("until") else ""
        return f"Mitigation {verb} by {actor}{until}: {m.words(d['action'])}"

    return say


def _cadence(kind: str) -> Template:
    return lambda m, actor, d: f"{CADENCE[kind]} (due {names.clock(d['due'])})"


def _refused(m: Medium, actor: str, d: Mapping[str, Any]) -> str:
    return f"Refused: {actor} may not {d['what']}"


TEMPLATES: dict[str, Template] = {
    "declared": lambda m, a, d: f"{d['ref']} declared as {d['severity']}: {m.words(d['title'])}",
    "severity_raised": lambda m, a, d: "; ".join(d["raised_by"]),
    "paged": lambda m, a, d: (
        f"Paged {m.person(d['person'])} ({'; '.join(d['reasons'])}) [{d['source']}]"
    ),
    "informed": lambda m, a, d: f"Told {m.person(d['person'])} ({'; '.join(d['reasons'])})",
    "escalated": lambda m, a, d: (
        f"Escalated to level {d['level']}: "
        + (m.words(d["reason"]) if d["reason"] else f"requested by {a}")
    ),
    "acknowledged": lambda m, a, d: f"{a} acknowledged ({', '.join(d['reasons'])})",
    "ack_refused": lambda m, a, d: f"{a} tried to acknowledge the page of {m.person(d['person'])}",
    "refused": _refused,
    "approval_refused": _refused,
    "checklist_refused": _refused,
    "severity_changed": _changed,
    "assigned": lambda m, a, d: (
        f"{m.person(d['user'])} is now {ROLE_LABELS[d['role']]} of {d['ref']} (set by {a})"
    ),
    "service_named": lambda m, a, d: f"{a} named service {d['service']}; re-routed",
    **{kind: _cadence(kind) for kind in CADENCE},
    "update": lambda m, a, d: m.words(d["summary"]) if d.get("summary") else "status update",
    "draft_edited": lambda m, a, d: f"Customer draft edited (version {d['version']})",
    "approval_stale": lambda m, a, d: (
        f"{a} pressed Approve on version {d['seen']}; the draft is at version {d['current']},"
        " nothing sent"
    ),
    "approved": lambda m, a, d: (
        f"Customer update approved (version {d['version']}); sent to {d['sent_to']} account"
        " thread(s)"
    ),
    "rejected": lambda m, a, d: f"Customer update rejected: {m.words(d['reason'])}",
    "mitigation_requested": _mitigation("requested"),
    "mitigation_authorised": _mitigation("authorised"),
    "mitigation_denied": _mitigation("denied"),
    "mitigation_renewed": _mitigation("renewed"),
    "mitigation_reminder": lambda m, a, d: (
        f"Mitigation lapses at {names.clock(d['until'])}: {m.words(d['action'])}"
    ),
    "mitigation_lapsed": lambda m, a, d: f"Mitigation lapsed: {m.words(d['action'])}",
    "resolved": lambda m, a, d: (
        f"Resolved by {a}: {m.words(d['fix']) if d.get('fix') else 'fix not recorded'}"
    ),
    "reopened": lambda m, a, d: f"Reopened by {a} ({d['status']})",
    "checklist_ticked": lambda m, a, d: (
        f"{a} ticked “{CHECKLIST_LABELS[d['item']]}” for {d['name']}"
    ),
    "pinned": lambda m, a, d: m.slack(d["text"]) if d.get("text") else "(a message without text)",
    "review_drafted": lambda m, a, d: f"Post-incident review drafted by {a}",
    "review_summary_drafted": lambda m, a, d: f"Customer review summary drafted by {a}",
    "signal": lambda m, a, d: (
        f"Signal {'firing' if d['status'] == 'firing' else 'resolved'} on"
        f" {m.words(d['service'])}: {m.words(d['summary'])} ({m.words(d['source'])})"
    ),
    "signal_declared": lambda m, a, d: f"Declared by {a} from signals: {m.words(d['reason'])}",
    "signal_dismissed": lambda m, a, d: (
        f"Triage card on {m.words(d['service'])} dismissed: {m.words(d['reason'])}"
    ),
    "signal_commander": lambda m, a, d: (
        f"{a} acknowledged first and is now incident commander of {d['ref']}"
    ),
}


def render(event: Event, medium: Medium) -> str:
    """The event's sentence in ``medium``; an old row's stored sentence; else its kind."""
    if event.text:
        return medium.legacy(event.text)
    template = TEMPLATES.get(event.kind)
    if template is None:
        return event.kind
    return template(medium, medium.person(event.actor) if event.actor else "Beacon", event.data)


def mrkdwn(kind: str, actor: str | None = None, **data: Any) -> str:
    """What the channel reads for an event about to be recorded with the same kind and data."""
    return render(Event(kind, actor, data), MRKDWN)


def markdown(event: Event, users: Mapping[str, str] | None = None) -> str:
    return render(event, markdown_medium(users) if users else MARKDOWN)
