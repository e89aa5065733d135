"""Failures a test injects into the fake Slack (:meth:`FakeSlack.fail_next`,
:meth:`FakeSlack.fail_while`): the next calls to a method, or every call while a block runs,
answer an HTTP error, a 429 with ``Retry-After`` or a Slack-level error, and change nothing.

Outages and failures after the state changed are :mod:`app.sandbox.faults`; these come first.
Not thread-safe on its own: the fake holds its lock around every use.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.sandbox.slack_model import Body


@dataclass
class Failure:
    """One injected failure; ``remaining`` None means until removed (an outage)."""

    method: str | None
    status: int
    remaining: int | None
    retry_after: int
    error: str | None

    def matches(self, method: str) -> bool:
        return self.method is None or self.method == method

    def response(self) -> tuple[int, Body, dict[str, str]]:
        """The status, body and headers Slack would answer."""
        if self.status == 429:
            headers = {"Retry-After": str(self.retry_after)}
            return 429, {"ok": False, "error": self.error or "ratelimited"}, headers
        if self.status >= 500:
            return self.status, {"ok": False, "error": self.error or "internal_error"}, {}
        return self.status, {"ok": False, "error": self.error or "fatal_error"}, {}


class Failures:
    """The injected failures, oldest first; the first that matches a call answers it."""

    def __init__(self) -> None:
        self._items: list[Failure] = []

    def add(self, failure: Failure) -> None:
        self._items.append(failure)

    def remove(self, failure: Failure) -> None:
        if failure in self._items:
            self._items.remove(failure)

    def clear(self) -> None:
        self._items.clear()

    def take(self, method: str) -> Failure | None:
        """The failure answering this call to ``method``, counting it down, or None."""
        for failure in self._items:
            if failure.matches(method):
                if failure.remaining is not None:
                    failure.remaining -= 1
                    if failure.remaining <= 0:
                        self._items.remove(failure)
                return failure
        return None
