"""Finding the incident a command means, on SQLite and PostgreSQL: by its number, else by the
channel the command runs in, with the sentences people read when there is none."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from app.domain.errors import NotFound
from app.domain.refs import IncidentRef
from app.services.lookup import NOT_AN_INCIDENT_CHANNEL, by_number, find_incident
from app.store.db import UnitOfWork, make_engine
from app.store.models import Incident

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def uow(database_url: str) -> Iterator[UnitOfWork]:
    engine = make_engine(database_url)
    uow = UnitOfWork(engine)
    with uow() as session:
        for number, channel, private in ((1, "C0INC1", False), (2, "C0INC2", True)):
            session.add(
                Incident(
                    number=number,
                    title=f"Incident {number}",
                    severity="SEV2",
                    declared_severity="SEV2",
                    private=private,
                    declared_by="U0DECLARER",
                    commander="U0IC",
                    channel_id=channel,
                    declared_at=NOW,
                )
            )
        session.commit()
    yield uow
    engine.dispose()


def _found(uow: UnitOfWork, which: IncidentRef) -> str:
    with uow() as session:
        return find_incident(session, which).ref


def _refusal(uow: UnitOfWork, which: IncidentRef) -> str:
    with uow() as session, pytest.raises(NotFound) as refused:
        find_incident(session, which)
    return refused.value.message


def test_by_number_from_any_channel(uow: UnitOfWork) -> None:
    assert _found(uow, IncidentRef("U0ANYONE", 1, "C0GENERAL")) == "INC-1"
    assert _found(uow, IncidentRef("U0ANYONE", 1, None)) == "INC-1"


def test_by_number_wins_over_the_channel(uow: UnitOfWork) -> None:
    assert _found(uow, IncidentRef("U0IC", 2, "C0INC1")) == "INC-2"


def test_by_channel_when_no_number_is_named(uow: UnitOfWork) -> None:
    assert _found(uow, IncidentRef("U0ANYONE", None, "C0INC1")) == "INC-1"
    assert _found(uow, IncidentRef("U0ANYONE", None, "C0INC2")) == "INC-2"


def test_unknown_number(uow: UnitOfWork) -> None:
    assert _refusal(uow, IncidentRef("U0ANYONE", 999, "C0INC1")) == "There is no INC-999."
    with uow() as session, pytest.raises(NotFound, match="There is no INC-999"):
        by_number(session, 999)


def test_not_an_incident_channel(uow: UnitOfWork) -> None:
    assert _refusal(uow, IncidentRef("U0ANYONE", None, "C0GENERAL")) == NOT_AN_INCIDENT_CHANNEL
    assert _refusal(uow, IncidentRef("U0ANYONE", None, None)) == NOT_AN_INCIDENT_CHANNEL


def test_a_private_incident_is_not_found_by_outsiders_elsewhere(uow: UnitOfWork) -> None:
    """Its existence does not leak: the same answer as for a number that was never used."""
    assert _refusal(uow, IncidentRef("U0OUTSIDER", 2, "C0GENERAL")) == "There is no INC-2."
    assert _found(uow, IncidentRef("U0OUTSIDER", 2, "C0INC2")) == "INC-2"
    assert _found(uow, IncidentRef("U0DECLARER", 2, "C0GENERAL")) == "INC-2"
    with uow() as session:
        assert by_number(session, 2).ref == "INC-2"  # an operator sees every incident
