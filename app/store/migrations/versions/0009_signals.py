"""signals, their state changes and triage cards (SPEC 5.8)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "triage_cards",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("service", sa.String(255), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("severity", sa.String(40), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_ends", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sustained_due", sa.DateTime(timezone=True), nullable=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=True),
        sa.Column("pending", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(40), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sa.String(40), nullable=True),
        sa.Column("ts", sa.String(40), nullable=True),
        sa.Column("refresh_seq", sa.Integer(), nullable=False),
        sa.Column("last_item_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=True),
    )
    op.create_index("ix_triage_cards_state", "triage_cards", ["state", "service"])
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("identity", sa.String(255), nullable=False, unique=True),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("service", sa.String(255), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("severity", sa.String(40), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("account", sa.String(255), nullable=True),
        sa.Column("outcome", sa.String(12), nullable=False),
        sa.Column("rule", sa.Integer(), nullable=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card_id", sa.Integer(), sa.ForeignKey("triage_cards.id"), nullable=True),
        sa.Column("incident_id", sa.Integer(), sa.ForeignKey("incidents.id"), nullable=True),
    )
    op.create_index("ix_signals_service", "signals", ["service", "last_at"])
    op.create_table(
        "signal_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("signal_id", sa.Integer(), sa.ForeignKey("signals.id"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
    )
    op.create_index("ix_signal_events_signal_at", "signal_events", ["signal_id", "at"])
    counters = sa.table("counters", sa.column("name", sa.String), sa.column("value", sa.Integer))
    op.bulk_insert(counters, [{"name": "signals", "value": 0}])


def downgrade() -> None:
    op.execute("DELETE FROM counters WHERE name = 'signals'")
    op.drop_table("signal_events")
    op.drop_table("signals")
    op.drop_table("triage_cards")
