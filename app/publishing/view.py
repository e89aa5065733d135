"""What the status page, an account page and the banner show, from published incidents only.

Pure: no database, HTTP or Slack. ``source.py`` hands over :class:`Published` incidents (not
private, not a drill, customer-visible, with at least one approved notice) and this module
decides component states and what each audience sees. An incident nobody has approved words for
does not exist here: not even its component state, which would announce it without approval.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.briefs.drafting import customer_headline
from app.catalog.models import Catalog

OPERATIONAL, DEGRADED, PARTIAL, MAJOR = "operational", "degraded", "partial_outage", "major_outage"
STATES = (OPERATIONAL, DEGRADED, PARTIAL, MAJOR)
"""Least to most severe."""
LABELS = {
    OPERATIONAL: "Operational",
    DEGRADED: "Degraded performance",
    PARTIAL: "Partial outage",
    MAJOR: "Major outage",
}


@dataclass(frozen=True)
class Notice:
    kind: str
    """``initial``, ``update`` or ``resolution``."""
    text: str
    """Exactly the approved words."""
    at: datetime


@dataclass(frozen=True)
class Published:
    """One incident as customers may know it; ``services`` are ids, mapped to names here."""

    number: int
    severity_rank: int
    status: str
    """The open status of the latest approved notice that named one, never ahead of it."""
    services: tuple[str, ...]
    accounts: tuple[str, ...]
    started_at: datetime
    resolved_at: datetime | None
    notices: tuple[Notice, ...]
    """Approved notices, oldest first."""

    @property
    def resolved(self) -> bool:
        """Resolved for customers once the resolution notice is approved, not before."""
        return self.resolved_at is not None and self.notices[-1].kind == "resolution"


@dataclass(frozen=True)
class Component:
    name: str
    state: str

    @property
    def label(self) -> str:
        return LABELS[self.state]


@dataclass(frozen=True)
class IncidentEntry:
    id: str
    title: str
    impact: str
    status: str
    started_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    components: tuple[str, ...]
    notices: tuple[Notice, ...]
    """Newest first."""

    @property
    def impact_label(self) -> str:
        return LABELS[self.impact]


@dataclass(frozen=True)
class Page:
    title: str
    generated_at: datetime
    components: tuple[Component, ...]
    open: tuple[IncidentEntry, ...]
    resolved: tuple[IncidentEntry, ...]
    url: str
    account_name: str | None = None

    @property
    def overall(self) -> str:
        return max((c.state for c in self.components), key=STATES.index, default=OPERATIONAL)

    @property
    def updated_at(self) -> datetime:
        times = [i.updated_at for i in (*self.open, *self.resolved)]
        return max(times, default=self.generated_at)


def impact_of(rank: int, status: str) -> str:
    """The most severe level is a major outage, the next a partial one, the rest degraded; once
    a fix is being monitored the service is at worst degraded."""
    state = MAJOR if rank == 0 else PARTIAL if rank == 1 else DEGRADED
    return DEGRADED if status == "monitoring" else state


def _names(catalog: Catalog, services: Iterable[str]) -> tuple[str, ...]:
    return tuple(catalog.services[s].name for s in services if s in catalog.services)


def entry(catalog: Catalog, incident: Published) -> IncidentEntry:
    names = _names(catalog, incident.services)
    return IncidentEntry(
        id=f"INC-{incident.number}",
        title=customer_headline(list(names)),
        impact=impact_of(incident.severity_rank, incident.status),
        status="resolved" if incident.resolved else incident.status,
        started_at=incident.started_at,
        updated_at=incident.notices[-1].at,
        resolved_at=incident.resolved_at if incident.resolved else None,
        components=names,
        notices=tuple(reversed(incident.notices)),
    )


def component_ids(catalog: Catalog, wanted: Sequence[str] | None) -> tuple[str, ...]:
    status_page = catalog.policy.status_page
    shown = status_page.components if status_page and status_page.components else None
    ids = tuple(wanted if wanted is not None else shown or catalog.services)
    return tuple(s for s in ids if s in catalog.services)


def page(
    catalog: Catalog,
    incidents: Iterable[Published],
    *,
    now: datetime,
    history: timedelta,
    components: Sequence[str],
    title: str,
    url: str,
    account_name: str | None = None,
) -> Page:
    """Components in the given order with the state of the worst open incident touching each;
    open incidents newest first; resolved ones of ``history``, newest first."""
    entries = [(incident, entry(catalog, incident)) for incident in incidents]
    worst: dict[str, str] = {}
    for incident, item in entries:
        if incident.resolved:
            continue
        for service in incident.services:
            current = worst.get(service, OPERATIONAL)
            worst[service] = max(current, item.impact, key=STATES.index)
    newest = sorted(entries, key=lambda pair: pair[1].updated_at, reverse=True)
    return Page(
        title=title,
        generated_at=now,
        components=tuple(
            Component(catalog.services[s].name, worst.get(s, OPERATIONAL)) for s in components
        ),
        open=tuple(item for incident, item in newest if not incident.resolved),
        resolved=tuple(
            item
            for incident, item in newest
            if incident.resolved and item.resolved_at and item.resolved_at >= now - history
        ),
        url=url,
        account_name=account_name,
    )


@dataclass(frozen=True)
class Banner:
    severity: str
    status: str
    text: str
    updated_at: datetime
    url: str


def banner(account_page: Page) -> Banner | None:
    """The most severe open incident's latest approved words; none when all is well."""
    if not account_page.open:
        return None
    top = max(account_page.open, key=lambda i: (STATES.index(i.impact), i.updated_at))
    latest = top.notices[0]
    return Banner(top.impact, top.status, latest.text, latest.at, account_page.url)
