"""A signal as Beacon reasons about it, whatever door it came in by.

Alertmanager alerts, Beacon's own JSON and ``/incident report`` all become ``Signal``: the rules,
patterns and grouping never need to know which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["firing", "resolved"]

ALERTMANAGER = "alertmanager"
CUSTOMER = "customer"
"""Source of ``/incident report`` signals; they count toward ``customer_reports``."""


@dataclass(frozen=True)
class Signal:
    source: str
    identity: str
    """Alertmanager's fingerprint or ``source:id``: the same alert arriving again is one signal."""
    status: Status
    service: str
    summary: str
    labels: dict[str, str] = field(default_factory=dict)
    severity: str | None = None
    url: str | None = None
    account: str | None = None
    """The reporting account of a customer signal."""

    def matching_labels(self) -> dict[str, str]:
        """Labels the rules see: the signal's own, plus its fields under their names."""
        fields = {"source": self.source, "service": self.service}
        if self.severity:
            fields["severity"] = self.severity
        if self.account:
            fields["account"] = self.account
        return {**fields, **self.labels}
