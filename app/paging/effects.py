"""Outbox effects for PagerDuty, the second paging channel. They are separate outbox items from
the Slack DM, so a PagerDuty outage delays only PagerDuty."""

from __future__ import annotations

import asyncio

from app.catalog.models import Catalog
from app.domain.text import plain
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.paging.pagerduty import PagerDutyClient, PagerFailure, pagerduty_severity
from app.routing.severity import severity_rank
from app.store.db import UnitOfWork
from app.store.models import Incident, Page


def dedup_key(incident: Incident, page: Page) -> str:
    """One PagerDuty alert per incident and person: a retried trigger updates, never doubles."""
    return f"beacon-{incident.ref}-{page.person}"


class PagerDutyEffects:
    def __init__(
        self, *, client: PagerDutyClient | None, uow: UnitOfWork, catalog: Catalog
    ) -> None:
        self.client = client
        self.uow = uow
        self.catalog = catalog

    def table(self) -> dict[Kind, Effect]:
        return {Kind.PAGERDUTY_TRIGGER: self.trigger, Kind.PAGERDUTY_RESOLVE: self.resolve}

    def _client(self) -> PagerDutyClient:
        if self.client is None:
            env = (
                self.catalog.policy.pagerduty.routing_key_env
                if self.catalog.policy.pagerduty
                else "?"
            )
            raise PagerFailure(f"PagerDuty is configured but {env} is not set", False)
        return self.client

    async def _load(self, job: Job) -> tuple[Incident, Page]:
        def load() -> tuple[Incident, Page]:
            with self.uow() as session:
                page = session.get_one(Page, int(job.payload["page_id"]))
                incident = session.get_one(Incident, page.incident_id)
                session.expunge_all()
                return incident, page

        return await asyncio.to_thread(load)

    async def trigger(self, job: Job) -> Outcome:
        client = self._client()
        incident, page = await self._load(job)
        try:
            rank = severity_rank(self.catalog.policy, incident.severity)
        except KeyError:  # a severity the configuration no longer has: page at the top
            rank = 0
        runbooks = [
            (service.runbook, f"{service.name} runbook")
            for sid in incident.services
            if (service := self.catalog.services.get(sid)) and service.runbook
        ]
        key = await client.trigger(
            dedup_key=dedup_key(incident, page),
            summary=f"{incident.ref} {incident.severity}: {incident.title}"
            f" ({plain('; '.join(page.reasons))})",  # reasons are mrkdwn; PagerDuty shows text
            source="beacon",
            severity=pagerduty_severity(rank),
            links=runbooks,
            details={"incident": incident.ref, "person": page.person, "reasons": page.reasons},
        )
        return Outcome({"dedup_key": key})

    async def resolve(self, job: Job) -> Outcome:
        incident, page = await self._load(job)
        key = await self._client().resolve(dedup_key=dedup_key(incident, page))
        return Outcome({"dedup_key": key})
