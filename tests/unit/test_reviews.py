"""The review, metrics and aggregation on a scripted incident with known times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.reviews.facts import AccountFact, EventFact, IncidentFacts, PageFact, TickFact, UpdateFact
from app.reviews.markdown import review_markdown, stats_text
from app.reviews.metrics import aggregate, by_severity, by_tier, measure, punctuality
from app.reviews.report import write_report

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def scripted(**changes: object) -> IncidentFacts:
    facts = IncidentFacts(
        ref="INC-7",
        title="Sign-in errors",
        severity="P2",
        severity_label="Major",
        private=False,
        status="resolved",
        summary="Logins failed for some users",
        declared_at=T0,
        declared_by="U0IC",
        commander="U0IC",
        resolved_at=at(50),
        ack_within=timedelta(minutes=15),
        update_every=timedelta(minutes=15),
        fix="rolled back the key rotation",
        residual_risk="keys rotate again next week",
        customer_steps="sign in again",
        events=(
            EventFact(T0, "U0IC", "declared", "Declared INC-7"),
            EventFact(at(4), "U0ID1", "acknowledged", "<@U0ID1> acknowledged"),
            EventFact(at(6), None, "escalated", "Escalated to level 1: no acknowledgement"),
            EventFact(at(10), "U0IC", "update", "first", {"status": "identified"}),
            EventFact(at(30), "U0IC", "update", "late one", {"status": "identified"}),
            EventFact(at(40), "U0IC", "update", "fix deployed", {"status": "monitoring"}),
            EventFact(at(50), "U0IC", "resolved", "Resolved | rolled back"),
        ),
        pages=(
            PageFact("U0CS1", T0, at(1), "U0CS1", False),
            PageFact("U0ID1", T0, at(4), "U0ID1", True),
            PageFact("U0IDMGR", at(6), None, None, True),
        ),
        updates=(
            UpdateFact("initial", T0, "approved", at(2), "U0IC", 2),
            UpdateFact("update", at(10), "rejected", at(11), "U0IC", 0),
            UpdateFact("resolution", at(50), "approved", at(52), "U0APPROVER", 2),
        ),
        accounts=(
            AccountFact(
                "acme",
                "Acme Corp",
                1,
                True,
                (
                    TickFact("restoration", "U0CS1", at(55)),
                    TickFact("data_integrity", "U0FAN", at(58)),
                ),
            ),
            AccountFact("initech", "Initech", 3, False),
        ),
    )
    return IncidentFacts(**{**facts.__dict__, **changes})


def test_metrics_of_the_scripted_incident() -> None:
    m = measure(scripted(), now=at(60))
    assert m.time_to_ack == timedelta(minutes=4) and m.ack_met is True
    assert m.time_to_first_update == timedelta(minutes=10) and m.first_update_met is True
    assert (m.updates_on_time, m.updates_due) == (2, 3) and m.punctuality == "missed"
    assert m.time_to_mitigate == timedelta(minutes=40)
    assert m.time_to_resolve == timedelta(minutes=50)
    assert m.escalations == 1 and m.customer_updates_sent == 2
    assert (m.checklist_done, m.checklist_total) == (2, 3)
    assert m.tiers == (1, 3)


def test_liaison_ack_does_not_count_and_no_ack_misses() -> None:
    m = measure(
        scripted(
            pages=(
                PageFact("U0CS1", T0, at(1), "U0CS1", False),
                PageFact("U0ID1", T0, None, None, True),
            )
        ),
        now=at(60),
    )
    assert m.time_to_ack is None and m.ack_met is False


def test_a_target_not_yet_due_is_pending_until_met_or_overdue() -> None:
    open_now = scripted(
        status="investigating",
        resolved_at=None,
        events=(EventFact(T0, "U0IC", "declared", "Declared INC-7"),),
        pages=(PageFact("U0ID1", T0, None, None, True),),
    )
    early = measure(open_now, now=at(5))
    assert (early.ack, early.first_update, early.punctuality) == ("pending", "pending", "pending")
    assert early.ack_met is None and early.updates_due == 0
    total = aggregate("All", [early])
    assert (total.ack_total, total.ack_pending, total.updates_pending) == (0, 1, 1)
    assert "ack met —, 1 pending" in stats_text("7d", total, [total], [])
    late = measure(open_now, now=at(16))
    assert (late.ack, late.first_update, late.punctuality) == ("missed", "missed", "missed")
    assert late.updates_due == 1


def test_punctuality_counts_a_due_time_passed_without_update() -> None:
    interval = timedelta(minutes=15)
    assert punctuality(T0, [], interval, at(10)) == (0, 0)
    assert punctuality(T0, [], interval, at(20)) == (0, 1)
    assert punctuality(T0, [at(14), at(28)], interval, at(60)) == (2, 3)
    assert punctuality(T0, [at(5)], None, at(60)) == (0, 0)


def test_review_markdown_carries_the_figures() -> None:
    facts = scripted()
    text = review_markdown(facts, measure(facts, now=at(60)))
    assert text.startswith("# INC-7 · Sign-in errors — post-incident review")
    assert "| Time to acknowledge | 15m | 4m | ✅ met |" in text
    assert "| Time to first update | 15m | 10m | ✅ met |" in text
    assert "| Update punctuality | every 15m | 2/3 on time | ❌ missed |" in text
    assert "| Time to mitigate | — | 40m | |" in text
    assert "| Time to first customer update | — | 2m | |" in text
    assert "| Time to resolve | — | 50m | |" in text
    assert "| Escalations | — | 1 | |" in text
    assert "| 2026-12-01 12:50:00 | @U0IC | Resolved \\| rolled back |" in text
    assert "### Tier 1" in text and "**Acme Corp**: checklist 2/3" in text
    assert "[x] Restoration confirmed with customer — @U0CS1, 2026-12-01 12:55:00 UTC" in text
    assert "[ ] Post-incident review shared" in text
    assert "**Initech**: no account thread" in text
    assert "| 2026-12-01 12:52:00 UTC | Resolution notice | @U0APPROVER | 2 |" in text
    assert "Rejected" not in text
    for section in ("## Root cause", "## What went well", "## Action items", "## Timeline"):
        assert section in text
    assert "**Fix:** rolled back the key rotation" in text


def test_aggregates_by_severity_and_tier(tmp_path: Path) -> None:
    late = measure(
        scripted(ref="INC-8", severity="P1", pages=(PageFact("U0ID1", T0, at(20), "U0ID1", True),)),
        now=at(60),
    )
    good = measure(scripted(), now=at(60))
    rows = [good, late]
    total = aggregate("All", rows)
    assert (total.ack_met, total.ack_total) == (1, 2)
    assert total.median_ack == timedelta(minutes=12)
    severities = by_severity(rows, ["P1", "P2"])
    assert [(s.label, s.incidents, s.ack_met) for s in severities] == [("P1", 1, 0), ("P2", 1, 1)]
    tiers = by_tier(rows)
    assert [(t.label, t.incidents) for t in tiers] == [("Tier 1", 2), ("Tier 3", 2)]
    text = stats_text("30d", total, severities, tiers)
    assert "*P2*: 1 incident(s) · ack met 1/1 (100%)" in text
    assert "updates on time 4/6 (67%)" in text
    written = write_report(
        tmp_path / "out",
        window="30d",
        since=T0 - timedelta(days=30),
        now=at(60),
        rows=rows,
        total=total,
        severities=severities,
        tiers=tiers,
    )
    assert [p.name for p in written] == ["report.md", "targets-by-tier.png", "response-times.png"]
    assert all(p.stat().st_size > 0 for p in written)
    assert written[1].read_bytes().startswith(b"\x89PNG")
    assert "| INC-8 | P1 |" in written[0].read_text()


def test_charts_keep_legends_off_the_data_and_one_point_on_a_readable_axis() -> None:
    from matplotlib import dates

    from app.reviews.charts import targets_figure, times_figure

    one = [measure(scripted(), now=at(60))]
    for figure in (targets_figure(by_tier(one)), times_figure(one)):
        figure.canvas.draw()
        (axes,) = figure.axes
        legend = axes.get_legend()
        assert legend is not None
        assert not legend.get_window_extent().overlaps(axes.get_window_extent())
    axes = times_figure(one).axes[0]
    low, high = (dates.num2date(x) for x in axes.get_xlim())  # type: ignore[no-untyped-call]
    assert high - low >= timedelta(days=2)
    labels = [t.get_text() for t in axes.get_xticklabels()]
    assert labels and not any(":" in label and "." in label for label in labels)
