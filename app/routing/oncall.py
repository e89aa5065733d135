"""Who is on call for a team at a given instant.

People hand over at a local wall-clock time ("Monday 09:00 in Berlin"), so handoffs are
computed on local dates and converted to UTC one by one; adding 168 hours in UTC would drift by
an hour at every daylight-saving change.

Decisions worth knowing:

* Before ``start`` the weekly rotation is simply extended backwards: the week before the first
  handoff belongs to ``rotation[-1]``, the one before to ``rotation[-2]``, and so on. Every
  instant therefore has exactly one scheduled person and every scheduled shift lasts one week,
  which keeps "who is next" and handoff times meaningful for a rotation starting in the future.
* A handoff time that does not exist locally (inside a spring-forward gap) is read with the
  offset in force before the change, so it moves forward by the gap (02:30 becomes 03:30); an
  ambiguous one (inside the autumn repeat) is the first occurrence. Override bounds likewise.
* Overrides are half-open ``[from, to)``; when several cover an instant, the one listed last wins.
  Their bounds are handoffs too, so a shift is the span between two consecutive boundaries of
  the schedule (weekly handoffs and override edges) and consecutive shifts always abut.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from app.catalog.models import OnCall, Person

_WEEK = timedelta(days=7)


@dataclass(frozen=True)
class OnCallShift:
    primary: Person
    secondary: Person | None
    shift_start: datetime
    shift_end: datetime
    """Both aware UTC; the shift is ``[shift_start, shift_end)``."""
    next_person: Person
    """Primary from ``shift_end`` on (may equal ``primary``, e.g. in a one-person rotation)."""
    scheduled: Person
    """Who the weekly rotation names for this shift, override or not."""


@dataclass(eq=False)
class _Schedule:
    zone: ZoneInfo
    first_handoff: date
    oncall: OnCall
    overrides: tuple[tuple[datetime, datetime, Person], ...]
    """(start, end, user) in aware UTC, empty spans dropped."""
    last: OnCallShift | None = None
    """Most recent answer: a shift is valid for its whole span, and most lookups are "now"."""

    def handoff(self, week: int) -> datetime:
        local = datetime.combine(
            self.first_handoff + timedelta(days=7 * week), self.oncall.handoff_time, self.zone
        )
        return local.astimezone(UTC)

    def week_of(self, at: datetime) -> tuple[int, datetime, datetime]:
        """(index, begins, ends) of the scheduled week containing ``at``; week 0 starts at the
        first handoff. The local date gives the index; the checks fix the day of the handoff."""
        week = (at.astimezone(self.zone).date() - self.first_handoff).days // 7
        begins, ends = self.handoff(week), self.handoff(week + 1)
        while at < begins:
            week, ends, begins = week - 1, begins, self.handoff(week - 1)
        while at >= ends:
            week, begins, ends = week + 1, ends, self.handoff(week + 2)
        return week, begins, ends


def _to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=zone).astimezone(UTC)


@lru_cache(maxsize=1024)
def _schedule(oncall: OnCall) -> _Schedule:
    if not oncall.rotation:
        raise ValueError("on-call rotation is empty")
    zone = ZoneInfo(oncall.timezone)
    first = oncall.start + timedelta(days=(oncall.handoff_weekday - oncall.start.weekday()) % 7)
    overrides = tuple(
        (start, end, override.user)
        for override in oncall.overrides
        if (start := _to_utc(override.start, zone)) < (end := _to_utc(override.end, zone))
    )
    return _Schedule(zone=zone, first_handoff=first, oncall=oncall, overrides=overrides)


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("on-call lookups need an aware datetime")
    return at.astimezone(UTC)


def _primary(schedule: _Schedule, week: int, at: datetime) -> tuple[Person, Person]:
    """(primary, scheduled) at ``at``, which must lie in ``week``."""
    rotation = schedule.oncall.rotation
    scheduled = rotation[week % len(rotation)]
    primary = scheduled
    for start, end, user in schedule.overrides:
        if start <= at < end:
            primary = user
    return primary, scheduled


def _bounds(
    schedule: _Schedule, at: datetime, low: datetime, high: datetime
) -> tuple[datetime, datetime]:
    """Narrows the scheduled week ``[low, high)`` to the override edges around ``at``."""
    for override_start, override_end, _ in schedule.overrides:
        for edge in (override_start, override_end):
            if low < edge <= at:
                low = edge
            elif at < edge < high:
                high = edge
    return low, high


def _secondary(rotation: tuple[Person, ...], week: int, primary: Person) -> Person | None:
    size = len(rotation)
    for step in range(1, size):
        candidate = rotation[(week + step) % size]
        if candidate != primary:
            return candidate
    return None


def on_call_at(oncall: OnCall, at: datetime) -> OnCallShift:
    """The shift covering ``at`` (aware); raises ValueError for a naive time or empty rotation."""
    moment = _require_aware(at)
    schedule = _schedule(oncall)
    if (last := _covering(schedule, moment)) is not None:
        return last
    week, begins, ends = schedule.week_of(moment)
    primary, scheduled = _primary(schedule, week, moment)
    start, end = _bounds(schedule, moment, begins, ends)
    next_week = week + 1 if end == ends else week
    next_person, _ = _primary(schedule, next_week, end)
    shift = OnCallShift(
        primary=primary,
        secondary=_secondary(oncall.rotation, week, primary),
        shift_start=start,
        shift_end=end,
        next_person=next_person,
        scheduled=scheduled,
    )
    schedule.last = shift
    return shift


def primary_at(oncall: OnCall, at: datetime) -> Person:
    """:func:`on_call_at`'s ``primary`` without the rest of the shift (its bounds, the next
    person, the secondary): an incident on a foundational service tells every dependent team's
    on-call, dozens of look-ups per decision."""
    moment = _require_aware(at)
    schedule = _schedule(oncall)
    if (last := _covering(schedule, moment)) is not None:
        return last.primary
    week, _, _ = schedule.week_of(moment)
    return _primary(schedule, week, moment)[0]


def _covering(schedule: _Schedule, moment: datetime) -> OnCallShift | None:
    """The shift looked up last, if it covers ``moment``: most look-ups ask about the same one."""
    last = schedule.last
    return last if last is not None and last.shift_start <= moment < last.shift_end else None


def next_handoff(oncall: OnCall, at: datetime) -> datetime:
    """When the current shift ends: the next weekly handoff or override edge after ``at``."""
    moment = _require_aware(at)
    schedule = _schedule(oncall)
    _, begins, ends = schedule.week_of(moment)
    return _bounds(schedule, moment, begins, ends)[1]
