"""What every use case needs, handed over once by bootstrap."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from app.briefs.drafting import Drafter
from app.catalog.models import Catalog
from app.routing.assessment import Assessment, Impact, RoutingIndex, assess, stored_impact
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

    def impact(self, incident: Incident) -> Impact:
        """The stored assessment, shaped for page routing (never reassessed)."""
        return stored_impact(self.routing(), assessment_of(incident))

    def reassess(
        self, incident: Incident, *, severity: str, services: Iterable[str] | None = None
    ) -> Impact:
        """A re-route: assess again at ``severity`` (and with ``services`` as the named ones);
        the caller stores the result with :func:`store_assessment`."""
        named = assessment_of(incident).named_services if services is None else services
        return assess(self.routing(), severity, named, incident.accounts)


def assessment_of(incident: Incident) -> Assessment:
    return Assessment.from_record(incident.impact)


def store_assessment(incident: Incident, impact: Impact) -> Assessment:
    """Writes the assessment and its indexed copies (severity columns, named services)."""
    assessment = Assessment.of(impact)
    incident.impact = assessment.record()
    incident.severity = assessment.severity
    incident.declared_severity = assessment.declared_severity
    incident.services = list(assessment.named_services)
    return assessment
