"""The assembled application: what handlers, the web app and the CLI are given."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import Engine

from app.ack_first import AckFirst
from app.cadence.jobs import TimerJobs
from app.catalog.models import Catalog
from app.outbox.dispatcher import Dispatcher
from app.publishing.site import StatusSite
from app.routing.assessment import RoutingIndex
from app.services.accounts import AccountService
from app.services.changes import ChangeService
from app.services.home import HomeService
from app.services.incidents import IncidentService
from app.services.mitigations import MitigationService
from app.services.paging import PagingService
from app.services.resolve import ChecklistService, ResolveService
from app.services.reviews import ReviewService
from app.services.signal_intake import SignalIntake
from app.services.signal_triage import SignalTriage
from app.services.subscriptions import SubscriptionService
from app.services.timeline import TimelineService
from app.services.updates import UpdateService
from app.settings import Settings
from app.slack.directory import Directory
from app.slack.gateway import SlackGateway
from app.store.db import UnitOfWork


@dataclass
class Beacon:
    settings: Settings
    catalog: Catalog
    routing: RoutingIndex
    engine: Engine
    uow: UnitOfWork
    client: AsyncWebClient
    gateway: SlackGateway
    directory: Directory
    incidents: IncidentService
    paging: PagingService
    changes: ChangeService
    accounts: AccountService
    updates: UpdateService
    subscriptions: SubscriptionService
    resolutions: ResolveService
    checklists: ChecklistService
    mitigations: MitigationService
    reviews: ReviewService
    home: HomeService
    timeline: TimelineService
    dispatcher: Dispatcher
    timers: TimerJobs
    clock: Callable[[], datetime]
    status_site: StatusSite
    signals: SignalIntake
    signal_triage: SignalTriage
    acks: AckFirst = field(default_factory=AckFirst)
    """Requests answered before the work they start (app/ack_first.py)."""
