"""The ASGI app: Slack's single Request URL, health and metrics (and, with no Slack token, the
sandbox page); runs the dispatcher unless the process is web-only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app import response_metrics, signal_routes
from app.beacon import Beacon
from app.catalog.people import emails
from app.edge import RefuseUnstorableCommands, SlackEdge, quiet_bolt_bodies
from app.metrics import (
    METRICS_WINDOW_DAYS,
    OPEN_INCIDENTS,
    OUTBOX_BACKLOG,
    OVERDUE_UPDATES,
    SIGNALS_TRIAGE_BACKLOG,
)
from app.publishing import web as publishing
from app.replays import RememberedRequests, ReplayCheck
from app.slack.channels import join_configured
from app.slack.gateway import shared_session
from app.store import incidents, outbox, requests, signals
from app.worker_process import WorkerProcess

log = logging.getLogger(__name__)


def create_web_app(
    beacon: Beacon,
    bolt: AsyncApp,
    *,
    worker: bool = True,
    companion: WorkerProcess | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """``worker``: the dispatcher and timers run in this process; ``companion``: they run in
    a worker process this app starts, rings and answers for (`beacon serve`).
    ``extra_routes`` mounts more pages on the same app (the sandbox's ``/sandbox``)."""
    quiet_bolt_bodies()
    bolt.use(RefuseUnstorableCommands())  # Socket Mode's requests skip the edge
    secret = beacon.settings.slack_signing_secret or ""
    replays = _replay_check(beacon)
    hold = companion.hold if companion is not None else None
    events = SlackEdge(bolt, secret, replays, beacon.acks, on_burst=hold).handle

    async def healthz(_request: Request) -> Response:
        """503 while the database is unreachable, and, in a process that delivers, while the
        dispatcher cannot claim or record deliveries: commands would be stored, nothing sent."""
        try:
            await asyncio.to_thread(_ping, beacon)
        except Exception as error:  # any database failure means unhealthy
            log.warning("health check failed: %s", error)
            return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
        if delivery := _delivery_trouble(beacon, worker, companion):
            return JSONResponse(
                {"ok": False, "database": "ok", "delivery": delivery}, status_code=503
            )
        return JSONResponse({"ok": True, "database": "ok"})

    async def metrics(_request: Request) -> Response:
        responses = await asyncio.to_thread(_refresh_gauges, beacon)
        return Response(generate_latest() + responses, media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with shared_session(beacon.client):
            joining = asyncio.create_task(join_configured(beacon.gateway, beacon.catalog))
            await beacon.directory.warm(emails(beacon.catalog))
            task = None
            if companion is not None:
                beacon.dispatcher.doorbell.forward(companion.ring)
                task = asyncio.create_task(companion.run())
            elif worker:
                task = asyncio.create_task(beacon.dispatcher.run())
                beacon.timers.start()
            try:
                yield
            finally:
                beacon.timers.stop()
                joining.cancel()
                if isinstance(replays, RememberedRequests):
                    await replays.flush()
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            *signal_routes.routes(beacon),
            *publishing.routes(beacon.status_site),
            *extra_routes,
        ],
        lifespan=lifespan,
    )


def _delivery_trouble(beacon: Beacon, worker: bool, companion: WorkerProcess | None) -> str | None:
    """Why nothing would be delivered: commands would be stored, nothing sent."""
    if companion is not None and companion.down_since is not None:
        return f"worker process down since {companion.down_since.isoformat()}"
    failing = (
        companion.failing_since
        if companion is not None
        else beacon.dispatcher.failing_since
        if worker
        else None
    )
    return f"failing since {failing.isoformat()}" if failing is not None else None


def _replay_check(beacon: Beacon) -> Callable[[str], Awaitable[bool]]:
    def store(keys: list[str]) -> set[str]:
        return _first_requests(beacon, keys)

    if beacon.engine.dialect.name != "sqlite":
        return ReplayCheck(store)
    with beacon.uow.read() as session:
        known = requests.recent_requests(session, datetime.now(UTC))
    return RememberedRequests(store, known, beacon.acks.turn)


def _first_requests(beacon: Beacon, keys: list[str]) -> set[str]:
    """In the database, so every process sees every request; by the wall clock, as signatures
    expire by it (not by Beacon's clock, which drills and tests move)."""
    with beacon.uow() as session:
        fresh = requests.first_requests(session, keys, datetime.now(UTC))
        session.commit()
    return fresh


def _ping(beacon: Beacon) -> None:
    with beacon.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _refresh_gauges(beacon: Beacon) -> bytes:
    """Sets the gauges; returns the response-time families computed from stored incidents."""
    now = beacon.clock()
    with beacon.uow() as session:
        OUTBOX_BACKLOG.set(outbox.backlog(session))
        SIGNALS_TRIAGE_BACKLOG.set(signals.backlog(session))
        counts = {severity.id: 0 for severity in beacon.catalog.policy.severities}
        overdue = 0
        for incident in incidents.open_incidents(session):
            # rehearsals never count against the real numbers; private incidents show nowhere
            # their members cannot be told apart from everyone else
            if incident.drill or incident.private:
                continue
            counts[incident.severity] = counts.get(incident.severity, 0) + 1
            overdue += bool(incident.next_update_due and incident.next_update_due < now)
    for severity, count in counts.items():
        OPEN_INCIDENTS.labels(severity=severity).set(count)
    OVERDUE_UPDATES.set(overdue)
    rows = beacon.reviews.metrics(since=now - timedelta(days=METRICS_WINDOW_DAYS), private=False)
    return response_metrics.render(rows, [s.id for s in beacon.catalog.policy.severities])
