"""Every sentence of the timeline, said from the same event in Slack and in the review."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app.reviews.facts import EventFact, IncidentFacts
from app.reviews.markdown import review_markdown
from app.reviews.metrics import measure
from app.wording import notices, refusals, timeline
from app.wording.timeline import MARKDOWN, MRKDWN, TEMPLATES, Event, render

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
UNTIL = (T0 + timedelta(hours=2)).isoformat()
HOSTILE = "<!channel> & <b>bold</b>"
"""What a person might type: a broadcast and markup, which no medium may pass on live."""

SAMPLES: dict[str, tuple[str | None, dict[str, Any]]] = {
    "declared": ("U0IC", {"ref": "INC-7", "severity": "P2", "title": "Sign-in errors"}),
    "severity_raised": (None, {"raised_by": ["Acme Corp is tier 1"]}),
    "paged": (
        "U0IC",
        {"page_id": 1, "person": "U0ID1", "source": "declared", "reasons": ["owns auth"]},
    ),
    "informed": (None, {"person": "U0FYI", "reasons": ["depends on auth"]}),
    "escalated": (None, {"level": 1, "reason": "no acknowledgement within 15m"}),
    "acknowledged": ("U0ID1", {"page_id": 1, "reasons": ["owns auth"]}),
    "ack_refused": ("U0BY", {"page_id": 1, "person": "U0ID1"}),
    "refused": ("U0BY", {"what": "resolve INC-7"}),
    "approval_refused": ("U0BY", {"what": "approve updates on INC-7"}),
    "checklist_refused": ("U0BY", {"what": "tick a checklist of INC-7"}),
    "severity_changed": (
        "U0IC",
        {"from": "P2", "to": "P1", "asked": "P2", "raised_by": ["x"], "reason": "spreading"},
    ),
    "assigned": ("U0IC", {"role": "comms", "user": "U0COMMS", "ref": "INC-7"}),
    "service_named": ("U0IC", {"service": "billing"}),
    "cadence_nudge": (None, {"due": UNTIL}),
    "cadence_overdue": (None, {"due": UNTIL}),
    "cadence_update_escalation": (None, {"due": UNTIL}),
    "update": ("U0IC", {"update_id": 1, "status": "identified", "summary": "cause found"}),
    "draft_edited": ("U0COMMS", {"update_id": 1, "version": 2}),
    "approval_stale": ("U0APPROVER", {"update_id": 1, "seen": 1, "current": 2}),
    "approved": ("U0APPROVER", {"update_id": 1, "version": 2, "sent_to": 3}),
    "rejected": ("U0APPROVER", {"update_id": 1, "reason": "wrong product"}),
    "mitigation_requested": ("U0ID1", {"mitigation_id": 1, "action": "disable sign-up"}),
    "mitigation_authorised": (
        "U0IC",
        {"mitigation_id": 1, "action": "disable sign-up", "until": UNTIL},
    ),
    "mitigation_denied": ("U0IC", {"mitigation_id": 1, "action": "disable sign-up"}),
    "mitigation_renewed": (
        "U0IC",
        {"mitigation_id": 1, "action": "disable sign-up", "until": UNTIL},
    ),
    "mitigation_reminder": (
        None,
        {"mitigation_id": 1, "action": "disable sign-up", "until": UNTIL},
    ),
    "mitigation_lapsed": (None, {"mitigation_id": 1, "action": "disable sign-up"}),
    "resolved": ("U0IC", {"from": "monitoring", "update_id": 2, "fix": "rolled back"}),
    "reopened": ("U0IC", {"status": "identified"}),
    "checklist_ticked": (
        "U0CS1",
        {"thread_id": 1, "item": "restoration", "account": "acme", "name": "Acme Corp"},
    ),
    "pinned": ("U0IC", {"ts": "1.0", "author": "U0ID1", "text": "<@U0ID1> rolled back 4512"}),
    "review_drafted": ("U0IC", {}),
    "review_summary_drafted": ("U0COMMS", {}),
    "signal": (
        None,
        {"status": "firing", "service": "auth", "summary": "5xx <!here>", "source": "alertmanager"},
    ),
    "signal_declared": (None, {"card": 3, "reason": "repeats: fired 3 times within 30m"}),
    "signal_dismissed": ("U0OWN", {"card": 3, "service": "auth", "reason": "known flake"}),
    "signal_commander": ("U0ID1", {"ref": "INC-7"}),
}
TYPED = {
    "declared": "title",
    "escalated": "reason",
    "severity_changed": "reason",
    "update": "summary",
    "rejected": "reason",
    "mitigation_requested": "action",
    "mitigation_authorised": "action",
    "mitigation_denied": "action",
    "mitigation_renewed": "action",
    "mitigation_reminder": "action",
    "mitigation_lapsed": "action",
    "resolved": "fix",
    "signal": "summary",
    "signal_declared": "reason",
    "signal_dismissed": "reason",
}
"""Where each kind keeps words a person typed."""


def _event(kind: str, **changes: Any) -> Event:
    actor, data = SAMPLES[kind]
    return Event(kind, actor, {**data, **changes})


def test_every_timeline_kind_has_a_sample() -> None:
    assert set(SAMPLES) == set(TEMPLATES)


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_every_kind_reads_in_slack_and_in_the_review(kind: str) -> None:
    event = _event(kind)
    slack, review = render(event, MRKDWN), render(event, MARKDOWN)
    assert slack and review and kind not in (slack, review)
    assert "<@" not in review and "{" not in review
    people = [p for p in (event.actor, event.data.get("person"), event.data.get("user")) if p]
    shown = [p for p in people if f"@{p}" in review]
    assert all(f"<@{p}>" in slack for p in shown)
    assert re.sub(r"<@(U\w+)>", r"@\1", slack) == review  # one sentence, two ways to name


@pytest.mark.parametrize("kind", sorted(TYPED))
def test_typed_words_stay_escaped_in_both_media(kind: str) -> None:
    event = _event(kind, **{TYPED[kind]: HOSTILE})
    for said in (render(event, MRKDWN), render(event, MARKDOWN)):
        assert "&lt;!channel&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in said
        assert "<!channel>" not in said and "<b>" not in said


def test_the_sentences_slack_shows_today() -> None:
    assert (
        timeline.mrkdwn("assigned", "U0IC", role="commander", user="U0NEW", ref="INC-7")
        == "<@U0NEW> is now incident commander of INC-7 (set by <@U0IC>)"
    )
    changed = timeline.mrkdwn(
        "severity_changed",
        "U0IC",
        **{"from": "P3", "to": "P1", "asked": "P2"},
        raised_by=["Acme Corp is tier 1"],
        reason="a & b",
    )
    assert notices.event("arrows_counterclockwise", changed) == (
        ":arrows_counterclockwise: Severity P3 → P1 by <@U0IC> (asked P2; Acme Corp is tier 1):"
        " a &amp; b."
    )
    assert notices.escalation_summary("INC-7", 2, "", "U0IC", paged_anyone=False) == (
        "Escalation level 2 for INC-7 (requested by <@U0IC>): everyone it names was already"
        " paged; still waiting for an acknowledgement"
    )
    assert (
        render(_event("escalated", reason=""), MARKDOWN)
        == "Escalated to level 1: requested by Beacon"
    )


def test_a_pinned_message_reads_as_plain_words_in_the_review() -> None:
    event = _event("pinned", text="<@U0ID1|dana> rolled back &lt;v2&gt;")
    assert render(event, MRKDWN) == "<@U0ID1|dana> rolled back &lt;v2&gt;"
    assert render(event, MARKDOWN) == "@dana rolled back &lt;v2&gt;"


def test_rows_from_before_events_carried_data_read_as_written() -> None:
    old = Event("acknowledged", "U0ID1", {"page_id": 1}, text="<@U0ID1> acknowledged (on call)")
    assert render(old, MRKDWN) == "<@U0ID1> acknowledged (on call)"
    assert render(old, MARKDOWN) == "@U0ID1 acknowledged (on call)"
    assert render(Event("something_new", None, {}), MARKDOWN) == "something_new"


def test_the_review_names_people_without_slack_mentions() -> None:
    events = tuple(
        EventFact(T0 + timedelta(minutes=n), actor, kind, "", data)
        for n, (kind, (actor, data)) in enumerate(SAMPLES.items())
    ) + (
        EventFact(T0, None, "paged", "", {**SAMPLES["paged"][1], "person": "Dana@Example.com"}),
        EventFact(T0, "U0ID1", "acknowledged", "Paged <@U0OLD> (legacy row)"),
    )
    facts = IncidentFacts(
        ref="INC-7",
        title="Sign-in errors",
        severity="P2",
        severity_label="Major",
        private=False,
        status="resolved",
        summary="Logins failed",
        declared_at=T0,
        declared_by="U0IC",
        commander="U0IC",
        resolved_at=T0 + timedelta(hours=1),
        ack_within=timedelta(minutes=15),
        update_every=timedelta(minutes=15),
        events=events,
        users={"dana@example.com": "U0DANA"},
    )
    text = review_markdown(facts, measure(facts, now=T0 + timedelta(hours=2)))
    assert "<@" not in text
    assert "| @U0ID1 | @U0ID1 acknowledged (owns auth) |" in text
    assert "| @U0IC | @U0COMMS is now comms lead of INC-7 (set by @U0IC) |" in text
    assert "Paged @U0DANA (owns auth) [declared]" in text
    assert "Paged @U0OLD (legacy row)" in text
    assert "approve updates on INC-7" not in text  # refusals stay on the audit log


def test_refusals_name_people_and_escape_what_was_typed() -> None:
    assert refusals.nobody_in("<!here> & co") == "&lt;!here&gt; &amp; co has nobody in it to page."
    assert refusals.already_paged(["U0ID1", "dana@example.com"], "INC-7") == (
        "<@U0ID1>, dana@example.com already paged for INC-7."
    )
    assert refusals.resolved_reopen_first("INC-7", command=True) == (
        "INC-7 is resolved; `/incident reopen` it first."
    )
