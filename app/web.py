"""The ASGI app: Slack's single Request URL, health and metrics; runs the dispatcher unless the
process is web-only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.beacon import Beacon
from app.metrics import OPEN_INCIDENTS, OUTBOX_BACKLOG
from app.slack.gateway import shared_session
from app.store import incidents, outbox

log = logging.getLogger(__name__)


def create_web_app(beacon: Beacon, bolt: AsyncApp, *, worker: bool = True) -> Starlette:
    slack = AsyncSlackRequestHandler(bolt)

    async def events(request: Request) -> Response:
        return await slack.handle(request)

    async def healthz(_request: Request) -> Response:
        try:
            await asyncio.to_thread(_ping, beacon)
        except Exception as error:  # any database failure means unhealthy
            log.warning("health check failed: %s", error)
            return JSONResponse({"ok": False, "database": "unreachable"}, status_code=503)
        return JSONResponse({"ok": True, "database": "ok"})

    async def metrics(_request: Request) -> Response:
        await asyncio.to_thread(_refresh_gauges, beacon)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with shared_session(beacon.client):
            task = asyncio.create_task(beacon.dispatcher.run()) if worker else None
            if worker:
                beacon.timers.start()
            try:
                yield
            finally:
                beacon.timers.stop()
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    return Starlette(
        routes=[
            Route("/slack/events", events, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


def _ping(beacon: Beacon) -> None:
    with beacon.engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _refresh_gauges(beacon: Beacon) -> None:
    with beacon.uow() as session:
        OUTBOX_BACKLOG.set(outbox.backlog(session))
        counts = {severity.id: 0 for severity in beacon.catalog.policy.severities}
        for incident in incidents.open_incidents(session):
            counts[incident.severity] = counts.get(incident.severity, 0) + 1
    for severity, count in counts.items():
        OPEN_INCIDENTS.labels(severity=severity).set(count)
