"""People as Slack user ids: configured emails resolve through the shared ``slack_ids`` cache.

``Directory.warm`` looks every configured email up once at start and stores the answer in that
table; services read it in their own transaction, so every process compares the same ids and
one person named by email in one place and by id in another is one person.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session

from app.catalog.models import Person
from app.routing.targets import PageTarget
from app.store import paging
from app.store.models import Page, SlackIdCache


def person_ids(session: Session) -> Callable[[Person], str]:
    """A configured person as a Slack user id: an email Slack knows becomes its id; an id, or
    an email not (yet) resolved, stays as written."""
    found: dict[str, str] = {}

    def person_id(person: Person) -> str:
        if "@" not in person:
            return person
        if person not in found:
            row = session.get(SlackIdCache, f"email:{person.lower()}")
            found[person] = row.value if row is not None and row.value else person
        return found[person]

    return person_id


def paged(session: Session, incident_id: int) -> frozenset[str]:
    """Everyone paged for the incident so far, as user ids."""
    person_id = person_ids(session)
    return frozenset(
        page.user_id or person_id(page.person) for page in paging.pages_of(session, incident_id)
    )


def unpaged(
    session: Session, pages: Iterable[Page], targets: Iterable[PageTarget]
) -> list[PageTarget]:
    """The targets not among ``pages`` (the incident's so far), one per person (see
    ``one_per_person``)."""
    person_id = person_ids(session)
    already = {page.user_id or person_id(page.person) for page in pages}
    return [t for t in one_per_person(targets, person_id) if t.person not in already]


def one_per_person(
    targets: Iterable[PageTarget], person_id: Callable[[Person], str]
) -> list[PageTarget]:
    """Targets merged by the user id they resolve to, every role and reason kept, so a person
    named by email in one list and by id in another gets one page."""
    merged: dict[str, PageTarget] = {}
    for target in targets:
        who = person_id(target.person)
        seen = merged.get(who)
        if seen is None:
            merged[who] = PageTarget(who, target.roles, target.reasons, target.stops_escalation)
        else:
            merged[who] = PageTarget(
                who,
                tuple(dict.fromkeys([*seen.roles, *target.roles])),
                tuple(dict.fromkeys([*seen.reasons, *target.reasons])),
                seen.stops_escalation or target.stops_escalation,
            )
    return list(merged.values())
