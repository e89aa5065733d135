"""The sandbox's **Send a test alert**: what monitoring would POST, so a newcomer sees signals work.

The first press fires an alert on a real service of the configuration: a triage card appears in
the triage channel with the accounts at risk. Each later press resolves it and fires it again
(the flapping the ``repeats`` pattern watches), so a few presses show a pattern declaring an
incident without anyone typing ``declare``. Like every other control of the page it goes over
real HTTP, to Beacon's own ``POST /signals`` with the bearer token, never into its services.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.catalog.models import Catalog, SignalsConfig

SOURCE = "sandbox"
ALERT_ID = "beacon-test-alert"
ALERT_NAME = "BeaconTestAlert"


def signals_token(config: SignalsConfig) -> str:
    """The token ``POST /signals`` wants. In the sandbox and in drills nobody has set one, and
    there is no real monitoring to share it with, so a random one is made for this process."""
    return os.environ.get(config.token_env) or os.environ.setdefault(
        config.token_env, secrets.token_urlsafe(24)
    )


async def post_signal(
    base_url: str, token: str, body: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """``POST /signals`` as monitoring would: status and JSON answer (empty if not JSON)."""
    headers = {"Authorization": f"Bearer {token}"}
    timeout = aiohttp.ClientTimeout(total=10)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.post(f"{base_url}/signals", json=body, headers=headers) as response,
    ):
        try:
            answer = await response.json(content_type=None)
        except ValueError:
            answer = {}
        return response.status, answer if isinstance(answer, dict) else {}


def test_service(catalog: Catalog) -> str | None:
    """A service whose team is on call and that accounts use: its card has the most to show."""
    services = list(catalog.services.values())
    paged = [s for s in services if catalog.teams[s.team].oncall is not None] or services
    used = {service for account in catalog.accounts.values() for service in account.uses}
    ranked = sorted(paged, key=lambda s: s.id not in used)
    return ranked[0].id if ranked else None


@dataclass
class TestAlerts:
    """The control's state: how many times it was pressed decides what the next press sends."""

    __test__ = False  # a product class, not a pytest one

    catalog: Catalog
    base_url: str
    """Where Beacon listens, e.g. ``http://127.0.0.1:3000``."""
    presses: int = 0
    sent: list[dict[str, Any]] = field(default_factory=list)

    @property
    def available(self) -> str:
        """Empty when the control works; otherwise why not, in words for the page."""
        if self.catalog.policy.signals is None:
            return "Add a `signals:` block to policy.yaml to send test alerts."
        if test_service(self.catalog) is None:
            return "services.yaml names no service to send a test alert about."
        return ""

    async def press(self) -> str:
        """Send the next test alert(s); what happened, in words for the page."""
        config = self.catalog.policy.signals
        service = test_service(self.catalog)
        if config is None or service is None:
            return self.available
        token = signals_token(config)
        statuses = ["firing"] if self.presses == 0 else ["resolved", "firing"]
        self.presses += 1
        answer: dict[str, Any] = {}
        for status in statuses:
            body = _body(self.catalog, service, status, self.presses)
            self.sent.append(body)
            code, answer = await post_signal(self.base_url, token, body)
            if code != 202:
                return f"Beacon answered HTTP {code}: {answer.get('error') or answer}"
        return _said(answer, config, self.presses, service)


def _body(catalog: Catalog, service: str, status: str, press: int) -> dict[str, Any]:
    name = catalog.services[service].name
    return {
        "source": SOURCE,
        "id": ALERT_ID,
        "status": status,
        "service": service,
        "summary": f"Test alert from the sandbox: {name} error rate above 5% (press {press})",
        "labels": {"alertname": ALERT_NAME},
    }


def _said(answer: dict[str, Any], config: SignalsConfig, presses: int, service: str) -> str:
    if answer.get("incidents"):
        return f"Test alert on {service} sent: it joined or declared an incident."
    where = config.triage_channel or "the triage channel"
    if config.repeats is not None and presses < config.repeats.count:
        left = config.repeats.count - presses
        return (
            f"Test alert on {service} sent: see the triage card in {where}. Press {left} more"
            f" time{'s' if left > 1 else ''} to make it flap: the `repeats` pattern declares."
        )
    return f"Test alert on {service} sent: see the triage card in {where}."


def route(alerts: TestAlerts) -> Route:
    """``POST /sandbox/test-alert``: the page's button."""

    async def send(request: Request) -> Response:
        problem = alerts.available
        if problem:
            return JSONResponse({"ok": False, "error": problem})
        return JSONResponse({"ok": True, "text": await alerts.press()})

    return Route("/sandbox/test-alert", send, methods=["POST"])
