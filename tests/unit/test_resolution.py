"""Pure rules of resolving: the resolve segments, the reopen window, and Block Kit limits of the
checklist and App Home."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.briefs.home import HomeIncident, HomePage, HomeView
from app.briefs.view import ChecklistLine, ChecklistView
from app.domain.errors import UsageError
from app.domain.resolution import CHECKLIST, check_reopen, parse_resolve, reopen_status
from app.reviews.metrics import aggregate
from app.slack import blocks

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def test_parse_resolve_segments() -> None:
    given = parse_resolve(
        "fix: rolled back 4512 residual_risk: keys rotate monday customer_steps: sign in again"
    )
    assert given.fix == "rolled back 4512" and given.complete
    assert given.residual_risk == "keys rotate monday"
    assert given.customer_steps == "sign in again"
    assert parse_resolve("rolled back").fix == "rolled back"
    assert not parse_resolve("").complete
    assert not parse_resolve("residual_risk: none").complete
    with pytest.raises(UsageError, match="Did you mean `fix:`"):
        parse_resolve("fixx: typo")
    with pytest.raises(UsageError, match="empty"):
        parse_resolve("fix: customer_steps: x")


def test_reopen_window() -> None:
    check_reopen("INC-1", "resolved", NOW, NOW + timedelta(hours=23, minutes=59))
    with pytest.raises(UsageError, match="more than 24 hours"):
        check_reopen("INC-1", "resolved", NOW, NOW + timedelta(hours=24, seconds=1))
    with pytest.raises(UsageError, match="not resolved"):
        check_reopen("INC-1", "monitoring", None, NOW)
    assert reopen_status("") == "monitoring"
    assert reopen_status("Investigating") == "investigating"
    with pytest.raises(UsageError):
        reopen_status("identified")


def test_checklist_blocks_show_who_and_when() -> None:
    lines = tuple(
        ChecklistLine(item, label, "U0CS1" if item == "restoration" else None, NOW)
        for item, label in CHECKLIST
    )
    text, body = blocks.checklist(ChecklistView("INC-1", 7, "Acme Corp", lines))
    rendered = str([b.to_dict() for b in body])
    assert "1/3 done" in text
    assert "<@U0CS1>, 12:00 UTC 2026-12-01" in rendered
    assert rendered.count("beacon.checklist.tick") == 2 and "7:data_integrity" in rendered


def test_app_home_stays_within_100_blocks() -> None:
    incidents = tuple(
        HomeIncident(f"INC-{n}", "t" * 300, "P1", "investigating", "U0IC", NOW, "C1", False)
        for n in range(80)
    )
    pages = tuple(HomePage(n, f"INC-{n}", "t", "P1", ("on-call",), NOW) for n in range(60))
    total = aggregate("All", [])
    view = blocks.app_home(HomeView("U0IC", NOW, incidents, pages, ("Acme",), total, (), ()))
    rendered = view.to_dict()
    assert len(rendered["blocks"]) <= 100
    assert "…and 55 more" in str(rendered)
