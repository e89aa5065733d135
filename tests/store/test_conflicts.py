"""A transaction PostgreSQL picks as a deadlock's victim is run again, not reported as a
failure: two processes receiving one alert storm lock cards and signals in orders no single
order fits."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import delete, select, update

from app.store.db import UnitOfWork, retrying_conflicts
from app.store.models import Counter


def test_both_sides_of_a_deadlock_are_applied(uow: UnitOfWork, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises every writer with BEGIN IMMEDIATE: no deadlock")
    left, right = f"left-{uuid.uuid4().hex}", f"right-{uuid.uuid4().hex}"
    with uow() as session:
        session.add_all([Counter(name=left, value=0), Counter(name=right, value=0)])
        session.commit()
    both_hold_one = threading.Barrier(2, timeout=10)
    attempts: list[str] = []
    errors: list[BaseException] = []

    def bump(first: str, second: str) -> None:
        barrier_passed = False

        def transaction() -> None:
            nonlocal barrier_passed
            attempts.append(first)
            with uow() as session:
                for n, name in enumerate((first, second)):
                    session.execute(
                        update(Counter).where(Counter.name == name).values(value=Counter.value + 1)
                    )
                    if n == 0 and not barrier_passed:
                        barrier_passed = True
                        both_hold_one.wait()
                session.commit()

        try:
            retrying_conflicts(transaction)
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=bump, args=(left, right)),
        threading.Thread(target=bump, args=(right, left)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(attempts) == 3  # one side ran twice
    with uow() as session:
        values = {
            name: value for name, value in session.execute(select(Counter.name, Counter.value))
        }
        session.execute(delete(Counter).where(Counter.name.in_([left, right])))
        session.commit()
    assert (values[left], values[right]) == (2, 2)
