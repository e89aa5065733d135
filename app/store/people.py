"""People the configuration names by email, as Slack resolved them (the directory's cache)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.store.models import SlackIdCache

_PREFIX = "email:"


def resolved_emails(session: Session) -> dict[str, str]:
    """Lower-cased email → Slack user id, for every email Slack knew."""
    rows = session.execute(
        select(SlackIdCache.key, SlackIdCache.value).where(
            SlackIdCache.key.startswith(_PREFIX), SlackIdCache.value.is_not(None)
        )
    )
    return {key.removeprefix(_PREFIX): str(value) for key, value in rows}


def remember(session: Session, key: str, value: str | None, resolved_at: datetime) -> None:
    """Store what Slack resolved ``key`` to, replacing an earlier answer. One upsert: processes
    starting together (the web process's worker, other workers) resolve the same configured
    emails at once, and a look-up then an insert let the second fail on the first's row."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    upsert = postgresql_insert if postgresql else sqlite_insert  # the two Beacon runs on
    row = upsert(SlackIdCache).values(key=key, value=value, resolved_at=resolved_at)
    session.execute(
        row.on_conflict_do_update(
            index_elements=[SlackIdCache.key],
            set_={"value": row.excluded.value, "resolved_at": row.excluded.resolved_at},
        )
    )
