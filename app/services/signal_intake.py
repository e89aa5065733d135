"""Signals in (SPEC 5.8): stored before the answer, de-duplicated, attached, ignored, declared
or put on a triage card; the patterns checked as they arrive."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.catalog.models import SignalsConfig
from app.metrics import SIGNALS
from app.outbox import keys
from app.outbox.enqueue import channel_item, notice
from app.services.context import Context
from app.services.signal_cards import enqueue_card
from app.services.signal_declare import declare_card
from app.signals import patterns
from app.signals.grouping import card_for
from app.signals.model import Signal
from app.signals.rules import decide
from app.store import incidents, outbox, signals
from app.store.db import retrying_conflicts
from app.store.models import Incident
from app.store.signal_models import SignalEvent, SignalRecord, TriageCard
from app.store.signal_repeats import NEW, Repeat, count_repeat, lock_card
from app.wording import timeline

log = logging.getLogger(__name__)
DEFAULT = SignalsConfig()


@dataclass
class Receipt:
    """The 202's body: what was done with the signals of one request."""

    accepted: int = 0
    incidents: list[str] = field(default_factory=list)
    triage: list[int] = field(default_factory=list)
    declare: dict[int, str] = field(default_factory=dict)
    """Cards to declare once the signals are committed, with the pattern or rule why."""

    def body(self) -> dict[str, object]:
        return {
            "accepted": self.accepted,
            "incidents": list(dict.fromkeys(self.incidents)),
            "triage": list(dict.fromkeys(self.triage)),
        }


class SignalIntake:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @property
    def config(self) -> SignalsConfig:
        return self.ctx.catalog.policy.signals or DEFAULT

    def receive(self, batch: list[Signal]) -> Receipt:
        """Stored (again, should PostgreSQL pick the transaction as a deadlock's victim: two
        processes receiving one storm lock cards and signals in orders no single order fits),
        then declared what a rule or pattern decided."""
        now = self.ctx.clock()
        return self._declare(retrying_conflicts(lambda: self._stored(batch, now)))

    def _stored(self, batch: list[Signal], now: datetime) -> Receipt:
        single = self._single(batch[0], now) if len(batch) == 1 else None
        if single is not None:
            return single
        receipt = Receipt()
        outcomes: list[tuple[Signal, str]] = []
        with self.ctx.uow() as session:
            signals.serialise(session, map(self._group, (signal.service for signal in batch)))
            for signal in batch:
                outcomes.append((signal, self._one(session, signal, now, receipt)))
                receipt.accepted += 1
            session.commit()
        self.ctx.on_commit()
        for signal, outcome in outcomes:
            SIGNALS.labels(source=_source(signal), outcome=outcome).inc()
        return receipt

    def _declare(self, receipt: Receipt) -> Receipt:
        """What a rule or pattern decided, declared once the signals are committed."""
        for card_id, reason in receipt.declare.items():
            try:
                declared = declare_card(self.ctx, card_id, reason=reason, actor=None)
            except Exception:  # the signals are stored: the timer loop declares it shortly
                log.exception("declaring triage card %s failed; the timer loop retries", card_id)
                continue
            if declared:
                receipt.incidents.append(declared)
        return receipt

    def _single(self, signal: Signal, now: datetime) -> Receipt | None:
        """One signal, a storm's shape: a duplicate is counted and a new signal stored outside
        the intake lock, which a new one takes only when it needs a card. None when a stored
        signal changed state: the caller decides that under the lock from the start."""
        receipt = Receipt(accepted=1)
        with self.ctx.uow() as session:
            seen = count_repeat(session, signal.identity, signal.status, now)
            record = None
            if seen == NEW:
                record = self._store(session, signal, now)
                if record is None:  # another process stored it meanwhile
                    seen = count_repeat(session, signal.identity, signal.status, now)
            if record is not None:
                _event(session, record, now)
                outcome, queued = self._route(session, record, signal, now, receipt), True
            elif isinstance(seen, Repeat):
                outcome, queued = "duplicate", self._repeated(session, seen, now, receipt)
            else:
                session.rollback()
                return None
            session.commit()
        if queued:
            self.ctx.on_commit()
        SIGNALS.labels(source=_source(signal), outcome=outcome).inc()
        return receipt

    def _group(self, service: str) -> str:
        return self.ctx.routing().graph.group_of(service)

    def _store(self, session: Session, signal: Signal, now: datetime) -> SignalRecord | None:
        """The new signal's row; None when another intake stored it first (waiting for its
        commit, as the identity is unique)."""
        record = _new_record(signal, now)
        try:
            with session.begin_nested():
                session.add(record)
        except IntegrityError:
            return None
        return record

    def _one(self, session: Session, signal: Signal, now: datetime, receipt: Receipt) -> str:
        record = signals.by_identity(session, signal.identity)
        if record is not None:
            return self._again(session, record, signal, now, receipt)
        record = _new_record(signal, now)
        session.add(record)
        session.flush()
        _event(session, record, now)
        return self._route(session, record, signal, now, receipt)

    def _route(
        self,
        session: Session,
        record: SignalRecord,
        signal: Signal,
        now: datetime,
        receipt: Receipt,
    ) -> str:
        """A signal on nothing yet: attached to an open incident, else as the rules decide.

        One that may need a card takes its group's intake lock before it asks for open
        incidents: a card declared while it waited for the lock has its incident committed by
        then."""
        decision = decide(self.ctx.catalog.policy, self.config, signal)
        carded = decision.declare != "ignore" and signal.status != "resolved"
        if carded:
            signals.serialise(session, [self._group(signal.service)])
        incident = _open_incident(session, self.ctx, signal.service)
        if incident is not None:
            record.incident_id, record.outcome = incident.id, "attached"
            _attach_line(session, incident, record, now)
            receipt.incidents.append(incident.ref)
            return "attached"
        record.outcome = "ignored" if decision.declare == "ignore" else decision.declare
        record.rule = decision.rule
        if not carded:
            return record.outcome
        card = self._card(session, signal.service, decision.severity, now)
        record.card_id = card.id
        enqueue_card(session, card, now)
        receipt.triage.append(card.id)
        if decision.declare == "auto":
            _decide(card, f"{_rule_text(self.config, decision.rule)}: {signal.summary}", receipt)
        else:
            self._patterns(session, card, record, now, receipt)
        return record.outcome

    def _repeated(self, session: Session, repeat: Repeat, now: datetime, receipt: Receipt) -> bool:
        """A duplicate: its count on the card (declared or not: the count is what was sent).
        True when a render of the card was queued."""
        if repeat.incident_number is not None:
            receipt.incidents.append(f"INC-{repeat.incident_number}")
        if repeat.card_id is None:
            return False
        if repeat.incident_number is None:
            receipt.triage.append(repeat.card_id)
        if repeat.render_waits:
            return False
        enqueue_card(session, session.get_one(TriageCard, repeat.card_id), now)
        return True

    def _again(
        self,
        session: Session,
        record: SignalRecord,
        signal: Signal,
        now: datetime,
        receipt: Receipt,
    ) -> str:
        """The same signal again: a count, unless its state changed. Firing again after its
        incident was resolved (or its card decided), it is routed afresh."""
        if record.card_id is not None:
            lock_card(session, record.card_id)
        record.received += 1
        record.last_at = now
        changed = record.status != signal.status
        record.status = signal.status
        if changed:
            _event(session, record, now)
        if changed and signal.status == "firing" and _settled(session, record):
            record.incident_id = record.card_id = None
            self._route(session, record, signal, now, receipt)
            return "changed"
        if record.incident_id is not None:
            incident = session.get_one(Incident, record.incident_id)
            receipt.incidents.append(incident.ref)
            if changed:
                _attach_line(session, incident, record, now)
            if record.card_id is not None:  # a declared card still counts what was sent
                enqueue_card(session, session.get_one(TriageCard, record.card_id), now)
        elif record.card_id is not None:
            card = session.get_one(TriageCard, record.card_id)
            receipt.triage.append(card.id)
            enqueue_card(session, card, now)
            if changed and signal.status == "firing":
                self._patterns(session, card, record, now, receipt)
        return "changed" if changed else "duplicate"

    def _card(self, session: Session, service: str, severity: str, now: datetime) -> TriageCard:
        graph = self.ctx.routing().graph
        cards = signals.open_cards(session, now, graph.members(graph.group_of(service)))
        found = card_for(service, [card.service for card in cards], graph.closure_of)
        rank = {level.id: level.rank for level in self.ctx.catalog.policy.severities}
        if found is not None:
            joined, centre = found
            card = next(card for card in cards if card.service == joined)
            card.service = centre
            if rank.get(severity, 99) < rank.get(card.severity, 99):
                card.severity = severity
            return card
        card = TriageCard(
            service=service,
            state=signals.OPEN,
            severity=severity,
            opened_at=now,
            window_ends=now + self.config.group_within,
            sustained_due=patterns.sustained_due(self.config, now),
            refresh_seq=0,
        )
        session.add(card)
        session.flush()
        return card

    def _patterns(
        self,
        session: Session,
        card: TriageCard,
        record: SignalRecord,
        now: datetime,
        receipt: Receipt,
    ) -> None:
        config = self.config
        reason = None
        if config.repeats is not None:
            since = now - config.repeats.within
            reason = patterns.repeats(config, signals.firings(session, record.id, since), now)
        if reason is None and config.customer_reports is not None and record.account:
            since = now - config.customer_reports.within
            reason = patterns.customer_reports(
                config, signals.reports(session, card.id, since), now
            )
        if reason is not None:
            _decide(card, reason, receipt)


def _decide(card: TriageCard, reason: str, receipt: Receipt) -> None:
    """The first rule or pattern to decide declares the card. A signal arriving while that
    declaration runs (this process's or another's) joins the card, which the declaration takes
    along, instead of starting its own that would wait for the first and find it made; the
    timer loop declares a card whose declarer died."""
    if card.pending is None:
        card.pending = reason
        receipt.declare[card.id] = reason


def _settled(session: Session, record: SignalRecord) -> bool:
    """Its incident is resolved or its card dismissed: nothing is watching it any more."""
    if record.incident_id is not None:
        return session.get_one(Incident, record.incident_id).status == "resolved"
    if record.card_id is not None:
        card = session.get_one(TriageCard, record.card_id)
        return card.state == "dismissed"
    return record.outcome != "ignored"


def _rule_text(config: SignalsConfig, index: int | None) -> str:
    """``rule 1 (alertname=CheckoutDown) declares at once``: the reason an auto incident gives."""
    if index is None:
        return "a rule"
    matchers = ", ".join(
        f"{m.label}{'=~' if m.regex else '='}{m.value}" for m in config.rules[index].match
    )
    return f"rule {index + 1} ({matchers}) declares at once"


def _new_record(signal: Signal, now: datetime) -> SignalRecord:
    return SignalRecord(
        identity=signal.identity,
        source=signal.source,
        service=signal.service,
        status=signal.status,
        summary=signal.summary,
        labels=signal.labels,
        severity=signal.severity,
        url=signal.url,
        account=signal.account,
        outcome="attached",
        received=1,
        first_at=now,
        last_at=now,
    )


def _source(signal: Signal) -> str:
    return signal.source if signal.source in ("alertmanager", "customer") else "beacon"


def _event(session: Session, record: SignalRecord, now: datetime) -> None:
    session.add(SignalEvent(signal_id=record.id, at=now, status=record.status))
    session.flush()


def _open_incident(session: Session, ctx: Context, service: str) -> Incident | None:
    for incident in incidents.open_incidents(session):
        if incident.drill:
            continue
        if service in ctx.impact(incident).services:
            return incident
    return None


def _attach_line(session: Session, incident: Incident, record: SignalRecord, now: datetime) -> None:
    """One line per state change, in the channel and on the timeline; duplicates add none."""
    data: dict[str, Any] = {
        "signal": record.id,
        "status": record.status,
        "identity": record.identity,
        "service": record.service,
        "summary": record.summary,
        "source": record.source,
    }
    incidents.record(session, incident, at=now, actor=None, kind="signal", data=data)
    text = timeline.mrkdwn("signal", None, **data)
    changes = signals.changes(session, record.id)
    previous = outbox.by_key(session, keys.notice(incident.id, _notice(record.id, changes - 1)))
    waits = previous is not None and previous.state == "pending"
    notice(
        session,
        incident,
        text,
        key=_notice(record.id, changes),
        now=now,
        after=previous if waits else channel_item(session, incident),
    )


def _notice(signal_id: int, change: int) -> str:
    """The reason naming a signal's ``change``-th notice in its incident's channel."""
    return f"signal:{signal_id}:{change}"
