"""What a triage card shows (SPEC 5.8), computed once and rendered by app/slack/blocks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SignalLine:
    summary: str
    status: str
    received: int
    service: str
    source: str
    url: str | None = None
    reporter: str | None = None
    """For a customer report: "Acme Corp (Tier 1, liaison <@U…>)"."""


@dataclass(frozen=True)
class CardView:
    card_id: int
    state: str
    service: str
    service_name: str
    """The customer-facing name, or the id with a "did you mean" when the catalog lacks it."""
    severity: str
    raised_by: tuple[str, ...]
    accounts: tuple[tuple[int, tuple[str, ...]], ...]
    """(tier, account names) at risk, Tier 1 first."""
    paged: tuple[str, ...]
    signals: tuple[SignalLine, ...]
    incident: str | None = None
    reason: str | None = None
    decided_by: str | None = None

    @property
    def firing(self) -> int:
        return sum(1 for line in self.signals if line.status == "firing")


@dataclass(frozen=True)
class Snapshot:
    """A card as stored when a delivery starts: what it shows and where."""

    view: CardView
    channel: str
    """Where the card lives: its posted channel id, else the configured triage channel."""
    ts: str | None
