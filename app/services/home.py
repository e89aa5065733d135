"""App Home (SPEC 5.7): what each viewer sees, and republishing it through the outbox when it
changes — when they are paged or acknowledge, and when an incident opens, resolves or reopens
(for everyone who has opened Beacon's Home)."""

from __future__ import annotations

from datetime import timedelta

from app.briefs.home import HomeIncident, HomePage, HomeView
from app.services.context import Context
from app.services.home_refresh import enqueue_home
from app.services.lookup import people_of
from app.services.reviews import ReviewService
from app.store import incidents, paging, resolution, updates

HOME_WINDOW = timedelta(days=30)


class HomeService:
    def __init__(self, ctx: Context, reviews: ReviewService) -> None:
        self.ctx = ctx
        self.reviews = reviews

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
        with self.ctx.uow() as session:
            open_rows = [
                row
                for row in incidents.open_incidents(session)
                if not row.private or user in people_of(row)
            ]
            by_id = {row.id: row for row in incidents.open_incidents(session)}
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
            subscriptions = [
                catalog.accounts[a].name if a in catalog.accounts else a
                for a in updates.subscriptions_of(session, user)
            ]
        rows = self.reviews.metrics(since=now - HOME_WINDOW)
        total, severities, tiers = self.reviews.grouped(rows)
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
