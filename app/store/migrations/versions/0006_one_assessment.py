"""one stored assessment per incident: severity, declared severity and named services join the
impact record, so nothing needs to assess an incident again

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

incidents = sa.table(
    "incidents",
    sa.column("id", sa.Integer),
    sa.column("severity", sa.String),
    sa.column("declared_severity", sa.String),
    sa.column("services", sa.JSON),
    sa.column("impact", sa.JSON),
)


def _loaded(value: object) -> object:
    return json.loads(value) if isinstance(value, str) else value


def upgrade() -> None:
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            incidents.c.id,
            incidents.c.severity,
            incidents.c.declared_severity,
            incidents.c.services,
            incidents.c.impact,
        )
    ).all()
    for row in rows:
        impact = dict(_loaded(row.impact) or {})  # type: ignore[call-overload]
        named = list(_loaded(row.services) or [])  # type: ignore[call-overload]
        impact.setdefault("severity", row.severity)
        impact.setdefault("declared_severity", row.declared_severity)
        impact.setdefault("named_services", named)
        impact.setdefault("services", sorted(named))
        impact.setdefault("accounts", [])
        impact.setdefault("raised_because", [])
        impact.setdefault("update_every", None)
        connection.execute(incidents.update().where(incidents.c.id == row.id).values(impact=impact))


def downgrade() -> None:
    """The added keys are harmless to the older code, which ignores them."""
