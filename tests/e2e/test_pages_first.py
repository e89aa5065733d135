"""Pages first, whatever else fails: Slack outages and 5xx after apply, a locked database, a
channel Slack refuses to create, App Home storms and a storm of declarations; every page DM,
announcement and brief exactly once."""

from __future__ import annotations

import re
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import func, select

from app.store.models import HomeViewer, OutboxItem, Page
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

TITLE = "Checkout failing"
CHANNEL = "inc-1-checkout-failing"


def _pages(beacon: RunningBeacon) -> list[Page]:
    with beacon.beacon.uow.read() as session:
        return list(session.scalars(select(Page).order_by(Page.id)))


def _dm_counts(slack: FakeSlack, users: list[str]) -> dict[str, int]:
    """Page DMs each user received (messages from Beacon in their DM)."""
    counts = {}
    for user in users:
        channel = slack.ims.get(user)
        counts[user] = len(slack.messages(channel.id)) if channel else 0
    return counts


def _all_paged_once(beacon: RunningBeacon, slack: FakeSlack, minimum: int = 1) -> bool:
    users = [page.user_id or page.person for page in _pages(beacon)]
    counts = _dm_counts(slack, users)
    return len(users) >= minimum and all(count == 1 for count in counts.values())


def _each_page_once(beacon: RunningBeacon, slack: FakeSlack) -> bool:
    """As many DMs as pages for each person (one person may be paged by several incidents)."""
    paged = Counter(page.user_id or page.person for page in _pages(beacon))
    return _dm_counts(slack, list(paged)) == dict(paged)


def _briefs(slack: FakeSlack, name: str = CHANNEL) -> list[Any]:
    channel = slack.channel_by_name(name)
    if channel is None:
        return []
    return [m for m in slack.messages(channel.id) if "INC-1 ·" in str(m.blocks)]


def _opened_once(slack: FakeSlack) -> bool:
    return len(_briefs(slack)) == 1 and len(slack.messages("incidents")) == 1


def _declare_sev1(beacon: RunningBeacon) -> None:
    response = beacon.command(f"declare P1 {TITLE} services: checkout", user="U0RESP1")
    assert response.status_code == 200


def test_six_second_503_window_on_posts_loses_and_doubles_nothing(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    slack.faults.outage("chat.postMessage", 6, status=503)
    _declare_sev1(beacon)
    eventually(lambda: _all_paged_once(beacon, slack, minimum=3), timeout=60)
    eventually(lambda: _opened_once(slack), timeout=60)
    assert any(call.status == 503 for call in slack.calls_to("chat.postMessage"))
    assert _all_paged_once(beacon, slack) and _opened_once(slack)


def test_posts_applied_but_answered_5xx_arrive_once(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    slack.faults.fail_after_apply("chat.postMessage", status=503, count=None, ratio=1.0)
    _declare_sev1(beacon)
    eventually(lambda: _all_paged_once(beacon, slack, minimum=3), timeout=60)
    eventually(lambda: _opened_once(slack), timeout=60)
    # every post Slack applied was answered 503, and none was re-sent by the client itself
    applied = [c for c in slack.calls_to("chat.postMessage") if c.status == 503]
    assert len(applied) >= 5
    slack.faults.clear()
    assert _all_paged_once(beacon, slack) and _opened_once(slack)


def test_channel_refused_pages_still_go_and_people_are_told(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    with slack.fail_while("conversations.create", status=200, error="restricted_action"):
        _declare_sev1(beacon)
        eventually(lambda: _all_paged_once(beacon, slack, minimum=3), timeout=30)
        told = eventually(lambda: slack.messages("incidents"), timeout=30)
    assert "restricted_action" in told[0].text and "INC-1" in told[0].text
    declarer_dm = slack.ims["U0RESP1"]
    assert any("restricted_action" in m.text for m in slack.messages(declarer_dm.id))
    assert slack.channel_by_name(CHANNEL) is None
    # the DMs say the channel is being created; nothing was posted into a channel
    assert len(slack.messages("incidents")) == 1


def test_private_incident_channel_refused_is_not_announced(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    with slack.fail_while("conversations.create", status=200, error="restricted_action"):
        beacon.command("declare private P1 Credential leak services: auth", user="U0RESP1")
        eventually(lambda: slack.ims.get("U0RESP1") and slack.messages("U0RESP1"), timeout=30)
        eventually(lambda: _all_paged_once(beacon, slack, minimum=2), timeout=30)
    assert slack.messages("incidents") == []


def test_page_sent_before_its_channel_links_it_once_it_exists(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    slack.fail_next("conversations.create", status=503, count=3)  # the channel comes late
    _declare_sev1(beacon)
    eventually(lambda: _all_paged_once(beacon, slack, minimum=3), timeout=30)
    channel = eventually(lambda: slack.channel_by_name(CHANNEL), timeout=30)
    users = [page.user_id or page.person for page in _pages(beacon)]

    def linked() -> bool:
        return all(f"<#{channel.id}>" in str(slack.messages(user)[0].blocks) for user in users)

    eventually(linked, timeout=30)
    assert _all_paged_once(beacon, slack)


@contextmanager
def _locked(database_url: str) -> Iterator[None]:
    """Another connection holds the database (SQLite) or the outbox table (PostgreSQL)."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    url = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as locker:
        locker.execute("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
        yield
        locker.rollback()


def _health(beacon: RunningBeacon) -> int:
    return beacon.http.get("/healthz").status_code


def test_database_locked_past_its_timeout_then_released(
    database_url: str, slack: FakeSlack
) -> None:
    with RunningBeacon(
        database_url=database_url,
        slack=slack,
        config_dir=FIXTURE_CONFIG,
        database_lock_timeout=1.0,
    ) as beacon:
        assert _health(beacon) == 200
        _declare_sev1(beacon)
        eventually(lambda: _pages(beacon))  # stored before the lock
        with _locked(database_url):
            eventually(lambda: not beacon.beacon.dispatcher.healthy, timeout=15)
            assert _health(beacon) == 503
        eventually(lambda: _health(beacon) == 200, timeout=30)
        eventually(lambda: _all_paged_once(beacon, slack, minimum=3), timeout=60)
        eventually(lambda: _opened_once(slack), timeout=60)


def _seed_viewers(beacon: RunningBeacon, count: int) -> list[str]:
    users = [f"U0VIEW{n:04d}" for n in range(count)]
    with beacon.beacon.uow() as session:
        now = datetime.now(UTC)
        session.add_all(HomeViewer(user_id=user, opened_at=now) for user in users)
        session.commit()
    return users


def _publish_items(beacon: RunningBeacon) -> int:
    with beacon.beacon.uow.read() as session:
        count = select(func.count()).where(OutboxItem.kind == "publish_home")
        return int(session.scalar(count) or 0)


def test_home_storm_never_delays_pages(beacon: RunningBeacon, slack: FakeSlack) -> None:
    viewers = _seed_viewers(beacon, 1000)
    slack.faults.outage("views.publish", 600, status=429, retry_after=20)
    _declare_sev1(beacon)
    eventually(lambda: _all_paged_once(beacon, slack, minimum=3), timeout=30)
    first = len(_pages(beacon))
    beacon.command("declare P1 Search down services: search", user="U0RESP1")
    eventually(lambda: len(_pages(beacon)) > first and _each_page_once(beacon, slack), timeout=30)
    # Home publishes run in a lane of their own: a handful in flight, whatever Slack says
    assert len(slack.calls_to("views.publish")) <= 4 * 3
    # one waiting publish per viewer (and paged person), not one per viewer and change; again
    # only for the four in flight when the second incident came
    paged = {page.person for page in _pages(beacon)}
    assert _publish_items(beacon) <= len(viewers) + len(paged) + 4


def _page_severities(slack: FakeSlack) -> list[str]:
    """The severity of every page DM Slack accepted, in the order it accepted them."""
    ims = {channel.id for channel in slack.ims.values()}
    sent = [
        str(call.args.get("text", ""))
        for call in slack.calls_to("chat.postMessage")
        if call.ok and call.response.get("channel") in ims
    ]
    return [match.group(1) for text in sent if (match := PAGED.search(text))]


PAGED = re.compile(r"^You are paged for INC-\d+ · (P\d) ·")
SEVERITIES = ("P3", "P1", "P2")


def test_storm_of_declarations_pages_most_severe_first_once(
    database_url: str, slack: FakeSlack
) -> None:
    """24 declarations stored while no dispatcher runs (the backlog of a storm), then a worker
    delivering one page at a time: every P1 page before any P2 page before any P3 page, each
    exactly once; every channel created without a single 429 from conversations.create (Tier 2:
    20 at once, then one every 3 s)."""
    count = 24
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG, worker=False
    ) as web:
        for n in range(count):
            severity = SEVERITIES[n % 3]
            web.command(f"declare {severity} Storm {n} services: checkout", user="U0RESP1")
        eventually(lambda: len({page.incident_id for page in _pages(web)}) == count)
        pages = _pages(web)
    assert _page_severities(slack) == []
    worker = RunningBeacon(database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG)
    worker.beacon.dispatcher.concurrency = 1  # one page at a time: the order is the claim order
    with worker:
        eventually(lambda: len(_page_severities(slack)) >= len(pages), timeout=90)
        eventually(lambda: len(slack.calls_to("conversations.create")) >= count, timeout=90)
        sent = _page_severities(slack)
        assert len(sent) == len(pages)  # none lost, none doubled
        assert sent == sorted(sent) and {"P1", "P2"} <= set(sent)
        paged = Counter(page.user_id or page.person for page in _pages(worker))
        assert _each_page_once(worker, slack)
        # each DM channel opened once and remembered, not once per page
        assert len(slack.calls_to("conversations.open")) == len(paged)
    created = slack.calls_to("conversations.create")
    assert [(c.status, c.error) for c in created if not c.ok] == []
    assert len(created) == count
