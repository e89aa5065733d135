"""SQLAlchemy models: incidents, their timeline, the Slack outbox and cached Slack ids."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime stored; use aware UTC datetimes")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[str]: JSON}


class Counter(Base):
    """Named sequences incremented with UPDATE … RETURNING, which locks the row on PostgreSQL."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Incident(Base):
    __tablename__ = "incidents"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    request_key: Mapped[str | None] = mapped_column(String(255), unique=True)
    """Slack's id for the request that declared it (trigger or view id): a redelivery finds it."""
    title: Mapped[str] = mapped_column(String(300))
    severity: Mapped[str] = mapped_column(String(20))
    declared_severity: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="investigating")
    private: Mapped[bool] = mapped_column(Boolean, default=False)
    drill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """A rehearsal (``declare drill``, ``beacon drill --live``): left out of every metric."""
    customer_visible: Mapped[bool] = mapped_column(Boolean, default=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    services: Mapped[list[str]] = mapped_column(default=list)
    accounts: Mapped[list[str]] = mapped_column(default=list)
    impact: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """Assessed at declaration: service closure, affected accounts with tiers, severity raise."""
    declared_by: Mapped[str] = mapped_column(String(40))
    commander: Mapped[str] = mapped_column(String(40))
    comms_lead: Mapped[str | None] = mapped_column(String(40))
    origin_channel: Mapped[str | None] = mapped_column(String(40))
    channel_id: Mapped[str | None] = mapped_column(String(40))
    channel_name: Mapped[str | None] = mapped_column(String(80))
    brief_ts: Mapped[str | None] = mapped_column(String(40))
    announce_channel_id: Mapped[str | None] = mapped_column(String(40))
    announce_ts: Mapped[str | None] = mapped_column(String(40))
    declared_at: Mapped[datetime]
    next_update_due: Mapped[datetime | None]
    last_update_at: Mapped[datetime | None]
    """When the last customer update went out: the cadence counts from here."""
    escalation_level: Mapped[int] = mapped_column(default=0)
    """Escalation levels fired so far; the next one is ``policy.escalation[escalation_level]``."""
    resolved_at: Mapped[datetime | None]

    events: Mapped[list[IncidentEvent]] = relationship(
        back_populates="incident", order_by="IncidentEvent.id", cascade="all, delete-orphan"
    )
    mitigations: Mapped[list[Mitigation]] = relationship(order_by="Mitigation.id")

    @property
    def ref(self) -> str:
        return f"INC-{self.number}"


class IncidentEvent(Base):
    """The timeline and audit log: who did what, when; never updated, only appended."""

    __tablename__ = "incident_events"
    __table_args__ = (Index("ix_incident_events_incident_at", "incident_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[datetime]
    actor: Mapped[str | None] = mapped_column(String(40))
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text, default="")
    """The sentence rows kept before events carried their data; empty since (app/wording)."""
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)

    incident: Mapped[Incident | None] = relationship(back_populates="events")


class OutboxItem(Base):
    """One Slack side effect, written in the transaction of the change that implies it.

    ``key`` makes enqueueing idempotent; ``after_id`` orders effects that need an earlier one's
    result (a pin needs the message ``ts``); ``result`` keeps what Slack returned.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "state", "available_at"),
        Index("ix_outbox_lane", "state", "kind", "available_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    after_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    priority: Mapped[int] = mapped_column(default=0, server_default="0")
    """Among due items of one urgency, lower first: the rank of the incident's severity for its
    opening and pages, so a storm of declarations pages the most severe first."""
    available_at: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None]
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]


class SlackIdCache(Base):
    """Channel names and emails resolved to Slack ids once, shared by every process."""

    __tablename__ = "slack_ids"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str | None] = mapped_column(String(40))
    resolved_at: Mapped[datetime]


class Page(Base):
    """One person paged for one incident; acknowledged at most once."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("incident_id", "person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    person: Mapped[str] = mapped_column(String(255))
    """As configured: a Slack user id, or an email until it is resolved."""
    user_id: Mapped[str | None] = mapped_column(String(40))
    roles: Mapped[list[str]] = mapped_column(default=list)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    stops_escalation: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(40))
    """``declare``, ``escalation 2``, ``manual``, ``severity``…: why this page was sent."""
    paged_by: Mapped[str | None] = mapped_column(String(40))
    paged_at: Mapped[datetime]
    acked_at: Mapped[datetime | None]
    acked_by: Mapped[str | None] = mapped_column(String(40))


class Timer(Base):
    """A durable deadline (an escalation, a reminder). Fired by flipping ``state`` in the
    transaction that records its effects, so it fires once however many workers watch it."""

    __tablename__ = "timers"
    __table_args__ = (Index("ix_timers_due", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10), default="pending")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime]
    fired_at: Mapped[datetime | None]


class StatusUpdate(Base):
    """One `/incident update` (or a drafted notice): the internal brief posted at once and the
    customer-facing draft that waits for the IC's decision."""

    __tablename__ = "status_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(20))
    """``update``, ``initial`` (the notice drafted at declaration) or ``resolution``."""
    drafted_by: Mapped[str | None] = mapped_column(String(40))
    drafted_at: Mapped[datetime]
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    internal_text: Mapped[str] = mapped_column(Text, default="")
    customer_text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="pending")
    """``pending`` → ``approved`` | ``rejected``; a decision is taken once."""
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    edited_by: Mapped[str | None] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    """Moves on with every edit; the approval card carries it, so Approve sends what was seen."""
    sent_to: Mapped[int] = mapped_column(default=0)
    """Account threads the approved text went to."""


class AccountThread(Base):
    """The one thread per (incident, account) where the account's liaison follows along."""

    __tablename__ = "account_threads"
    __table_args__ = (UniqueConstraint("incident_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    account_id: Mapped[str] = mapped_column(String(255))
    tier: Mapped[int]
    channel: Mapped[str] = mapped_column(String(100))
    """As configured (``#name`` or id) until delivery resolves it."""
    channel_id: Mapped[str | None] = mapped_column(String(40))
    thread_ts: Mapped[str | None] = mapped_column(String(40))
    opened_at: Mapped[datetime]


class Subscription(Base):
    """A CS person following an account: mentioned in its threads."""

    __tablename__ = "subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(40))
    account_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]


class ChecklistTick(Base):
    """One recovery-checklist item ticked in one account thread: at most once, by whom, when."""

    __tablename__ = "checklist_ticks"
    __table_args__ = (UniqueConstraint("thread_id", "item"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("account_threads.id"))
    item: Mapped[str] = mapped_column(String(40))
    ticked_by: Mapped[str] = mapped_column(String(40))
    ticked_at: Mapped[datetime]


class Mitigation(Base):
    """A temporary mitigation asked for with ``/incident mitigate`` (SPEC 5.10): ``pending`` →
    ``authorised`` | ``denied`` by one click; ``authorised`` → ``lapsed`` unless renewed."""

    __tablename__ = "mitigations"

    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    action: Mapped[str] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(40))
    requested_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(40))
    decided_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    renewals: Mapped[int] = mapped_column(default=0)
    """Renewals so far; the Renew button carries it, so a double click renews once."""
    renewed_by: Mapped[str | None] = mapped_column(String(40))


class SlackEvent(Base):
    """Events API deliveries already handled, by Slack's ``event_id``: retries are dropped."""

    __tablename__ = "slack_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime]


class HomeViewer(Base):
    """Someone who opened Beacon's App Home: it is republished for them when incidents change."""

    __tablename__ = "home_viewers"

    user_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    opened_at: Mapped[datetime]
