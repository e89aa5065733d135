"""Response metrics per incident (SPEC 5.6) and their aggregation by severity and by tier.

- time to acknowledge: declaration → first acknowledgement by a responder (liaisons' and exec
  sponsors' acks do not count, as for escalation); met when within the severity's ``ack_within``;
- time to first update: declaration → first `/incident update`; met when within the interval
  (the cadence counts from posted updates); time to first customer update: → first approved
  customer-facing text, reported without a target;
- update punctuality: each update is due one interval after the previous one (or after the
  declaration); an update posted by its due time is on time, and a due time that passed before
  the resolution (or, while open, before now) with no update is a missed one;
- time to mitigate: declaration → first `monitoring` status (the resolution if it never was);
- time to resolve: declaration → resolution; escalations: levels fired;
- from the first signal (SPEC 5.8) to the declaration and to the first acknowledgement: how long
  monitoring or customers knew before people did. None without a signal, or when the incident
  was declared before any signal joined it (then the signal told nobody anything new).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from app.domain.resolution import CHECKLIST_ITEMS
from app.reviews.facts import IncidentFacts

Outcome = Literal["met", "missed", "pending"]


def outcome(
    start: datetime,
    done_at: datetime | None,
    within: timedelta | None,
    *,
    ended: datetime | None,
    now: datetime,
) -> Outcome | None:
    """The one rule for every response target: met or missed once it happened or fell due,
    ``pending`` while still inside its window, None when there is no target or the incident
    ended before it fell due with nothing to meet (an alert on "missed" must not fire early)."""
    if within is None:
        return None
    if done_at is not None:
        return "met" if done_at - start <= within else "missed"
    if (ended or now) > start + within:
        return "missed"
    return None if ended is not None else "pending"


@dataclass(frozen=True)
class IncidentMetrics:
    ref: str
    severity: str
    tiers: tuple[int, ...]
    declared_at: datetime
    time_to_ack: timedelta | None
    ack: Outcome | None
    """None when nobody who stops escalation was paged, or the severity has no target."""
    time_to_first_update: timedelta | None
    first_update: Outcome | None
    time_to_first_customer_update: timedelta | None
    """Declaration → first customer-facing text approved (the initial notice, often)."""
    updates_on_time: int
    updates_due: int
    update_pending: bool
    """Open, with the next update not yet due."""
    time_to_mitigate: timedelta | None
    time_to_resolve: timedelta | None
    escalations: int
    customer_updates_sent: int
    checklist_done: int
    checklist_total: int
    signal_to_declare: timedelta | None = None
    signal_to_ack: timedelta | None = None

    @property
    def ack_met(self) -> bool | None:
        return _decided(self.ack)

    @property
    def first_update_met(self) -> bool | None:
        return _decided(self.first_update)

    @property
    def punctuality(self) -> Outcome | None:
        if self.updates_due:
            return "met" if self.updates_on_time == self.updates_due else "missed"
        return "pending" if self.update_pending else None


def _decided(result: Outcome | None) -> bool | None:
    return {"met": True, "missed": False}.get(result or "")


def update_times(facts: IncidentFacts) -> list[datetime]:
    return sorted(e.at for e in facts.events if e.kind == "update")


def punctuality(
    declared_at: datetime,
    posted: list[datetime],
    interval: timedelta | None,
    end: datetime,
) -> tuple[int, int]:
    """(on time, due) for updates ``posted`` against an ``interval`` cadence ending at ``end``
    (the resolution, or now while open: a due time still ahead is not counted)."""
    if interval is None:
        return 0, 0
    on_time = due_count = 0
    due = declared_at + interval
    for moment in posted:
        if moment > end:
            break
        due_count += 1
        on_time += moment <= due
        due = moment + interval
    if end > due:
        due_count += 1
    return on_time, due_count


def measure(facts: IncidentFacts, *, now: datetime) -> IncidentMetrics:
    """The figures as of ``now``: an open incident's targets not yet due are ``pending``."""
    start, ended = facts.declared_at, facts.resolved_at
    acks = [p.acked_at for p in facts.pages if p.stops_escalation and p.acked_at is not None]
    responders = [p for p in facts.pages if p.stops_escalation]
    acked = min(acks) if acks else None
    within = facts.ack_within if responders else None
    posted = update_times(facts)
    first = posted[0] if posted else None
    end = ended or now
    on_time, due = punctuality(start, posted, facts.update_every, end)
    monitoring = [
        e.at for e in facts.events if e.kind == "update" and e.data.get("status") == "monitoring"
    ]
    ttr = facts.resolved_at - start if facts.resolved_at else None
    approved = [u.decided_at for u in facts.updates if u.state == "approved" and u.decided_at]
    ttm = min(monitoring) - start if monitoring else ttr
    threads = [a for a in facts.accounts if a.thread]
    done = sum(len({t.item for t in a.ticks if t.item in CHECKLIST_ITEMS}) for a in threads)
    signalled = facts.first_signal.at if facts.first_signal else None
    led = signalled is not None and signalled <= start
    return IncidentMetrics(
        ref=facts.ref,
        severity=facts.severity,
        tiers=tuple(sorted({a.tier for a in facts.accounts})),
        declared_at=start,
        time_to_ack=acked - start if acked else None,
        ack=outcome(start, acked, within, ended=ended, now=now),
        time_to_first_update=first - start if first else None,
        first_update=outcome(start, first, facts.update_every, ended=ended, now=now),
        time_to_first_customer_update=min(approved) - start if approved else None,
        updates_on_time=on_time,
        updates_due=due,
        update_pending=outcome(
            posted[-1] if posted else start, None, facts.update_every, ended=ended, now=now
        )
        == "pending",
        time_to_mitigate=ttm,
        time_to_resolve=ttr,
        escalations=sum(1 for e in facts.events if e.kind == "escalated"),
        customer_updates_sent=sum(1 for u in facts.updates if u.state == "approved"),
        checklist_done=done,
        checklist_total=len(threads) * len(CHECKLIST_ITEMS),
        signal_to_declare=start - signalled if led and signalled else None,
        signal_to_ack=acked - signalled if led and signalled and acked else None,
    )


@dataclass(frozen=True)
class Aggregate:
    label: str
    incidents: int
    ack_met: int
    ack_total: int
    """Decided ones (met or missed); a target still pending is counted apart."""
    ack_pending: int
    first_update_met: int
    first_update_total: int
    first_update_pending: int
    updates_on_time: int
    updates_due: int
    updates_pending: int
    """Open incidents whose next update is not yet due."""
    median_ack: timedelta | None
    median_resolve: timedelta | None
    escalations: int


def _median(values: Iterable[timedelta | None]) -> timedelta | None:
    present = sorted(v for v in values if v is not None)
    if not present:
        return None
    middle = len(present) // 2
    if len(present) % 2:
        return present[middle]
    return (present[middle - 1] + present[middle]) / 2


def aggregate(label: str, rows: list[IncidentMetrics]) -> Aggregate:
    return Aggregate(
        label=label,
        incidents=len(rows),
        ack_met=sum(1 for r in rows if r.ack_met),
        ack_total=sum(1 for r in rows if r.ack_met is not None),
        ack_pending=sum(1 for r in rows if r.ack == "pending"),
        first_update_met=sum(1 for r in rows if r.first_update_met),
        first_update_total=sum(1 for r in rows if r.first_update_met is not None),
        first_update_pending=sum(1 for r in rows if r.first_update == "pending"),
        updates_on_time=sum(r.updates_on_time for r in rows),
        updates_due=sum(r.updates_due for r in rows),
        updates_pending=sum(1 for r in rows if r.update_pending),
        median_ack=_median(r.time_to_ack for r in rows),
        median_resolve=_median(r.time_to_resolve for r in rows),
        escalations=sum(r.escalations for r in rows),
    )


def _group(
    rows: list[IncidentMetrics], keys: Callable[[IncidentMetrics], Iterable[str]], order: list[str]
) -> list[Aggregate]:
    groups: dict[str, list[IncidentMetrics]] = {}
    for row in rows:
        for key in keys(row):
            groups.setdefault(key, []).append(row)
    known = [k for k in order if k in groups] + sorted(k for k in groups if k not in order)
    return [aggregate(key, groups[key]) for key in known]


def by_severity(rows: list[IncidentMetrics], severities: list[str]) -> list[Aggregate]:
    return _group(rows, lambda r: [r.severity], severities)


def by_tier(rows: list[IncidentMetrics]) -> list[Aggregate]:
    """An incident counts once in each tier it affected; those with no account in none."""
    return _group(rows, lambda r: [f"Tier {t}" for t in r.tiers] or ["no account"], [])
