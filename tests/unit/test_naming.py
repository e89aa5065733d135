from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from app.domain.naming import MAX_CHANNEL_NAME, channel_name, slugify

SLACK_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def test_channel_name_from_title() -> None:
    assert channel_name("inc", 42, "Checkout failing for EU cards!") == (
        "inc-42-checkout-failing-for-eu-cards"
    )


def test_accents_and_symbols_are_folded() -> None:
    assert slugify("Zahlungen verzögert — SEPA & Überweisung") == (
        "zahlungen-verzogert-sepa-uberweisung"
    )


def test_long_titles_are_cut_on_a_word_and_keep_room_for_a_suffix() -> None:
    title = "payments " * 20
    name = channel_name("inc", 123456, title, suffix=19)
    assert len(name) <= MAX_CHANNEL_NAME
    assert name.endswith("-payments-19")


def test_title_without_letters_still_names_a_channel() -> None:
    assert channel_name("inc", 7, "🔥🔥🔥") == "inc-7"


@given(
    prefix=st.text(min_size=0, max_size=30),
    number=st.integers(min_value=1, max_value=10**9),
    title=st.text(max_size=300),
    suffix=st.one_of(st.none(), st.integers(min_value=2, max_value=20)),
)
def test_every_name_follows_slack_rules(
    prefix: str, number: int, title: str, suffix: int | None
) -> None:
    assert SLACK_NAME.match(channel_name(prefix, number, title, suffix=suffix))
