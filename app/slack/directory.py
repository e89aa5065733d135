"""Channel names and emails from the config, resolved to Slack ids once and cached.

The database copy is shared by every process; the in-memory copy keeps the hot path free of
queries after the first use. An email Slack does not know is remembered as unknown for a day
only: the person may join the workspace later, and then they should be paged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

from app.slack.gateway import SlackFailure, SlackGateway
from app.store import people
from app.store.db import UnitOfWork
from app.store.models import SlackIdCache

T = TypeVar("T")
UNKNOWN_FOR = timedelta(days=1)
"""How long an email Slack did not know stays unknown before it is looked up again."""


class UnreachableChannel(SlackFailure):
    """A configured channel Slack does not show Beacon: missing, or private and Beacon was
    never invited (private channels are invisible to conversations.list until then)."""

    def __init__(self, name: str) -> None:
        super().__init__("conversations.list", f"channel {name} not found", False)


log = logging.getLogger(__name__)
WARM_WITHIN = 20.0


def is_channel_id(ref: str) -> bool:
    return not ref.startswith("#") and ref[:1] in {"C", "G", "D"} and ref[1:].isalnum()


class Directory:
    def __init__(
        self, *, gateway: SlackGateway, uow: UnitOfWork, clock: Callable[[], datetime]
    ) -> None:
        self.gateway = gateway
        self.uow = uow
        self.clock = clock
        self._memory: dict[str, tuple[str | None, datetime]] = {}
        self._opening: dict[str, asyncio.Future[str]] = {}

    async def channel_id(self, ref: str) -> str:
        if is_channel_id(ref):
            return ref
        name = ref.removeprefix("#")
        key = f"channel:{name}"
        _, found = await self._cached(key)
        if found:
            return found
        channel = await self.gateway.find_channel(name)
        if channel is None:
            raise UnreachableChannel(f"#{name}")
        await self._store(key, str(channel["id"]))
        return str(channel["id"])

    async def user_id(self, person: str) -> str | None:
        """A Slack user id for a config person; None for an email Slack does not know."""
        if "@" not in person:
            return person
        key = f"email:{person.lower()}"
        known, found = await self._cached(key)
        if not known:
            found = await self.gateway.lookup_email(person)
            await self._store(key, found)
        return found

    async def warm(self, people: Iterable[str]) -> None:
        """Resolve every configured email once at start, so that decision rights and paging,
        which read the shared cache, compare people as ids. A failure is logged, not fatal:
        that person is then compared as written until a delivery resolves them. Bounded, so
        a Slack outage never holds the start up."""
        try:
            async with asyncio.timeout(WARM_WITHIN):
                for person in people:
                    try:
                        await self.user_id(person)
                    except SlackFailure as failure:
                        log.warning("could not look up %s in Slack: %s", person, failure)
        except TimeoutError:
            log.warning("configured emails not all looked up within %ss", WARM_WITHIN)

    async def dm_channel(self, user: str) -> str:
        """The id of Beacon's DM with ``user``, opened once (conversations.open is Tier 3: a
        call per page would throttle a storm of pages) and remembered for every process. Pages
        to one person at once share the one call."""
        key = f"dm:{user}"
        _, found = await self._cached(key)
        if found:
            return found
        opening = self._opening.get(key)
        if opening is None:
            opening = self._opening[key] = asyncio.ensure_future(self._open_dm(key, user))
            opening.add_done_callback(lambda _: self._opening.pop(key, None))
        return await asyncio.shield(opening)

    async def _open_dm(self, key: str, user: str) -> str:
        channel = await self.gateway.open_dm(user)
        await self._store(key, channel)
        return channel

    async def _cached(self, key: str) -> tuple[bool, str | None]:
        """Whether ``key`` was resolved before (an unknown email is cached as None for
        :data:`UNKNOWN_FOR`), and to what."""
        if key not in self._memory:

            def read(session: Session) -> SlackIdCache | None:
                return session.get(SlackIdCache, key)

            row = await asyncio.to_thread(self._with_session, read)
            if row is None:
                return False, None
            at = row.resolved_at
            self._memory[key] = row.value, at if at.tzinfo else at.replace(tzinfo=UTC)
        value, resolved_at = self._memory[key]
        if value is None and self.clock() - resolved_at >= UNKNOWN_FOR:
            return False, None
        return True, value

    async def _store(self, key: str, value: str | None) -> None:
        now = self.clock()
        self._memory[key] = value, now

        def write(session: Session) -> None:
            people.remember(session, key, value, now)
            session.commit()

        await asyncio.to_thread(self._with_session, write)

    def _with_session(self, work: Callable[[Session], T]) -> T:
        with self.uow() as session:
            return work(session)
