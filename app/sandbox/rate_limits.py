"""Slack's Web API rate limits, as the fake enforces them: every method at its tier.

Slack applies limits "per API method per app per workspace" in per-minute windows, tolerating
bursts: Tier 1 = 1+ per minute, Tier 2 = 20+, Tier 3 = 50+, Tier 4 = 100+, and "most methods
allow at least 20 requests per minute" (https://api.slack.com/docs/rate-limits, quoted in
slack/FACTS.md section 1). Each method gets a token bucket holding one minute's quota and
refilled at that quota per minute: a burst of a minute's worth goes through, then the tier's
pace. Beyond it Slack answers HTTP 429 with ``Retry-After`` in whole seconds.

chat.postMessage is special: "generally allows posting one message per second per channel,
while also maintaining a workspace-wide limit" with "short bursts >1 allowed" (same page). Slack
publishes no figure for either the burst or the workspace limit (FACTS.md: "several hundred
messages per minute"); the fake uses a burst of 3 per channel and 20 messages/s for the workspace
(1,200 a minute, the figure bench/fanout.py has always assumed), both overridable.

Tests that need a fast clock scale every rate explicitly (``scale``); the defaults are Slack's.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

TIER_PER_MINUTE = {1: 1.0, 2: 20.0, 3: 50.0, 4: 100.0}
DEFAULT_TIER = 2
"""Slack: "most methods allow at least 20 requests per minute"."""

METHOD_TIERS: Mapping[str, int] = {
    # slack/FACTS.md section 1 (Slack's method pages and slack_sdk's tier tables)
    "chat.update": 3,
    "chat.postEphemeral": 4,
    "chat.delete": 3,
    "chat.scheduleMessage": 3,
    "conversations.create": 2,
    "conversations.invite": 3,
    "conversations.setTopic": 2,
    "conversations.setPurpose": 2,
    "pins.add": 2,
    "pins.remove": 2,
    "bookmarks.add": 2,
    "views.open": 4,
    "views.update": 4,
    "views.publish": 4,
    "views.push": 4,
    "users.lookupByEmail": 3,
    "usergroups.users.list": 2,
    "usergroups.list": 2,
    "reactions.add": 3,
    # Tier 1 on api.slack.com, Tier 3 in docs.slack.dev (FACTS.md notes the conflict); the newer
    "apps.connections.open": 3,
    # Slack's method pages: conversations.* reads are Tier 3 (history and replies too for
    # internal apps: the 2025 Tier 1 limit applies to commercially distributed non-Marketplace
    # apps only, docs.slack.dev/apis/web-api/rate-limits), members and users.info Tier 4
    "conversations.history": 3,
    "conversations.replies": 3,
    "conversations.open": 3,
    "conversations.info": 3,
    "conversations.join": 3,
    "conversations.list": 2,
    "conversations.members": 4,
    "users.info": 4,
    "users.list": 2,
    "users.conversations": 3,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
    "files.info": 4,
    "team.info": 3,
}
SPECIAL_PER_MINUTE: Mapping[str, float] = {
    "auth.test": 600.0,  # "hundreds per minute"; slack_sdk (java) uses 600 (FACTS.md)
}
POSTING = "chat.postMessage"
CHANNEL_RATE = 1.0
CHANNEL_BURST = 3.0
WORKSPACE_RATE = 20.0


def per_minute(method: str) -> float:
    """The documented number of calls a minute ``method`` gets."""
    if method in SPECIAL_PER_MINUTE:
        return SPECIAL_PER_MINUTE[method]
    return TIER_PER_MINUTE[METHOD_TIERS.get(method, DEFAULT_TIER)]


class Bucket:
    """A token bucket: ``wait`` says how long until a token is there, ``take`` spends one."""

    def __init__(self, rate: float, burst: float, now: float) -> None:
        self.rate = rate
        self.capacity = burst
        self.tokens = burst
        self.stamp = now

    def wait(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


class RateLimits:
    """Every method's bucket for one workspace; ``check`` is the 429 decision for one call.

    ``scale`` multiplies every rate (2 = twice Slack's pace) for tests that would otherwise wait
    minutes; ``per_minute`` overrides single methods. ``channel_rate``/``workspace_rate`` of None
    switch that chat.postMessage limit off (a test of something else).
    """

    def __init__(
        self,
        *,
        scale: float = 1.0,
        per_minute: Mapping[str, float] | None = None,
        channel_rate: float | None = CHANNEL_RATE,
        channel_burst: float = CHANNEL_BURST,
        workspace_rate: float | None = WORKSPACE_RATE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.scale = scale
        self.overrides = dict(per_minute or {})
        self.channel_rate = channel_rate
        self.channel_burst = channel_burst
        self.workspace_rate = workspace_rate
        self.clock = clock
        self._methods: dict[str, Bucket] = {}
        self._channels: dict[str, Bucket] = {}
        self._workspace: Bucket | None = None

    @classmethod
    def off(cls) -> RateLimits:
        """No limit at all: for a test about something else that posts in a tight loop."""
        return cls(scale=math.inf, channel_rate=None, workspace_rate=None)

    def check(self, method: str, channel: str | None) -> int | None:
        """None if the call may go through (and counts), else the ``Retry-After`` seconds."""
        if math.isinf(self.scale):
            return None
        now = self.clock()
        buckets = (
            [self._posting(channel, now)] if method == POSTING else [self._method(method, now)]
        )
        if method == POSTING and self.workspace_rate:
            if self._workspace is None:
                rate = self.workspace_rate * self.scale
                self._workspace = Bucket(rate, max(1.0, rate), now)
            buckets.append(self._workspace)
        live = [bucket for bucket in buckets if bucket is not None]
        wait = max((bucket.wait(now) for bucket in live), default=0.0)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in live:
            bucket.take()
        return None

    def _method(self, method: str, now: float) -> Bucket:
        bucket = self._methods.get(method)
        if bucket is None:
            quota = self.overrides.get(method, per_minute(method))
            bucket = self._methods[method] = Bucket(quota * self.scale / 60.0, quota, now)
        return bucket

    def _posting(self, channel: str | None, now: float) -> Bucket | None:
        if not self.channel_rate:
            return None
        key = channel or ""
        bucket = self._channels.get(key)
        if bucket is None:
            rate = self.channel_rate * self.scale
            bucket = self._channels[key] = Bucket(rate, self.channel_burst, now)
        return bucket
