"""What every use case needs, handed over once by bootstrap."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from app.briefs.drafting import Drafter
from app.catalog.models import Catalog
from app.routing.assessment import Impact, RoutingIndex, assess
from app.store.db import UnitOfWork
from app.store.models import Incident


@dataclass(frozen=True)
class Context:
    uow: UnitOfWork
    routing: Callable[[], RoutingIndex]
    clock: Callable[[], datetime]
    drafter: Drafter
    on_commit: Callable[[], None] = lambda: None
    """Wakes the outbox dispatcher so effects start without waiting for its next poll."""

    @property
    def catalog(self) -> Catalog:
        return self.routing().catalog

    def impact(self, incident: Incident, severity: str | None = None) -> Impact:
        """Impact of a stored incident, reassessed against the current configuration."""
        return assess(
            self.routing(),
            severity or incident.declared_severity,
            incident.services,
            incident.accounts,
        )
