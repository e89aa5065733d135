"""Test databases: a fresh SQLite file per test, and PostgreSQL too when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import text

from app.settings import normalize_database_url
from app.store.db import make_engine
from app.store.migrate import upgrade

TABLES = (
    "checklist_ticks",
    "slack_events",
    "home_viewers",
    "incident_events",
    "outbox",
    "slack_ids",
    "pages",
    "timers",
    "status_updates",
    "account_threads",
    "subscriptions",
    "signal_events",
    "signals",
    "triage_cards",
    "incidents",
)


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def prepare(backend: str, tmp_path: Path) -> str:
    """A migrated, empty database for one test; returns its URL."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'beacon.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url
    url = normalize_database_url(os.environ["TEST_DATABASE_URL"])
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        connection.execute(text("UPDATE counters SET value = 0"))
    engine.dispose()
    return url
