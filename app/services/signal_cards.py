"""Triage cards: enqueueing their (coalesced) delivery and building what they show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.catalog.suggest import did_you_mean
from app.outbox import keys
from app.outbox.kinds import Kind
from app.routing.assessment import Impact, assess
from app.routing.targets import Routing, page_targets
from app.services.context import Context
from app.signals.grouping import likely_cause_first
from app.signals.view import CardView, SignalLine, Snapshot
from app.store import outbox, signals
from app.store.models import Incident, OutboxItem
from app.store.signal_models import SignalRecord, TriageCard


def enqueue_card(session: Session, card: TriageCard, now: datetime) -> None:
    """One pending delivery per card at a time: changes before it starts share it (it renders
    the card as stored when it runs), changes after need the next one, so the last state shows."""
    # Locked and read afresh: a render that started since this card was loaded bumped it, and
    # then this change needs the next render (``card_snapshot`` takes the same lock first).
    seq = session.scalar(
        select(TriageCard.refresh_seq).where(TriageCard.id == card.id).with_for_update()
    )
    key = keys.signal_card(card.id, seq or 0)
    previous = session.get(OutboxItem, card.last_item_id) if card.last_item_id else None
    if previous is not None and previous.key == key:
        return
    waits = previous is not None and previous.state == "pending"
    item = outbox.enqueue(
        session,
        key=key,
        kind=Kind.SIGNAL_CARD,
        now=now,
        payload={"card": card.id},
        after=previous if waits else None,
    )
    card.last_item_id = item.id


def card_view(session: Session, ctx: Context, card: TriageCard) -> CardView:
    catalog = ctx.catalog
    records = signals.signals_of(session, card.id)
    graph = ctx.routing().graph
    order = likely_cause_first([r.service for r in records], card.service, graph.closure_of)
    records.sort(key=lambda r: (order.index(r.service), r.id))
    known = card.service in catalog.services
    impact, routing = would_page(ctx, card)
    name = (
        catalog.services[card.service].name
        if known
        else f"{card.service} (unknown service{did_you_mean(card.service, catalog.services)})"
    )
    tiers: dict[int, list[str]] = {}
    for affected in impact.accounts:
        tiers.setdefault(affected.tier, []).append(affected.account.name)
    incident = session.get(Incident, card.incident_id) if card.incident_id else None
    return CardView(
        card_id=card.id,
        state=card.state,
        service=card.service,
        service_name=name,
        severity=impact.severity.severity,
        raised_by=tuple(impact.severity.raised_by),
        accounts=tuple((tier, tuple(names)) for tier, names in sorted(tiers.items())),
        paged=routing.people,
        signals=tuple(_line(ctx, record) for record in records),
        incident=incident.ref if incident else None,
        reason=card.reason,
        decided_by=card.decided_by,
    )


def would_page(ctx: Context, card: TriageCard) -> tuple[Impact, Routing]:
    """The card's impact (the same dependency-aware one as a declaration) and whom declaring
    it would page: what the card shows, and who may decide it (``signal_rights``)."""
    known = card.service in ctx.catalog.services
    impact = assess(ctx.routing(), card.severity, [card.service] if known else [])
    return impact, page_targets(ctx.catalog, impact, ctx.clock())


def _line(ctx: Context, record: SignalRecord) -> SignalLine:
    reporter = None
    if record.account:
        account = ctx.catalog.accounts.get(record.account)
        if account is not None:
            tier = ctx.routing().accounts.tier_of(account.id)
            liaison = f", liaison <@{account.liaison}>" if account.liaison else ""
            reporter = f"{account.name} (Tier {tier}{liaison})"
        else:
            reporter = record.account
    return SignalLine(
        summary=record.summary,
        status=record.status,
        received=record.received,
        service=record.service,
        source=record.source,
        url=record.url,
        reporter=reporter,
    )


def card_snapshot(ctx: Context, card_id: int) -> Snapshot | None:
    """The card as stored now, for a delivery; later changes enqueue the next delivery."""
    with ctx.uow() as session:
        # Locked before the signals are read: an intake changing them either finished first
        # (and shows) or waits, sees the new refresh_seq and queues the next render.
        card = session.get(TriageCard, card_id, with_for_update=True)
        if card is None:
            return None
        card.refresh_seq += 1
        view = card_view(session, ctx, card)
        config = ctx.catalog.policy.signals
        channel = card.channel_id or (
            (config.triage_channel if config else None)
            or ctx.catalog.policy.workspace.announce_channel
        )
        snapshot = Snapshot(view=view, channel=channel, ts=card.ts)
        session.commit()
    return snapshot


def card_posted(ctx: Context, card_id: int, channel: str, ts: str) -> None:
    with ctx.uow() as session:
        card = session.get_one(TriageCard, card_id)
        card.channel_id, card.ts = channel, ts
        session.commit()
