"""People the configuration names by email, as Slack resolved them (the directory's cache)."""

from __future__ import annotations

from sqlalchemy import select
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
