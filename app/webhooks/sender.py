"""POSTing approved customer updates to the webhooks in policy.yaml (status pages, CRMs).

Each request is signed so a receiver can trust it: ``X-Beacon-Timestamp`` (Unix seconds) and
``X-Beacon-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">``, keyed by the secret
named in ``secret_env``. ``X-Beacon-Delivery`` stays the same across retries of one delivery,
so a receiver that saw it already can drop the repeat. Failures are classified like Slack's:
transient ones go back to the outbox for another try with backoff.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import time
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from app.outbox.failures import DeliveryFailure, parse_retry_after

log = logging.getLogger(__name__)


class WebhookFailure(DeliveryFailure):
    """A webhook that did not take the update; its error text never holds the URL's secrets."""


def redacted(url: str) -> str:
    """``scheme://host/first-segment/…``: what names the receiver, never its secret. Tokens ride
    in query strings (``?token=…``), in user info, and in the later path segments of many webhook
    URLs (Slack's ``/services/T…/B…/<secret>``), so none of those is shown, logged or stored."""
    parts = urlsplit(url)
    try:
        host = parts.hostname or ""
        host += f":{parts.port}" if parts.port else ""
    except ValueError:  # a port that is no number
        host = "?"
    segments = [segment for segment in parts.path.split("/") if segment]
    path = f"/{segments[0]}" if segments else ""
    more = len(segments) > 1 or parts.query or parts.fragment
    return f"{parts.scheme}://{host}{path}{'/…' if more else ''}"


_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")


def scrubbed(error: BaseException) -> str:
    """An HTTP client's error text with every URL in it redacted."""
    return _URL.sub(lambda match: redacted(match.group(0)), f"{type(error).__name__}: {error}")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


class WebhookSender:
    """One aiohttp session, made on first use inside the running loop."""

    def __init__(self, *, timeout: float = 10.0) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def post(
        self, url: str, payload: dict[str, Any], *, secret: str | None, delivery_id: str
    ) -> int:
        body = json.dumps(payload, default=str).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Beacon",
            "X-Beacon-Delivery": delivery_id,
            "X-Beacon-Timestamp": timestamp,
        }
        if secret:
            headers["X-Beacon-Signature"] = signature(secret, timestamp, body)
        try:
            async with self._client().post(url, data=body, headers=headers) as response:
                status = response.status
                retry_after = response.headers.get("Retry-After")
        # ``from None``: the client's own exception names the whole URL, token included.
        except TimeoutError:
            raise WebhookFailure(f"webhook {redacted(url)}: timeout", True) from None
        except (aiohttp.ClientError, ValueError) as error:
            raise WebhookFailure(f"webhook {redacted(url)}: {scrubbed(error)}", True) from None
        if 200 <= status < 300:
            return status
        transient = status in (408, 429) or status >= 500
        log.warning("webhook %s answered %s", redacted(url), status)
        raise WebhookFailure(
            f"webhook {redacted(url)}: HTTP {status}", transient, parse_retry_after(retry_after)
        )

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None and not session.closed:
            await session.close()
