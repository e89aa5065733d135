"""Alembic environment: runs on the engine Beacon built, or on the configured URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from app.store import signal_models  # noqa: F401  (registers the signal tables)
from app.store.db import make_engine
from app.store.models import Base

config = context.config
connectable = config.attributes.get("engine")
if not isinstance(connectable, Engine):
    connectable = make_engine(config.get_main_option("sqlalchemy.url") or "")

with connectable.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
