"""PagerDutyClient against a fake Events API v2 over real HTTP: what PagerDuty sees, and how
each way it can fail is classified for the outbox (transient: try again; permanent: report)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import pytest

from app.paging.pagerduty import (
    SUMMARY_LIMIT,
    PagerDutyClient,
    PagerFailure,
    pagerduty_severity,
)
from tests.fakes.pagerduty import FakePagerDuty

ROUTING_KEY = "R0UT1NGKEYR0UT1NGKEYR0UT1NGKEY12"


@pytest.fixture
def pagerduty() -> Iterator[FakePagerDuty]:
    with FakePagerDuty() as fake:
        yield fake


@pytest.fixture
async def client(pagerduty: FakePagerDuty) -> AsyncIterator[PagerDutyClient]:
    client = PagerDutyClient(ROUTING_KEY, url=pagerduty.url, timeout=2.0)
    try:
        yield client
    finally:
        await client.close()


async def trigger(client: PagerDutyClient, key: str = "incident-7:page-1", **kwargs: object) -> str:
    fields: dict[str, object] = {
        "summary": "INC-7 checkout down",
        "source": "beacon",
        "severity": "critical",
    }
    fields.update(kwargs)
    return await client.trigger(dedup_key=key, **fields)  # type: ignore[arg-type]


async def test_trigger_then_resolve(client: PagerDutyClient, pagerduty: FakePagerDuty) -> None:
    key = await client.trigger(
        dedup_key="incident-7:page-1",
        summary="INC-7 checkout down",
        source="beacon",
        severity="critical",
        links=[("https://slack.example/C07", "Incident channel")],
        details={"incident": "INC-7", "declared_at": datetime(2026, 12, 1, tzinfo=UTC)},
    )
    assert key == "incident-7:page-1"
    assert pagerduty.open_incidents() == {"incident-7:page-1"}
    [event] = pagerduty.events
    assert event["routing_key"] == ROUTING_KEY
    assert event["event_action"] == "trigger"
    assert event["payload"] == {
        "summary": "INC-7 checkout down",
        "source": "beacon",
        "severity": "critical",
        "custom_details": {"incident": "INC-7", "declared_at": "2026-12-01 00:00:00+00:00"},
    }
    assert event["links"] == [{"href": "https://slack.example/C07", "text": "Incident channel"}]

    assert await client.resolve(dedup_key=key) == key
    assert pagerduty.open_incidents() == set()
    assert pagerduty.status_of(key) == "resolved"
    assert [e["event_action"] for e in pagerduty.events_for(key)] == ["trigger", "resolve"]
    assert pagerduty.events[-1] == {
        "routing_key": ROUTING_KEY,
        "event_action": "resolve",
        "dedup_key": key,
    }


async def test_dedup_key_round_trips_and_deduplicates(
    client: PagerDutyClient, pagerduty: FakePagerDuty
) -> None:
    first = await trigger(client, "page:41:pagerduty")
    again = await trigger(client, "page:41:pagerduty", summary="INC-7 still down")
    other = await trigger(client, "page:42:pagerduty")
    assert (first, again, other) == ("page:41:pagerduty", "page:41:pagerduty", "page:42:pagerduty")
    assert pagerduty.open_incidents() == {"page:41:pagerduty", "page:42:pagerduty"}
    await client.resolve(dedup_key="page:41:pagerduty")
    assert pagerduty.open_incidents() == {"page:42:pagerduty"}


async def test_resolving_an_unknown_key_is_accepted(
    client: PagerDutyClient, pagerduty: FakePagerDuty
) -> None:
    assert await client.resolve(dedup_key="never-triggered") == "never-triggered"
    assert pagerduty.open_incidents() == set()


async def test_invalid_event_is_permanent_with_pagerdutys_message(
    client: PagerDutyClient, pagerduty: FakePagerDuty
) -> None:
    with pytest.raises(PagerFailure) as caught:
        await trigger(client, severity="SEV1")
    failure = caught.value
    assert not failure.transient
    assert failure.retry_after is None
    assert failure.error.startswith("http_400: Event object is invalid")
    assert "'payload.severity' is invalid" in failure.error
    assert pagerduty.events == []
    assert pagerduty.open_incidents() == set()

    with pytest.raises(PagerFailure) as caught:
        await client.resolve(dedup_key="")
    assert not caught.value.transient
    assert "'dedup_key' is required to resolve" in caught.value.error


async def test_server_error_is_transient_and_nothing_is_recorded(
    client: PagerDutyClient, pagerduty: FakePagerDuty
) -> None:
    pagerduty.fail_next(status=500)
    with pytest.raises(PagerFailure) as caught:
        await trigger(client)
    assert caught.value.transient
    assert caught.value.retry_after is None
    assert caught.value.error.startswith("http_500")
    assert pagerduty.events == []
    assert await trigger(client) == "incident-7:page-1"  # the retry goes through
    assert pagerduty.open_incidents() == {"incident-7:page-1"}


@pytest.mark.parametrize(("status", "retry_after"), [(429, 7), (503, 2.5)])
async def test_rate_limit_and_unavailable_are_transient_with_retry_after(
    client: PagerDutyClient, pagerduty: FakePagerDuty, status: int, retry_after: float
) -> None:
    pagerduty.fail_next(status=status, count=2, retry_after=retry_after)
    for _ in range(2):
        with pytest.raises(PagerFailure) as caught:
            await client.resolve(dedup_key="k")
        assert caught.value.transient
        assert caught.value.retry_after == retry_after
        assert caught.value.error.startswith(f"http_{status}")
    assert await client.resolve(dedup_key="k") == "k"


async def test_429_without_retry_after(client: PagerDutyClient, pagerduty: FakePagerDuty) -> None:
    pagerduty.fail_next(status=429, retry_after=None)
    with pytest.raises(PagerFailure) as caught:
        await trigger(client)
    assert caught.value.transient
    assert caught.value.retry_after is None


async def test_connection_refused_is_transient_and_recovers(
    client: PagerDutyClient, pagerduty: FakePagerDuty
) -> None:
    await trigger(client, "before")  # leaves a pooled keep-alive connection behind
    with pagerduty.outage():
        assert not pagerduty.is_up
        for _ in range(2):  # the stale pooled connection, then a refused new one
            with pytest.raises(PagerFailure) as caught:
                await trigger(client, "during")
            assert caught.value.transient
            assert caught.value.error.startswith("connection")
    assert await trigger(client, "after") == "after"
    assert pagerduty.open_incidents() == {"before", "after"}


async def test_no_server_at_all_is_transient() -> None:
    with FakePagerDuty() as fake:
        url = fake.url
    client = PagerDutyClient(ROUTING_KEY, url=url)
    try:
        with pytest.raises(PagerFailure) as caught:
            await trigger(client)
    finally:
        await client.close()
    assert caught.value.transient


async def test_timeout_is_transient(pagerduty: FakePagerDuty) -> None:
    pagerduty.latency = 1.0
    client = PagerDutyClient(ROUTING_KEY, url=pagerduty.url, timeout=0.2)
    try:
        with pytest.raises(PagerFailure) as caught:
            await trigger(client)
    finally:
        await client.close()
    assert caught.value.transient
    assert caught.value.error == "timeout"


@pytest.mark.parametrize(
    ("rank", "expected"),
    [(0, "critical"), (1, "error"), (2, "warning"), (3, "info"), (4, "info"), (10, "info")],
)
def test_severity_mapping(rank: int, expected: str) -> None:
    assert pagerduty_severity(rank) == expected


def test_severity_rank_cannot_be_negative() -> None:
    with pytest.raises(ValueError):
        pagerduty_severity(-1)


async def test_long_summary_is_cut_to_pagerdutys_limit(
    client: PagerDutyClient, pagerduty: FakePagerDuty
) -> None:
    await trigger(client, summary="x" * 5000)
    summary = pagerduty.events[0]["payload"]["summary"]
    assert len(summary) == SUMMARY_LIMIT == 1024
    assert summary.endswith("…")
    await trigger(client, "exact", summary="y" * SUMMARY_LIMIT)
    assert pagerduty.events[1]["payload"]["summary"] == "y" * SUMMARY_LIMIT


async def test_routing_key_never_leaks(
    pagerduty: FakePagerDuty, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    client = PagerDutyClient(ROUTING_KEY, url=pagerduty.url, timeout=0.2)
    failures: list[PagerFailure] = []
    try:
        for status in (400, 429, 500):
            pagerduty.fail_next(status=status)
            with pytest.raises(PagerFailure) as caught:
                await trigger(client)
            failures.append(caught.value)
        with pagerduty.outage(), pytest.raises(PagerFailure) as caught:
            await trigger(client)
        failures.append(caught.value)
    finally:
        await client.close()
    assert ROUTING_KEY not in repr(client)
    assert all(ROUTING_KEY not in f"{f} {f!r}" for f in failures)
    assert caplog.records, "failures are logged"
    assert ROUTING_KEY not in caplog.text


def test_construction_makes_no_session() -> None:
    """Built at startup outside any event loop; the session comes with the first call."""
    client = PagerDutyClient(ROUTING_KEY)
    assert client._session is None
    assert client.url == "https://events.pagerduty.com/v2/enqueue"
    with pytest.raises(ValueError):
        PagerDutyClient("")


async def test_close_is_idempotent_and_the_client_reopens(
    client: PagerDutyClient, pagerduty: FakePagerDuty
) -> None:
    await client.close()  # before any call
    await trigger(client, "one")
    await client.close()
    await client.close()
    await trigger(client, "two")
    assert pagerduty.open_incidents() == {"one", "two"}
