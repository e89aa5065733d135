"""Channel names and emails from the config, resolved to Slack ids once and cached.

The database copy is shared by every process; the in-memory copy keeps the hot path free of
queries after the first use.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.orm import Session

from app.slack.gateway import SlackFailure, SlackGateway
from app.store.db import UnitOfWork
from app.store.models import SlackIdCache

T = TypeVar("T")


def is_channel_id(ref: str) -> bool:
    return not ref.startswith("#") and ref[:1] in {"C", "G", "D"} and ref[1:].isalnum()


class Directory:
    def __init__(
        self, *, gateway: SlackGateway, uow: UnitOfWork, clock: Callable[[], datetime]
    ) -> None:
        self.gateway = gateway
        self.uow = uow
        self.clock = clock
        self._memory: dict[str, str | None] = {}
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
            raise SlackFailure("conversations.list", f"channel #{name} not found", False)
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
        """Whether ``key`` was resolved before (an unknown email is cached as None), and to what."""
        if key in self._memory:
            return True, self._memory[key]

        def read(session: Session) -> SlackIdCache | None:
            return session.get(SlackIdCache, key)

        row = await asyncio.to_thread(self._with_session, read)
        if row is None:
            return False, None
        self._memory[key] = row.value
        return True, row.value

    async def _store(self, key: str, value: str | None) -> None:
        self._memory[key] = value

        def write(session: Session) -> None:
            session.merge(SlackIdCache(key=key, value=value, resolved_at=self.clock()))
            session.commit()

        await asyncio.to_thread(self._with_session, write)

    def _with_session(self, work: Callable[[Session], T]) -> T:
        with self.uow() as session:
            return work(session)
