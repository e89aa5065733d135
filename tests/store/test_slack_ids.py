"""The cache of what Slack resolved (emails, channel names, DMs), shared by every process."""

from __future__ import annotations

import threading
import time

from app.store import people
from app.store.db import UnitOfWork
from app.store.models import SlackIdCache
from tests.store.support import NOW

KEY = "email:dana@example.com"


def test_two_processes_resolving_one_email_at_once_both_store_it(uow: UnitOfWork) -> None:
    """Workers starting together look up the same configured emails. The second's write waits
    for the first's and must then replace it: a look-up then an insert (what ``merge`` does)
    failed on PostgreSQL with a duplicate key, and the worker exited at start."""
    first_wrote = threading.Event()
    errors: list[Exception] = []

    def second() -> None:
        first_wrote.wait(10)
        try:
            with uow() as session:
                people.remember(session, KEY, "U0SECOND", NOW)
                session.commit()
        except Exception as error:
            errors.append(error)

    other = threading.Thread(target=second)
    other.start()
    with uow() as session:
        people.remember(session, KEY, "U0FIRST", NOW)
        first_wrote.set()
        time.sleep(0.3)  # the second now waits on this row (PostgreSQL) or the write lock
        session.commit()
    other.join(30)
    assert errors == []
    with uow.read() as session:
        assert session.get_one(SlackIdCache, KEY).value == "U0SECOND"
