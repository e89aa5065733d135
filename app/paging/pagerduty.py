"""PagerDuty Events API v2: trigger and resolve alerts for Beacon's pages.

Failures are classified like Slack's (:class:`app.outbox.failures.DeliveryFailure`): transient ones
(rate limits, PagerDuty outages, network trouble) are worth another try from the outbox, while
permanent ones (an event PagerDuty refuses) are a bug or a misconfiguration to report. Callers
never see raw aiohttp errors.

The routing key is a secret that lets anyone page our responders: it goes only into request
bodies, never into logs, exception messages or ``repr``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from app.outbox.failures import DeliveryFailure, parse_retry_after

log = logging.getLogger(__name__)

EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
SUMMARY_LIMIT = 1024
"""PagerDuty's limit for ``payload.summary``; longer ones are cut here, not refused there."""
SEVERITIES = ("critical", "error", "warning", "info")
"""PagerDuty's severities, most severe first."""
_BODY_EXCERPT = 200


class PagerFailure(DeliveryFailure):
    """An event PagerDuty did not accept; ``transient`` says whether trying again can help."""


def pagerduty_severity(rank: int) -> str:
    """Beacon severity rank (0 = most severe, as listed in policy.yaml) to PagerDuty's.

    PagerDuty has four levels; every Beacon severity past the third is ``info``.
    """
    if rank < 0:
        raise ValueError(f"severity rank must be >= 0, not {rank}")
    return SEVERITIES[min(rank, len(SEVERITIES) - 1)]


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class PagerDutyClient:
    """Sends events for one PagerDuty integration (one routing key).

    The aiohttp session is made on first use, inside the running event loop, so building a
    client at startup costs nothing and binds to no loop; use a client from one loop only.
    """

    def __init__(self, routing_key: str, *, url: str = EVENTS_URL, timeout: float = 10.0) -> None:
        if not routing_key:
            raise ValueError("a PagerDuty routing key is required")
        self._routing_key = routing_key
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    def __repr__(self) -> str:
        return f"PagerDutyClient(url={self.url!r})"

    async def trigger(
        self,
        *,
        dedup_key: str,
        summary: str,
        source: str,
        severity: str,
        links: Sequence[tuple[str, str]] = (),
        details: Mapping[str, Any] | None = None,
    ) -> str:
        """Open (or update) the alert ``dedup_key``; returns the key PagerDuty filed it under.

        ``links`` are ``(href, text)`` pairs, in the order of PagerDuty's link objects.
        """
        payload: dict[str, Any] = {
            "summary": _cut(summary, SUMMARY_LIMIT),
            "source": source,
            "severity": severity,
        }
        if details:
            payload["custom_details"] = dict(details)
        event: dict[str, Any] = {
            "event_action": "trigger",
            "dedup_key": dedup_key,
            "payload": payload,
        }
        if links:
            event["links"] = [{"href": href, "text": text} for href, text in links]
        return await self._send(event)

    async def resolve(self, *, dedup_key: str) -> str:
        """Close the alert ``dedup_key``; PagerDuty accepts this for unknown keys too."""
        return await self._send({"event_action": "resolve", "dedup_key": dedup_key})

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def _send(self, event: dict[str, Any]) -> str:
        action, dedup_key = event["event_action"], str(event["dedup_key"])
        # default=str: a datetime in custom_details must not turn into an unclassified TypeError.
        body = json.dumps({"routing_key": self._routing_key, **event}, default=str)
        try:
            async with self._client().post(
                self.url,
                data=body.encode(),
                headers={"Content-Type": "application/json", "Accept": "application/json"},
            ) as response:
                status = response.status
                text = await response.text(errors="replace")
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
        except TimeoutError as error:
            raise self._failed(action, dedup_key, "timeout", transient=True) from error
        except aiohttp.ClientError as error:
            failure = self._failed(action, dedup_key, f"connection: {error!r}", transient=True)
            raise failure from error
        if 200 <= status < 300:
            answer = _json(text)
            return str(answer.get("dedup_key") or dedup_key)
        transient = status in (408, 429) or status >= 500
        raise self._failed(
            action,
            dedup_key,
            f"http_{status}: {_describe(text)}",
            transient=transient,
            retry_after=retry_after if transient else None,
        )

    def _failed(
        self,
        action: str,
        dedup_key: str,
        error: str,
        *,
        transient: bool,
        retry_after: float | None = None,
    ) -> PagerFailure:
        # Belt and braces: an error body or exception text must never carry the key onward.
        error = error.replace(self._routing_key, "<routing key>")
        log.warning(
            "PagerDuty %s %s failed (%s): %s",
            action,
            dedup_key,
            "transient" if transient else "permanent",
            error,
        )
        return PagerFailure(error, transient, retry_after)


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _describe(text: str) -> str:
    """PagerDuty's ``message`` and ``errors``, or the start of a body that is not its JSON."""
    answer = _json(text)
    parts: list[str] = []
    if answer.get("message"):
        parts.append(str(answer["message"]))
    errors = answer.get("errors")
    if isinstance(errors, list) and errors:
        parts.append("; ".join(str(item) for item in errors))
    elif errors:
        parts.append(str(errors))
    if parts:
        return ": ".join(parts)
    return _cut(text.strip(), _BODY_EXCERPT) or "(empty body)"
