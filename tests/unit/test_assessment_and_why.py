"""Pure rules behind the stored assessment, the initial notice, escalation reasons and
email mentions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.domain.people import with_mentions
from app.routing.assessment import Assessment, RoutingIndex, assess, stored_impact
from app.routing.severity import needs_initial_notice, severity_rank
from app.routing.targets import PageTarget, Routing
from app.routing.why import unacknowledged, with_reason
from tests.unit.catalog_builders import spec_catalog

T = datetime(2026, 2, 10, 12, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)


def test_the_assessment_keeps_what_was_decided_and_reads_back() -> None:
    cat = spec_catalog()
    impact = assess(RoutingIndex.build(cat), "SEV3", ["payments"], ["acme"])
    stored = Assessment.of(impact)
    assert stored.severity == "SEV2" and stored.declared_severity == "SEV3"
    assert stored.reasons == ("Tier 1 account Acme Corp requires at least SEV2",)
    assert stored.named_services == ("payments",)
    assert stored.dependent_services == ("checkout",)
    assert stored.update_every == timedelta(minutes=15)
    assert Assessment.from_record(stored.record()) == stored
    assert Assessment.of(stored_impact(RoutingIndex.build(cat), stored)) == stored


def test_a_raise_the_new_severity_covers_leaves_no_reason() -> None:
    cat = spec_catalog()
    impact = assess(RoutingIndex.build(cat), "SEV1", ["payments"])
    assert Assessment.of(impact).reasons == ()


def test_rank_and_the_initial_notice_rule() -> None:
    policy = spec_catalog().policy
    assert [severity_rank(policy, s) for s in ("SEV1", "SEV2", "SEV3")] == [0, 1, 2]
    assert needs_initial_notice(policy, "SEV2", customer_visible=True, private=False)
    assert not needs_initial_notice(policy, "SEV3", customer_visible=True, private=False)
    assert not needs_initial_notice(policy, "SEV1", customer_visible=False, private=False)
    assert not needs_initial_notice(policy, "SEV1", customer_visible=True, private=True)


@dataclass
class _Page:
    person: str
    reasons: list[str]
    stops_escalation: bool
    paged_at: datetime
    acked_at: datetime | None = None
    user_id: str | None = None


def test_an_escalation_names_who_did_not_acknowledge_and_for_how_long() -> None:
    pages = [
        _Page("U0PAY3", ["on-call for Payments"], True, T),
        _Page("U0CS1", ["liaison of Acme Corp, Tier 1"], False, T),
        _Page("U0EXEC", ["exec"], True, T, acked_at=T),
    ]
    dana = _Page("dana@example.com", ["manager of Payments"], True, T, user_id="U0DANA")
    assert "<@U0DANA> (manager of Payments) in 5m" in str(unacknowledged([dana], T + 5 * MIN))
    why = unacknowledged(pages, T + timedelta(minutes=15, seconds=40))
    assert why == "escalated: no acknowledgement from <@U0PAY3> (on-call for Payments) in 15m"
    assert unacknowledged(pages[1:], T) is None
    routing = Routing((PageTarget("U0PAY1", ("secondary",), ("secondary for Payments",), True),))
    (target,) = with_reason(routing, why).targets
    assert target.reasons == ("secondary for Payments", why)
    assert with_reason(routing, None) is routing


def test_resolved_emails_become_mentions_and_links_stay_intact() -> None:
    users = {"dana@example.com": "U0DANA"}
    text = "• dana@example.com: manager; <mailto:dana@example.com|dana@example.com>; bo@x.io"
    assert with_mentions(text, users) == (
        "• <@U0DANA>: manager; <mailto:dana@example.com|dana@example.com>; bo@x.io"
    )
    assert with_mentions("Dana@Example.com", users) == "<@U0DANA>"
