"""Outcomes recorded together: every delivery that finishes while a transaction records others
waits for the next one, which records them all (a group commit: on SQLite every transaction
queues for the one write lock, so a transaction per delivery would queue them one by one)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

Entry = TypeVar("Entry")
Answer = TypeVar("Answer")


class GroupCommit(Generic[Entry, Answer]):
    def __init__(
        self,
        write: Callable[[list[Entry]], Awaitable[list[Answer]]],
        before: Callable[[], Awaitable[None]],
    ) -> None:
        self._write = write
        """Records a batch; one answer per entry, in order."""
        self._before = before
        """Awaited before each batch (the dispatcher's hold)."""
        self._waiting: list[tuple[Entry, asyncio.Future[Answer]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def __call__(self, entry: Entry) -> Answer:
        turn: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting.append((entry, turn))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        return await turn

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()

    async def _write_waiting(self) -> None:
        while self._waiting:
            await self._before()
            batch, self._waiting = self._waiting, []
            try:
                answers = await self._write([entry for entry, _ in batch])
            except BaseException as error:  # cancelled at shutdown: nobody waits forever
                for _, turn in batch:
                    if not turn.done():
                        turn.set_exception(error)
                raise
            for (_, turn), answer in zip(batch, answers, strict=True):
                turn.set_result(answer)
