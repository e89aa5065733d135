"""The drill clock: real time plus the skips the runner made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class DrillClock:
    """Real time plus the skips the runner made, so timers fire without waiting for them.

    Not ``compressed`` (``--live``), it is plain real time: real people get the pages."""

    def __init__(self, *, compressed: bool = True) -> None:
        self.compressed = compressed
        self.start = datetime.now(UTC)
        self.offset = timedelta()
        self._skips: list[tuple[float, timedelta]] = [(self.start.timestamp(), timedelta())]

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    @property
    def elapsed(self) -> timedelta:
        return self() - self.start

    def skip_to(self, at: timedelta) -> None:
        if self.elapsed < at:
            self.offset += at - self.elapsed
            self._skips.append((datetime.now(UTC).timestamp(), self.offset))

    def drill_time(self, real_ts: float) -> timedelta:
        """When something the fake Slack stamped at ``real_ts`` happened, on the drill clock."""
        offset = timedelta()
        for at, skipped in self._skips:
            if at <= real_ts:
                offset = skipped
        return datetime.fromtimestamp(real_ts, UTC) + offset - self.start
