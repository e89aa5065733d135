"""One ``Retry-After`` parser for Slack, PagerDuty and webhooks: a service that asks us to wait
is waited for, and a header nobody can read never stops a retry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.outbox.failures import DeliveryFailure, parse_retry_after
from app.outbox.jobs import backoff
from app.paging.pagerduty import PagerFailure
from app.publishing.smtp import EmailFailure
from app.slack.gateway import SlackFailure
from app.webhooks.sender import WebhookFailure

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("12", 12.0), (" 7 ", 7.0), ("2.5", 2.5), ("-3", 0.0), ("0", 0.0)],
)
def test_delta_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header) == seconds


def test_http_date_is_the_wait_until_then() -> None:
    later = format_datetime(NOW + timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=NOW) == 30.0
    earlier = format_datetime(NOW - timedelta(minutes=5), usegmt=True)
    assert parse_retry_after(earlier, now=NOW) == 0.0


def test_http_date_against_the_real_clock() -> None:
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    seconds = parse_retry_after(later)
    assert seconds is not None and 25 <= seconds <= 30


@pytest.mark.parametrize("header", [None, "", "soon", "nan", "inf", "Mon, 99 Foo"])
def test_unusable_headers_say_nothing(header: str | None) -> None:
    assert parse_retry_after(header) is None


def test_every_delivery_failure_is_one_type() -> None:
    """The dispatcher handles one type: each service's failure carries the same three facts."""
    for failure in (
        PagerFailure("http_429", True, 3.0),
        WebhookFailure("webhook https://example.com/hook: HTTP 429", True, 3.0),
        EmailFailure("smtp://mail:587 answered 421", True, 3.0),
        SlackFailure("chat.postMessage", "ratelimited", True, 3.0, rate_limited=True),
    ):
        assert isinstance(failure, DeliveryFailure)
        assert (failure.transient, failure.retry_after) == (True, 3.0)
    assert str(SlackFailure("chat.postMessage", "channel_not_found", False)) == (
        "chat.postMessage: channel_not_found"
    )
    assert not PagerFailure("x", True).rate_limited


def test_backoff_honours_retry_after_but_never_waits_less() -> None:
    assert backoff(1, None) == timedelta(seconds=1)
    assert backoff(3, None) == timedelta(seconds=4)
    assert backoff(1, 30.0) == timedelta(seconds=30)
    assert backoff(5, 2.0) == timedelta(seconds=16)
    assert backoff(40, None) == timedelta(minutes=5)
