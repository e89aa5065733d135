"""The signal intake's locks, per group of services that can share a card: one process choosing
a group's card holds back another choosing that group's, never one choosing another group's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from app.store import signals
from app.store.db import UnitOfWork


@contextmanager
def holding(uow: UnitOfWork, groups: list[str]) -> Iterator[None]:
    """Another transaction holds ``groups``' locks until the block ends."""
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with uow() as session:
            signals.serialise(session, groups)
            taken.set()
            release.wait(30)
            session.commit()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(10)
        yield
    finally:
        release.set()
        holder.join()


def locking(uow: UnitOfWork, groups: list[str]) -> tuple[threading.Thread, threading.Event]:
    """A transaction taking ``groups``' locks in a thread; the event is set once it has them."""
    locked = threading.Event()

    def lock() -> None:
        with uow() as session:
            signals.serialise(session, groups)
            locked.set()
            session.commit()

    thread = threading.Thread(target=lock)
    thread.start()
    return thread, locked


@pytest.fixture
def postgresql(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises every writer with BEGIN IMMEDIATE")


@pytest.mark.usefixtures("postgresql")
def test_a_group_held_elsewhere_waits_until_it_is_released(uow: UnitOfWork) -> None:
    with holding(uow, ["payments", "checkout"]):
        thread, locked = locking(uow, ["checkout"])
        assert not locked.wait(0.5)
    assert locked.wait(10)
    thread.join()


@pytest.mark.usefixtures("postgresql")
def test_other_groups_go_on_while_one_is_held(uow: UnitOfWork) -> None:
    with holding(uow, ["payments"]):
        thread, locked = locking(uow, ["search", "checkout"])
        assert locked.wait(10)  # while payments is still held
        thread.join()
