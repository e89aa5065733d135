"""The ``email_notice`` outbox effect: one approved notice to one address, text and HTML.

A crash after the server accepted a message but before the item was marked done can resend it;
the Message-ID is the same every time, so mail systems and readers can drop the copy.
"""

from __future__ import annotations

import asyncio
import os
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from app.briefs.drafting import customer_headline
from app.catalog.models import Catalog
from app.outbox.jobs import Effect, Job, Outcome
from app.outbox.kinds import Kind
from app.publishing.documents import Renderer
from app.publishing.site import StatusSite
from app.publishing.smtp import EmailFailure, parse_smtp_url, send
from app.store.db import UnitOfWork
from app.store.models import Incident, StatusUpdate


class EmailEffects:
    def __init__(self, *, uow: UnitOfWork, catalog: Catalog, site: StatusSite) -> None:
        self.uow = uow
        self.catalog = catalog
        self.site = site
        self.renderer = Renderer(catalog.templates_dir)

    def table(self) -> dict[Kind, Effect]:
        return {Kind.EMAIL_NOTICE: self.send}

    async def send(self, job: Job) -> Outcome:
        config = self.catalog.policy.email
        if config is None:
            raise EmailFailure("policy.yaml has no `email:` block any more", False)
        url = os.environ.get(config.smtp_url_env)
        if not url:
            raise EmailFailure(f"{config.smtp_url_env} is not set, so no mail can be sent", False)
        message = await asyncio.to_thread(self.message, job)
        await send(parse_smtp_url(url), message)
        return Outcome({"sent": message["Message-ID"]})

    def message(self, job: Job) -> EmailMessage:
        config = self.catalog.policy.email
        assert config is not None
        with self.uow() as session:
            update = session.get_one(StatusUpdate, int(job.payload["update_id"]))
            incident = session.get_one(Incident, update.incident_id)
            if update.state != "approved" or incident.private or incident.drill:
                raise EmailFailure("the notice is no longer publishable", False)
            names = [
                self.catalog.services[s].name
                for s in (incident.impact or {}).get("services", [])
                if s in self.catalog.services
            ]
            text = update.customer_text
        subject = customer_headline(names)
        if update.kind == "resolution":
            subject = f"Resolved: {subject}"
        link = self.site.account_url(str(job.payload["account"]))
        plain, html = self.renderer.email(
            subject=subject, text=text, url=link, sender=config.sender
        )
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = config.sender
        message["To"] = str(job.payload["address"])
        message["Date"] = formatdate(usegmt=True)
        domain = parseaddr(config.sender)[1].rpartition("@")[2] or "beacon.invalid"
        message["Message-ID"] = f"<beacon.{job.key.replace(':', '.')}@{domain}>"
        message.set_content(plain)
        message.add_alternative(html, subtype="html")
        return message
