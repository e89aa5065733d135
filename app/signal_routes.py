"""``POST /signals/alertmanager`` and ``POST /signals`` (SPEC 5.8).

A bearer token from the env var ``signals.token_env`` names; a capped body; 400 saying what is
wrong; 202 once the signals are stored. Nothing here raises past the handler: never a 500.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from app.beacon import Beacon
from app.edge import Refused, read_capped
from app.signals import parse
from app.signals.model import Signal

log = logging.getLogger(__name__)

MAX_SIGNAL_BODY = 512 * 1024
"""Alertmanager groups send a few kB; a thousand alerts of a few hundred bytes still fit."""


def routes(beacon: Beacon) -> list[BaseRoute]:
    return [
        Route("/signals/alertmanager", _endpoint(beacon, parse.alertmanager), methods=["POST"]),
        Route("/signals", _endpoint(beacon, parse.beacon), methods=["POST"]),
    ]


def _token(beacon: Beacon) -> str | None:
    config = beacon.catalog.policy.signals
    return os.environ.get(config.token_env if config else "BEACON_SIGNALS_TOKEN") or None


def _authorised(request: Request, token: str | None) -> bool:
    header = request.headers.get("authorization", "")
    scheme, _, given = header.partition(" ")
    if token is None or scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


def _endpoint(beacon: Beacon, reader: Callable[[Any], list[Signal]]) -> Callable[[Request], Any]:
    async def receive(request: Request) -> Response:
        if not _authorised(request, _token(beacon)):
            return JSONResponse(
                {"error": "missing or wrong bearer token"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        try:
            body = await read_capped(request, MAX_SIGNAL_BODY)
            batch = reader(parse.load(body))
        except Refused as refused:
            return JSONResponse({"error": refused.reason}, status_code=refused.status)
        except parse.BadSignals as bad:
            return JSONResponse({"error": str(bad)}, status_code=400)
        try:
            receipt = await asyncio.to_thread(beacon.signals.receive, batch)
        except Exception:  # stored or not, the sender retries a 503; never a traceback
            log.exception("signals not stored")
            return JSONResponse({"error": "signals not stored; retry"}, status_code=503)
        return JSONResponse(receipt.body(), status_code=202)

    return receive
