"""Outbox effect that POSTs an approved customer update to each configured webhook: only
customer-facing words (the approved text, the services' public names), never internal ones."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from app.briefs.drafting import customer_headline
from app.catalog.models import Catalog
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.store.db import UnitOfWork
from app.store.models import Incident, StatusUpdate
from app.webhooks.sender import WebhookFailure, WebhookSender, redacted


class WebhookEffects:
    def __init__(self, *, sender: WebhookSender, uow: UnitOfWork, catalog: Catalog) -> None:
        self.sender = sender
        self.uow = uow
        self.catalog = catalog

    def table(self) -> dict[Kind, Effect]:
        return {Kind.WEBHOOK: self.post}

    async def post(self, job: Job) -> Outcome:
        webhook = self.catalog.policy.webhooks[int(job.payload["webhook"])]

        def load() -> dict[str, Any]:
            with self.uow() as session:
                update = session.get_one(StatusUpdate, int(job.payload["update_id"]))
                incident = session.get_one(Incident, update.incident_id)
                names = [
                    self.catalog.services[s].name
                    for s in (incident.impact or {}).get("services", [])
                    if s in self.catalog.services
                ]
                return {
                    "incident": incident.ref,
                    "title": customer_headline(names),
                    "severity": incident.severity,
                    "status": incident.status,
                    "kind": update.kind,
                    "text": update.customer_text,
                    "approved_at": update.decided_at.isoformat() if update.decided_at else None,
                    "services": names,
                }

        payload = await asyncio.to_thread(load)
        secret = os.environ.get(webhook.secret_env) if webhook.secret_env else None
        if webhook.secret_env and not secret:
            raise WebhookFailure(
                f"webhook {redacted(webhook.url)}: {webhook.secret_env} is not set,"
                " so it cannot be signed",
                transient=False,
            )
        status = await self.sender.post(webhook.url, payload, secret=secret, delivery_id=job.key)
        return Outcome({"status": status})
