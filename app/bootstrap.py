"""Builds everything from settings. Nothing is built at import time, so tests and the CLI can
build as many independent Beacons as they need."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from slack_bolt.async_app import AsyncApp

from app.beacon import Beacon
from app.catalog.loader import load_catalog
from app.catalog.models import Catalog
from app.domain.declaration import Declaration
from app.handlers import commands, views
from app.routing.assessment import Impact, RoutingIndex, assess
from app.services.incidents import IncidentService
from app.services.views import incident_view
from app.settings import Settings
from app.slack.delivery import Dispatcher
from app.slack.directory import Directory
from app.slack.effects import IncidentEffects
from app.slack.gateway import SlackGateway, make_client
from app.store.db import UnitOfWork, make_engine


def utc_now() -> datetime:
    return datetime.now(UTC)


def build(
    settings: Settings,
    *,
    catalog: Catalog | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Beacon:
    catalog = catalog or load_catalog(settings.beacon_config_dir)
    routing = RoutingIndex.build(catalog)
    engine = make_engine(settings.database_url)
    uow = UnitOfWork(engine)
    client = make_client(settings.slack_bot_token, settings.slack_api_url)
    gateway = SlackGateway(client)
    directory = Directory(gateway=gateway, uow=uow, clock=clock)

    def assess_declaration(declaration: Declaration) -> Impact:
        return assess(
            routing, declaration.severity or "", declaration.services, declaration.accounts
        )

    effects = IncidentEffects(
        gateway=gateway,
        directory=directory,
        uow=uow,
        catalog=lambda: catalog,
        view=incident_view,
    )
    dispatcher = Dispatcher(uow=uow, effects=effects.table(), clock=clock)
    incidents = IncidentService(
        uow=uow,
        catalog=lambda: catalog,
        assess=assess_declaration,
        clock=clock,
        on_commit=dispatcher.wake,
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
        incidents=incidents,
        dispatcher=dispatcher,
        clock=clock,
    )


def build_bolt(beacon: Beacon) -> AsyncApp:
    app = AsyncApp(
        client=beacon.client,
        signing_secret=beacon.settings.slack_signing_secret or "",
        process_before_response=False,
    )
    commands.register(app, beacon)
    views.register(app, beacon)
    return app
