"""A scripted incident with known times (FakeClock): the review file uploaded to the incident
channel carries its figures, and `/incident stats` and /metrics agree with them."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from app.store.models import IncidentEvent
from tests.e2e.resolve.support import approve, declare, home_text, open_home
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import FakeClock, RunningBeacon, eventually


def _events(beacon: RunningBeacon, kind: str) -> int:
    with beacon.beacon.uow() as session:
        statement = select(func.count()).where(IncidentEvent.kind == kind)
        return int(session.scalar(statement) or 0)


def _then(beacon: RunningBeacon, kind: str, count: int) -> None:
    eventually(lambda: _events(beacon, kind) >= count)


def _about(minutes: int) -> str:
    """A span of ``minutes`` plus the few real seconds the test itself takes."""
    return rf"{minutes}m(\d{{1,2}}s)?"


def _script(beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock) -> str:
    """P2 at 12:00 (Tier 1 Acme: updates every 15 minutes); manager acks at 12:04; updates at
    12:10 (on time), 12:30 (late: due 12:25), 12:40 monitoring (on time); resolved at 12:50."""
    channel = declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    approve(beacon, slack, channel, "Initial customer notice")
    clock.advance(timedelta(minutes=4))
    beacon.command("ack", user="U0IDMGR", channel=channel.id)
    _then(beacon, "acknowledged", 1)
    clock.advance(timedelta(minutes=6))
    beacon.command("update Keys rotated status: identified", user="U0IC", channel=channel.id)
    _then(beacon, "update", 1)
    clock.advance(timedelta(minutes=20))
    beacon.command("update Still rotating", user="U0IC", channel=channel.id)
    _then(beacon, "update", 2)
    clock.advance(timedelta(minutes=10))
    beacon.command("update Fix deployed status: monitoring", user="U0IC", channel=channel.id)
    _then(beacon, "update", 3)
    clock.advance(timedelta(minutes=10))
    beacon.command("resolve fix: rolled back the key rotation", user="U0IC", channel=channel.id)
    _then(beacon, "resolved", 1)
    return str(channel.id)


def test_review_stats_and_metrics_agree(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock
) -> None:
    channel = _script(beacon, slack, clock)
    beacon.command("review", user="U0IC", channel=channel)
    shared = eventually(
        lambda: [m for m in slack.messages(channel) if m.files and "review" in str(m.text)]
    )
    (info,) = shared[-1].files
    upload = slack.files[info["id"]]
    assert upload.completed and channel in upload.channels
    text = (upload.content or b"").decode()
    assert text.startswith("# INC-1 · Sign-in errors — post-incident review")
    assert re.search(rf"\| Time to acknowledge \| 15m \| {_about(4)} \| ✅ met \|", text)
    assert re.search(rf"\| Time to first update \| 15m \| {_about(10)} \| ✅ met \|", text)
    assert "| Update punctuality | every 15m | 2/3 on time | ❌ missed |" in text
    assert re.search(rf"\| Time to mitigate \| — \| {_about(40)} \|", text)
    assert re.search(rf"\| Time to resolve \| — \| {_about(50)} \|", text)
    assert "**Acme Corp**: checklist 0/3" in text and "**Globex**: checklist 0/3" in text
    assert "Initial notice" in text and "**Fix:** rolled back the key rotation" in text
    assert "## Root cause" in text and "## Action items" in text
    assert f"@{'U0IDMGR'}" in text
    assert "<@" not in text and "| @U0IDMGR | @U0IDMGR acknowledged" in text  # one way to name

    assert beacon.beacon.reviews.review(1).startswith("# INC-1")

    beacon.command("stats 7d", user="U0LEAD")
    stats = eventually(
        lambda: [r for r in slack.responses if "Response targets, last 7d" in r["text"]]
    )[-1]["text"]
    assert "*P2*: 1 incident(s) · ack met 1/1 (100%) · first update met 1/1 (100%)" in stats
    assert "updates on time 2/3 (67%)" in stats
    assert "*Tier 1*: 1 incident(s)" in stats and "*Tier 2*: 1 incident(s)" in stats

    metrics = beacon.http.get("/metrics").text
    tta = float(
        re.search(r'beacon_time_to_acknowledge_seconds_sum\{severity="P2"\} (\S+)', metrics)[1]  # type: ignore[index]
    )
    assert 240 <= tta < 300
    assert 'beacon_time_to_acknowledge_seconds_bucket{le="300.0",severity="P2"} 1.0' in metrics
    assert (
        'beacon_response_targets{group="P2",outcome="met",target="update_on_time"} 2.0' in metrics
    )
    assert (
        'beacon_response_targets{group="P2",outcome="missed",target="update_on_time"} 1.0'
        in metrics
    )
    assert "beacon_updates_overdue 0.0" in metrics


def test_customer_review_summary_goes_through_approval(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    channel = declare(beacon, slack, "declare P3 Sign-in errors services: auth")
    beacon.command("review customer", user="U0IC", channel=channel.id)
    eventually(lambda: [r for r in slack.responses if "not resolved yet" in r["text"]])
    beacon.command("resolve fix: restarted the token service", user="U0IC", channel=channel.id)
    _then(beacon, "resolved", 1)
    beacon.command("review customer", user="U0IC", channel=channel.id)
    approve(beacon, slack, channel, "Customer review summary")
    assert _events(beacon, "approved") == 1


def test_an_incident_inside_its_ack_window_is_pending_not_missed(
    beacon: RunningBeacon, slack: FakeSlack, clock: FakeClock
) -> None:
    """Declared a minute ago, nobody has acknowledged yet: no target is missed, none met."""
    declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    clock.advance(timedelta(minutes=1))
    beacon.command("stats 7d", user="U0LEAD")
    stats = eventually(
        lambda: [r for r in slack.responses if "Response targets, last 7d" in r["text"]]
    )[-1]["text"]
    assert "*P2*: 1 incident(s) · ack met —, 1 pending · first update met —, 1 pending" in stats
    assert "updates on time —, 1 pending" in stats

    metrics = beacon.http.get("/metrics").text
    for target in ("acknowledge", "first_update", "update_on_time"):
        assert (
            f'beacon_response_targets{{group="P2",outcome="missed",target="{target}"}} 0.0'
            in metrics
        )
        assert (
            f'beacon_response_targets{{group="P2",outcome="pending",target="{target}"}} 1.0'
            in metrics
        )
    open_home(beacon, "U0LEAD", "Ev0PENDING")
    eventually(lambda: "ack in time — (1 pending)" in home_text(slack, "U0LEAD"))

    clock.advance(timedelta(minutes=15))  # past the 15-minute ack and update targets
    metrics = beacon.http.get("/metrics").text
    assert (
        'beacon_response_targets{group="P2",outcome="missed",target="acknowledge"} 1.0' in metrics
    )
    assert (
        'beacon_response_targets{group="P2",outcome="pending",target="acknowledge"} 0.0' in metrics
    )
