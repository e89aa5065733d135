"""`/incident mitigate` parsing and when the IC is reminded before a mitigation lapses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import UsageError
from app.domain.mitigations import MitigationRequest, parse_mitigate, reminder_at


def test_action_and_reason() -> None:
    assert parse_mitigate("roll back payments to 4511 reason: 4512 broke EU cards") == (
        MitigationRequest("roll back payments to 4511", "4512 broke EU cards")
    )
    assert parse_mitigate("drain eu-west Reason:") == MitigationRequest("drain eu-west")
    assert parse_mitigate("cap retries <5 & wait").action == "cap retries <5 & wait"  # plain


@pytest.mark.parametrize("text", ["", "   ", "reason: because", "x" * 501])
def test_nothing_to_authorise_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError) as raised:
        parse_mitigate(text)
    assert raised.value.usage and "/incident mitigate" in raised.value.usage


def test_reminder_comes_remind_before_the_lapse_but_never_in_the_first_half() -> None:
    lapse = datetime(2026, 12, 1, 12, 30, tzinfo=UTC)
    minutes = timedelta(minutes=1)
    assert reminder_at(lapse, 30 * minutes, 5 * minutes) == lapse - 5 * minutes
    assert reminder_at(lapse, 4 * minutes, 5 * minutes) == lapse - 2 * minutes
