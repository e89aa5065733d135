"""Engine and unit of work: one session per handler call and per job; services commit."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

READ_ONLY = "beacon_read_only"
"""Execution option of a read-only unit of work (``UnitOfWork.read``)."""
CONFLICTS = frozenset({"40P01", "40001"})
"""PostgreSQL's deadlock_detected and serialization_failure: the transaction was rolled back
whole, and running it again is how PostgreSQL asks to be answered."""
RETRIES = 3
T = TypeVar("T")


def retrying_conflicts(transaction: Callable[[], T]) -> T:
    """``transaction`` (a whole unit of work, committed inside), again when PostgreSQL chose it
    as a deadlock's or a serialisation failure's victim, up to ``RETRIES`` times in all."""
    for attempt in range(1, RETRIES + 1):
        try:
            return transaction()
        except DBAPIError as error:
            if attempt == RETRIES or getattr(error.orig, "sqlstate", None) not in CONFLICTS:
                raise
            log.info("transaction lost a conflict (%s); running it again", error.orig)
    raise AssertionError("unreachable")


def make_engine(url: str, *, lock_timeout: float = 30.0) -> Engine:
    """``lock_timeout``: seconds a statement waits for a lock before it fails (SQLite's busy
    timeout, PostgreSQL's ``lock_timeout``), so a locked database is an error the caller can
    report and retry rather than a wait without end."""
    millis = int(lock_timeout * 1000)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": lock_timeout}
        )
        event.listen(engine, "connect", _sqlite_pragmas(millis))
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    return create_engine(
        url,
        pool_size=10,
        max_overflow=20,
        pool_pre_ping=True,
        connect_args={"options": f"-c lock_timeout={millis}"},
    )


def _sqlite_pragmas(busy_timeout: int) -> Callable[[Any, Any], None]:
    """WAL lets readers run beside the writer; the busy timeout queues concurrent writers.

    pysqlite's own transaction handling is turned off so that ``_sqlite_begin_immediate`` decides
    when a transaction starts.
    """

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_timeout}")
        cursor.close()

    return on_connect


def _sqlite_begin_immediate(connection: Any) -> None:
    """Take the write lock up front: a deferred transaction that reads and then writes fails with
    SQLITE_BUSY instead of waiting when another thread writes in between. A read-only unit of
    work begins deferred: under WAL it reads a snapshot and never waits for the writer."""
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class UnitOfWork:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def __call__(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session that only reads (effects loading what they render): on SQLite it does not
        queue behind the writers; it must not write."""
        with self() as session:
            session.connection(execution_options={READ_ONLY: True})
            yield session
