"""Requests Slack did not sign, or signed too long ago, are refused before any handler runs."""

from __future__ import annotations

import json
import time

from tests.fakes.signing import slash_command_body
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def _body(slack: FakeSlack) -> bytes:
    return slash_command_body(
        "declare P2 Checkout down",
        user_id="U0RESP1",
        channel_id="C0GENERAL",
        response_url=slack.response_url("x"),
        trigger_id="1.2.3",
    )


def test_bad_signature_is_refused(beacon: RunningBeacon, slack: FakeSlack) -> None:
    body = _body(slack)
    response = beacon.http.post(
        "/slack/events",
        content=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    assert response.status_code == 401
    assert slack.calls_to("conversations.create") == []


def test_stale_timestamp_is_refused(beacon: RunningBeacon, slack: FakeSlack) -> None:
    stale = int(time.time()) - 10 * 60
    response = beacon.post_signed(
        _body(slack), "application/x-www-form-urlencoded", timestamp=stale
    )
    assert response.status_code == 401


def test_health_checks_the_database(beacon: RunningBeacon) -> None:
    response = beacon.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "ok"}


def test_metrics_are_prometheus_text(beacon: RunningBeacon) -> None:
    beacon.command("declare P3 Search is slow services: search")

    def scraped() -> str:
        response = beacon.http.get("/metrics")
        assert response.status_code == 200
        return response.text if 'beacon_open_incidents{severity="P3"} 1.0' in response.text else ""

    text = eventually(scraped)
    assert "beacon_outbox_backlog" in text
    assert 'beacon_open_incidents{severity="P1"} 0.0' in text


def test_the_request_url_check_gets_its_challenge_back(beacon: RunningBeacon) -> None:
    """What Slack sends when an admin saves Beacon's Request URL in the app's settings: the URL
    is accepted only if the challenge comes back (https://api.slack.com/events/url_verification)."""
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps(
        {"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"}
    ).encode()
    response = beacon.post_signed(body, "application/json")
    assert response.status_code == 200
    assert response.json() == {"challenge": challenge}


def test_a_slash_command_ssl_check_is_answered(beacon: RunningBeacon, slack: FakeSlack) -> None:
    """Slack checks a slash command's certificate with ``ssl_check=1`` and expects a 200
    (https://api.slack.com/interactivity/slash-commands); nothing is declared."""
    response = beacon.post_signed(
        b"ssl_check=1&token=Jhj5dZrVaK7ZwHHjRyZWjbDl", "application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert slack.calls_to("conversations.create") == []
