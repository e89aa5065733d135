"""Faults a test injects into the fake Slack by time or by outcome, beyond ``fail_next``.

An outage fails every call of a method for N seconds, as a Slack incident does (calls never
apply). A failure after apply stores the call's effect and still answers 5xx: what a client sees
when Slack's edge times out on a request its backend already handled, the case where a blind
client retry duplicates a message.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Answer = tuple[int, dict[str, Any], dict[str, str]]
ERRORS = {500: "internal_error", 503: "service_unavailable", 429: "ratelimited"}


@dataclass
class _Outage:
    method: str
    status: int
    until: float
    retry_after: int


@dataclass
class _AfterApply:
    method: str
    status: int
    remaining: int | None
    ratio: float


def answer(status: int, retry_after: int = 1) -> Answer:
    headers = {"Retry-After": str(retry_after)} if status == 429 else {}
    return status, {"ok": False, "error": ERRORS.get(status, "fatal_error")}, headers


class Faults:
    def __init__(
        self, known: Callable[[str], bool], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._known = known
        self._clock = clock
        self._outages: list[_Outage] = []
        self._after: list[_AfterApply] = []
        self._random = random.Random(0)
        self._lock = threading.Lock()

    def _check(self, method: str) -> None:
        """A typo in a method name would silently inject nothing."""
        if not self._known(method):
            raise ValueError(f"unknown Slack method: {method}")

    def outage(
        self, method: str, seconds: float, *, status: int = 503, retry_after: int = 1
    ) -> None:
        """Every call of ``method`` answers ``status`` for the next ``seconds``."""
        self._check(method)
        with self._lock:
            self._outages.append(_Outage(method, status, self._clock() + seconds, retry_after))

    def fail_after_apply(
        self, method: str, *, status: int = 503, count: int | None = 1, ratio: float = 1.0
    ) -> None:
        """The next ``count`` (None: every) successful calls of ``method``, or a seeded random
        ``ratio`` of them, are applied and then answered ``status``."""
        self._check(method)
        with self._lock:
            self._after.append(_AfterApply(method, status, count, ratio))

    def clear(self) -> None:
        with self._lock:
            self._outages.clear()
            self._after.clear()

    def before(self, method: str) -> Answer | None:
        """The answer of an outage covering this call, which then must not apply."""
        now = self._clock()
        with self._lock:
            self._outages = [outage for outage in self._outages if outage.until > now]
            for outage in self._outages:
                if outage.method == method:
                    return answer(outage.status, outage.retry_after)
        return None

    def after(self, method: str, body: dict[str, Any]) -> Answer:
        """The answer to a call already applied: its own, or a 5xx a fault asks for."""
        if not body.get("ok"):
            return 200, body, {}
        with self._lock:
            for fault in self._after:
                if fault.method != method or self._random.random() >= fault.ratio:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._after.remove(fault)
                return answer(fault.status)
        return 200, body, {}
