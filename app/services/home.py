"""App Home (SPEC 5.7): what each viewer sees, and republishing it through the outbox when it
changes — when they are paged or acknowledge, and when an incident opens, resolves or reopens
(for everyone who has opened Beacon's Home)."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy import func, select

from app.briefs.home import HomeIncident, HomePage, HomeView
from app.reviews.metrics import Aggregate
from app.services.context import Context
from app.services.home_refresh import enqueue_home
from app.services.lookup import people_of
from app.services.reviews import ReviewService
from app.store import incidents, paging, resolution, updates
from app.store.models import IncidentEvent

HOME_WINDOW = timedelta(days=30)
Aggregates = tuple[Aggregate, list[Aggregate], list[Aggregate]]


AGGREGATE_TTL = timedelta(seconds=5)
"""A burst of Home publishes (an incident opening for every viewer) shares one computation."""


class HomeService:
    def __init__(self, ctx: Context, reviews: ReviewService) -> None:
        self.ctx = ctx
        self.reviews = reviews
        self._lock = threading.Lock()
        self._aggregates: tuple[datetime, int, Aggregates] | None = None

    def _last_30_days(self, now: datetime, version: int) -> Aggregates:
        """Reused while no timeline event was added (``version``) and for a few seconds."""
        with self._lock:
            cached = self._aggregates
            if (
                cached is not None
                and cached[1] == version
                and timedelta(0) <= now - cached[0] < AGGREGATE_TTL
            ):
                return cached[2]
        rows = self.reviews.metrics(since=now - HOME_WINDOW, private=False)
        grouped = self.reviews.grouped(rows)
        with self._lock:
            self._aggregates = (now, version, grouped)
        return grouped

    def opened(self, user: str, *, event_id: str) -> None:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            if not resolution.first_sight(session, event_id, "app_home_opened", now):
                return
            resolution.saw_home(session, user, now)
            enqueue_home(session, [user], key=f"opened:{event_id}", now=now)
            session.commit()
        self.ctx.on_commit()

    def view(self, user: str) -> HomeView:
        now = self.ctx.clock()
        catalog = self.ctx.catalog
        # read-only: on SQLite a thousand renders must not queue for the write lock pages need
        with self.ctx.uow.read() as session:
            open_rows = [
                row
                for row in incidents.open_incidents(session)
                if not row.private or user in people_of(row)
            ]
            by_id = {row.id: row for row in incidents.open_incidents(session)}
            # pages of private incidents are the viewer's own, so they show too
            pages = [
                HomePage(
                    page_id=page.id,
                    ref=by_id[page.incident_id].ref,
                    title=by_id[page.incident_id].title,
                    severity=by_id[page.incident_id].severity,
                    reasons=tuple(page.reasons),
                    paged_at=page.paged_at,
                )
                for page in paging.open_pages_of(session, user)
                if page.incident_id in by_id
            ]
            version = int(session.scalar(select(func.max(IncidentEvent.id))) or 0)
            subscriptions = [
                catalog.accounts[a].name if a in catalog.accounts else a
                for a in updates.subscriptions_of(session, user)
            ]
        total, severities, tiers = self._last_30_days(now, version)
        return HomeView(
            user=user,
            now=now,
            incidents=tuple(
                HomeIncident(
                    ref=row.ref,
                    title=row.title,
                    severity=row.severity,
                    status=row.status,
                    commander=row.commander,
                    next_update_due=row.next_update_due,
                    channel_id=row.channel_id,
                    private=row.private,
                )
                for row in open_rows
            ),
            pages=tuple(pages),
            subscriptions=tuple(subscriptions),
            total=total,
            severities=tuple(severities),
            tiers=tuple(tiers),
        )
