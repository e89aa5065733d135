"""Outbox keys are stored: each function must keep producing the string the items already in a
database were enqueued under, or a repeated change would deliver twice and lookups by key (the
page DM an ack edits, the card a decision refreshes) would find nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.bootstrap import build
from app.outbox import keys
from app.outbox.jobs import merged
from app.outbox.kinds import FAILURE_NOTICES, LANES, REFRESHES, URGENT_KINDS, Kind
from app.settings import Settings
from tests.support.harness import CONFIG_DIR


def test_incident_keys() -> None:
    assert keys.create_channel(7) == "incident:7:create_channel"
    assert keys.opening(7, Kind.POST_BRIEF) == "incident:7:post_brief"
    assert keys.notice(7, "assign:3") == "incident:7:notice:assign:3"
    assert keys.refresh(7, Kind.SET_TOPIC, "event:9") == "incident:7:set_topic:event:9"
    assert keys.invite(7, 9) == "incident:7:invite:9"
    assert keys.invite_paged(7, 11) == "incident:7:invite:pages:11"
    assert keys.fyi(7, "a@example.com") == "incident:7:fyi:a@example.com"
    assert keys.review(7, 9) == "incident:7:review:9"
    assert keys.timeline_pin(7, "1700000000.000100") == "incident:7:pin:1700000000.000100"


def test_page_keys() -> None:
    assert keys.page_dm(5) == "page:5:dm"
    assert keys.page_link(5) == "page:5:link"
    assert keys.page_acked(5) == "page:5:acked"
    assert keys.pagerduty_trigger(5) == "page:5:pagerduty"
    assert keys.pagerduty_resolve(5) == "page:5:pagerduty:resolve"


def test_update_and_thread_keys() -> None:
    assert keys.update_card(4) == "update:4:card"
    assert keys.update_card(4, "approved") == "update:4:card:approved"
    assert keys.update_card(4, "edited:2") == "update:4:card:edited:2"
    assert keys.internal_brief(4) == "update:4:internal"
    assert keys.rejected_notice(4) == "update:4:rejected:notice"
    assert keys.webhook(4, 0) == "update:4:webhook:0"
    assert keys.email(4, "ab12") == "update:4:email:ab12"
    assert keys.thread_open(2) == "thread:2:open"
    assert keys.thread_refresh(2, "update:4") == "thread:2:refresh:update:4"
    assert keys.thread_reply(2, 4) == "thread:2:update:4"
    assert keys.checklist(2) == "thread:2:checklist"
    assert keys.checklist_tick(2, 8) == "thread:2:checklist:tick:8"


def test_mitigation_home_and_failure_keys() -> None:
    assert keys.mitigation_card(3) == "mitigation:3:card"
    assert keys.mitigation_card(3, "renewed:1") == "mitigation:3:renewed:1:card"
    assert keys.mitigation(3, "lapsed") == "mitigation:3:lapsed"
    assert keys.home("U1", "incident:7:declared") == "home:U1:incident:7:declared"
    assert keys.failed("incident:7:create_channel") == "incident:7:create_channel:failed"


def test_signal_card_keys() -> None:
    assert keys.signal_card(6, 0) == "signal-card:6:0"
    assert keys.signal_card(6, 3) == "signal-card:6:3"
    assert keys.signal_card_marker(6) == "signal-card:6"


def test_kinds_are_their_stored_strings() -> None:
    """A kind read back from the database is a plain string: it must equal, and hash like, the
    enum member the effect tables are keyed by."""
    stored: str = "page_dm"
    table: dict[str, int] = {Kind.PAGE_DM: 1}
    assert stored == Kind.PAGE_DM and f"{Kind.PAGE_DM}" == stored and str(Kind.PAGE_DM) == stored
    assert table[stored] == 1
    assert all(kind.value == kind.name.lower() for kind in Kind)


def test_scheduling_tables_name_only_kinds() -> None:
    laned = [kind for lane in LANES for kind in lane.kinds]
    assert len(laned) == len(set(laned)), "a kind in two lanes"
    assert {*URGENT_KINDS, *laned, *FAILURE_NOTICES, *FAILURE_NOTICES.values(), *REFRESHES} <= set(
        Kind
    )


def test_every_kind_has_exactly_one_effect(tmp_path: Path) -> None:
    """bootstrap merges the effects classes' tables: a kind nobody delivers would sit in the
    outbox until it failed for good; two classes claiming one kind fail the build."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'beacon.db'}",
        beacon_config_dir=CONFIG_DIR,
    )
    beacon = build(settings)
    try:
        assert set(beacon.dispatcher.effects) == set(Kind)
    finally:
        beacon.engine.dispose()
    effect = beacon.dispatcher.effects[Kind.POST_NOTICE]
    with pytest.raises(ValueError, match="post_notice"):
        merged({Kind.POST_NOTICE: effect}, {Kind.POST_NOTICE: effect})
