"""outbox priority and lane index: pages of the most severe incidents are claimed first

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))
    # each dispatcher lane claims its own kinds: a thousand waiting App Home publishes must not
    # be scanned by every claim of pages
    op.create_index("ix_outbox_lane", "outbox", ["state", "kind", "available_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_lane", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("priority")
