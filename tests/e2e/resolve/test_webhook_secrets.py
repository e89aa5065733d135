"""A webhook whose URL carries a token: the token is never shown in the incident channel, logged
or stored, and the receiver gets only customer-facing words (SPEC 6)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.store.models import OutboxItem
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.e2e.resolve.support import SECRET, approve, declare
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhook import FakeWebhookReceiver
from tests.support.harness import FakeClock, RunningBeacon, eventually

TOKEN = "tok-5ecr3t-4f9a"
INTERNAL_TITLE = "Sign-in errors"


@pytest.fixture
def beacon(
    database_url: str,
    slack: FakeSlack,
    receiver: FakeWebhookReceiver,
    clock: FakeClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RunningBeacon]:
    for source in FIXTURE_CONFIG.iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    url = f"{receiver.url}/{TOKEN}?token={TOKEN}"
    with (tmp_path / "policy.yaml").open("a") as policy:
        policy.write(f'webhooks:\n  - {{url: "{url}", secret_env: TEST_WEBHOOK_SECRET}}\n')
    monkeypatch.setenv("TEST_WEBHOOK_SECRET", SECRET)
    with RunningBeacon(
        database_url=database_url, slack=slack, config_dir=tmp_path, clock=clock
    ) as app:
        yield app


def _update(beacon: RunningBeacon, channel: str) -> None:
    beacon.command(
        "update Logins fail status: identified cause: the signing key of auth-tokens expired",
        user="U0IC",
        channel=channel,
    )


def test_a_failing_webhook_is_reported_without_its_token(
    beacon: RunningBeacon,
    slack: FakeSlack,
    receiver: FakeWebhookReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    receiver.fail_next, receiver.fail_status = 100, 410
    channel = declare(beacon, slack, f"declare P3 {INTERNAL_TITLE} services: auth")
    _update(beacon, channel.id)
    approve(beacon, slack, channel, "Logins fail")
    notice = eventually(
        lambda: [
            m.text for m in slack.messages(channel.id) if "could not deliver `webhook`" in m.text
        ]
    )[0]
    assert "HTTP 410" in notice
    assert "http://127.0.0.1" in notice  # which receiver, so someone can act on it
    assert TOKEN not in notice
    assert TOKEN not in caplog.text
    with beacon.beacon.uow() as session:
        errors = session.scalars(select(OutboxItem.last_error).where(OutboxItem.kind == "webhook"))
        stored = [error for error in errors if error]
    assert stored
    assert not [error for error in stored if TOKEN in error]


def test_the_webhook_carries_the_customer_facing_title(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    channel = declare(beacon, slack, f"declare P3 {INTERNAL_TITLE} services: auth")
    _update(beacon, channel.id)
    approve(beacon, slack, channel, "Logins fail")
    delivery = eventually(
        lambda: [d for d in receiver.received if d.json["kind"] == "update"], timeout=15
    )[0]
    assert receiver.verify(delivery, SECRET)
    assert delivery.json["title"].startswith("Service disruption")
    assert INTERNAL_TITLE not in delivery.json["title"]
    assert "signing key" not in delivery.body.decode()  # the cause is for responders
