"""The fake's tier limits, outage windows and failures after apply behave as Slack's do."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import partial

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from app.sandbox.rate_limits import RateLimits, per_minute
from tests.fakes.slack_api import FakeSlack
from tests.fakes.test_fake_slack import joined


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """Beacon in the seeded channels, as after joining them at start (app/slack/channels.py)."""
    with FakeSlack() as server:
        yield joined(server)


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token="xoxb-test")


def status_of(call: Callable[[], object]) -> int:
    try:
        call()
    except SlackApiError as error:
        return int(error.response.status_code)
    return 200


def test_tiers_follow_slack() -> None:
    assert per_minute("conversations.create") == 20  # Tier 2
    assert per_minute("chat.update") == 50  # Tier 3
    assert per_minute("views.publish") == 100  # Tier 4
    assert per_minute("some.unlisted") == 20  # "most methods allow at least 20 per minute"


def test_conversations_create_gets_a_minute_of_tier_2_then_429(
    fake: FakeSlack, client: WebClient
) -> None:
    statuses = [status_of(partial(client.conversations_create, name=f"c-{n}")) for n in range(21)]
    assert statuses == [200] * 20 + [429]
    refused = fake.calls_to("conversations.create")[-1]
    assert refused.error == "ratelimited"
    assert fake.channel_by_name("c-20") is None
    # another method has its own budget
    assert status_of(lambda: client.conversations_setTopic(channel="C0INCIDENTS", topic="x")) == 200


def test_retry_after_is_the_wait_for_the_next_token(client: WebClient) -> None:
    for n in range(20):
        client.conversations_create(name=f"r-{n}")
    with pytest.raises(SlackApiError) as refused:
        client.conversations_create(name="r-20")
    assert refused.value.response.headers["Retry-After"] == "3"  # 60 s / 20


class ManualClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_scaled_limits_refill_faster() -> None:
    clock = ManualClock()
    with FakeSlack(rate_limits=RateLimits(scale=60.0, clock=clock)) as fake:
        client = WebClient(base_url=fake.url, token="xoxb-test")
        for n in range(20):
            client.conversations_create(name=f"s-{n}")
        assert status_of(lambda: client.conversations_create(name="s-20")) == 429
        clock.now += 0.05  # Tier 2 at 60x: 20 a second
        assert status_of(lambda: client.conversations_create(name="s-21")) == 200
        assert status_of(lambda: client.conversations_create(name="s-22")) == 429


def test_posting_bursts_three_per_channel(fake: FakeSlack, client: WebClient) -> None:
    statuses = [status_of(lambda: client.chat_postMessage(channel="incidents", text="x"))]
    statuses += [status_of(lambda: client.chat_postMessage(channel="incidents", text="x"))]
    statuses += [status_of(lambda: client.chat_postMessage(channel="incidents", text="x"))]
    statuses += [status_of(lambda: client.chat_postMessage(channel="incidents", text="x"))]
    assert statuses == [200, 200, 200, 429]
    assert len(fake.messages("incidents")) == 3


def test_outage_fails_every_call_for_its_window(fake: FakeSlack, client: WebClient) -> None:
    fake.faults.outage("chat.postMessage", 0.5, status=503)
    assert status_of(lambda: client.chat_postMessage(channel="incidents", text="x")) == 503
    assert status_of(lambda: client.conversations_create(name="other-method")) == 200
    assert fake.messages("incidents") == []
    time.sleep(0.6)
    assert status_of(lambda: client.chat_postMessage(channel="incidents", text="x")) == 200
    with pytest.raises(ValueError):
        fake.faults.outage("chat.postMesage", 1)


def test_failure_after_apply_stores_the_post(fake: FakeSlack, client: WebClient) -> None:
    fake.faults.fail_after_apply("chat.postMessage", status=500, count=1)
    with pytest.raises(SlackApiError) as failed:
        client.chat_postMessage(channel="incidents", text="applied")
    assert failed.value.response.status_code == 500
    assert [m.text for m in fake.messages("incidents")] == ["applied"]
    client.chat_postMessage(channel="incidents", text="next")
    assert [m.text for m in fake.messages("incidents")] == ["applied", "next"]
