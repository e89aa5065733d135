from __future__ import annotations

import pytest

from app.domain.commands import Command, parse_command
from app.domain.errors import UsageError
from app.domain.segments import split_segments


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Command("help", "")),
        ("declare SEV2 Checkout down", Command("declare", "SEV2 Checkout down")),
        ("DECLARE sev2 x", Command("declare", "sev2 x")),
        ("INC-42 update status: identified", Command("update", "status: identified", 42)),
        ("inc-7", Command("status", "", 7)),
    ],
)
def test_parse_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


def test_unknown_verb_suggests() -> None:
    with pytest.raises(UsageError, match="Did you mean `declare`"):
        parse_command("delcare SEV1 x")


def test_segments_keep_colons_in_free_text() -> None:
    free, values = split_segments(
        "Checkout failing: EU cards services: checkout, payments accounts: acme",
        ("services", "accounts"),
        usage="",
    )
    assert free == "Checkout failing: EU cards"
    assert values == {"services": "checkout, payments", "accounts": "acme"}


def test_segment_near_miss_is_an_error() -> None:
    with pytest.raises(UsageError, match="Did you mean `accounts:`"):
        split_segments("x account: acme", ("services", "accounts"), usage="")
