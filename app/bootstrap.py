"""Builds everything from settings. Nothing is built at import time, so tests and the CLI can
build as many independent Beacons as they need."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TypedDict

from slack_bolt.async_app import AsyncApp

from app.beacon import Beacon
from app.briefs.drafting import check_templates, drafter_for
from app.cadence.jobs import TimerJobs
from app.catalog.loader import load_catalog
from app.catalog.models import Catalog
from app.handlers import (
    actions,
    approvals,
    commands,
    events,
    mitigations,
    replies,
    resolution,
    signals,
    views,
)
from app.outbox.dispatcher import Dispatcher
from app.outbox.doorbell import Doorbell
from app.outbox.hold import Hold
from app.outbox.jobs import merged
from app.outbox.kinds import FAILURE_NOTICES, LANES, LEASED_AHEAD, URGENT_KINDS
from app.paging.effects import PagerDutyEffects
from app.paging.pagerduty import PagerDutyClient
from app.publishing.email import EmailEffects
from app.publishing.site import StatusSite
from app.routing.assessment import RoutingIndex
from app.services.accounts import AccountService
from app.services.changes import ChangeService
from app.services.context import Context
from app.services.home import HomeService
from app.services.incidents import IncidentService
from app.services.mitigations import MitigationService
from app.services.page_commands import PagingService
from app.services.reroute import name_service
from app.services.resolve import ChecklistService, ResolveService
from app.services.reviews import ReviewService
from app.services.signal_cards import card_posted, card_snapshot
from app.services.signal_declare import fire_sustained
from app.services.signal_intake import SignalIntake
from app.services.signal_triage import SignalTriage
from app.services.subscriptions import SubscriptionService
from app.services.timeline import TimelineService
from app.services.timers import TimerService
from app.services.updates import UpdateService
from app.services.views import incident_view
from app.settings import Settings
from app.slack.directory import Directory
from app.slack.effects import IncidentEffects
from app.slack.gateway import SlackGateway, make_client
from app.slack.mitigation_effects import MitigationEffects
from app.slack.pacing import Pacer
from app.slack.page_effects import PagingEffects
from app.slack.posting import IncidentPosts
from app.slack.resolve_effects import ResolveEffects
from app.slack.respond import SharedRespond
from app.slack.signal_effects import SignalCardEffects
from app.slack.update_effects import UpdateEffects
from app.store.db import UnitOfWork, make_engine
from app.webhooks.effects import WebhookEffects
from app.webhooks.sender import WebhookSender


def utc_now() -> datetime:
    return datetime.now(UTC)


def build(
    settings: Settings,
    *,
    catalog: Catalog | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Beacon:
    catalog = catalog or check_templates(load_catalog(settings.beacon_config_dir))
    routing = RoutingIndex.build(catalog)
    engine = make_engine(settings.database_url, lock_timeout=settings.database_lock_timeout)
    uow = UnitOfWork(engine)
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    hold = Hold()
    gateway = SlackGateway(client, Pacer(channel_burst=settings.beacon_channel_burst), hold=hold)
    directory = Directory(gateway=gateway, uow=uow, clock=clock)

    drafter = drafter_for(catalog)
    doorbell = Doorbell()
    ctx = Context(
        uow=uow, routing=lambda: routing, clock=clock, drafter=drafter, on_commit=doorbell.ring
    )
    paging = PagingService(ctx, name_service=name_service)
    reviews = ReviewService(ctx)
    home = HomeService(ctx, reviews)
    timeline = TimelineService(ctx)
    site = StatusSite(catalog=catalog, uow=uow, clock=clock, public_url=settings.public_url)

    def current() -> Catalog:
        return catalog

    posts = IncidentPosts(
        gateway=gateway, directory=directory, uow=uow, catalog=current, view=incident_view
    )
    slack = SlackCollaborators(posts=posts, gateway=gateway, directory=directory, uow=uow)
    dispatcher = Dispatcher(
        uow=uow,
        effects=merged(
            IncidentEffects(**slack, catalog=current).table(),
            PagingEffects(**slack, catalog=current).table(),
            UpdateEffects(**slack, catalog=current).table(),
            ResolveEffects(
                **slack, catalog=current, home=home.view, record_pin=timeline.record_pin
            ).table(),
            MitigationEffects(posts=posts, gateway=gateway, uow=uow).table(),
            PagerDutyEffects(
                client=_pagerduty_client(catalog, settings), uow=uow, catalog=catalog
            ).table(),
            WebhookEffects(sender=WebhookSender(), uow=uow, catalog=catalog).table(),
            EmailEffects(uow=uow, catalog=catalog, site=site).table(),
            SignalCardEffects(
                gateway=gateway,
                directory=directory,
                view=lambda card_id: card_snapshot(ctx, card_id),
                posted=lambda card_id, channel, ts: card_posted(ctx, card_id, channel, ts),
            ).table(),
        ),
        clock=clock,
        lease=timedelta(seconds=settings.beacon_outbox_lease),
        urgent=URGENT_KINDS,
        leased_ahead=LEASED_AHEAD,
        lanes=LANES,
        failure_notices=FAILURE_NOTICES,
        doorbell=doorbell,
        prepare=posts.views_at_claim,
        hold=hold,
    )
    return Beacon(
        settings=settings,
        catalog=catalog,
        routing=routing,
        engine=engine,
        uow=uow,
        client=client,
        gateway=gateway,
        directory=directory,
        incidents=IncidentService(ctx),
        paging=paging,
        changes=ChangeService(ctx),
        accounts=AccountService(ctx, links=site.account_url),
        updates=UpdateService(ctx),
        subscriptions=SubscriptionService(ctx),
        resolutions=ResolveService(ctx),
        checklists=ChecklistService(ctx),
        mitigations=MitigationService(ctx),
        reviews=reviews,
        home=home,
        timeline=timeline,
        dispatcher=dispatcher,
        timers=TimerJobs(
            lambda: TimerService(ctx).fire_due() + fire_sustained(ctx),
            interval=settings.beacon_timer_interval,
        ),
        clock=clock,
        status_site=site,
        signals=SignalIntake(ctx),
        signal_triage=SignalTriage(ctx),
    )


class SlackCollaborators(TypedDict):
    """What the Slack effects classes are built with (each takes them as keyword arguments)."""

    posts: IncidentPosts
    gateway: SlackGateway
    directory: Directory
    uow: UnitOfWork


def _pagerduty_client(catalog: Catalog, settings: Settings) -> PagerDutyClient | None:
    config = catalog.policy.pagerduty
    key = os.environ.get(config.routing_key_env) if config else None
    return PagerDutyClient(key, url=settings.pagerduty_events_url) if key else None


def build_bolt(beacon: Beacon) -> AsyncApp:
    app = AsyncApp(
        client=beacon.client,
        signing_secret=beacon.settings.slack_signing_secret or "",
        process_before_response=False,
    )
    app.use(SharedRespond(beacon.client))
    replies.register(app, beacon)
    commands.register(app, beacon)
    views.register(app, beacon)
    actions.register(app, beacon)
    approvals.register(app, beacon)
    resolution.register(app, beacon)
    mitigations.register(app, beacon)
    signals.register(app, beacon)
    events.register(app, beacon)
    return app
