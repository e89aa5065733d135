"""Runs a drill: Beacon on the sandbox, a compressed clock, the steps acted as real requests.

The clock is real time plus whatever the runner skips: between steps it jumps straight to the
next due timer (escalation, reminder) or step, waits until Beacon has delivered everything,
and goes on. A 40-minute incident takes seconds, and every timer fires in order, on time.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.catalog.models import Catalog
from app.drills.metrics import Metrics, measure
from app.drills.script import Drill, DrillError, Step
from app.drills.stage import Stage
from app.routing.oncall import on_call_at
from app.sandbox.actor import Answer
from app.sandbox.runtime import Sandbox, Seen, contained
from app.settings import Settings
from app.store.models import Incident, Timer

log = logging.getLogger(__name__)

_SETTLE_TIMEOUT = 15.0
_POLL = 0.05
_TIMER_INTERVAL = 0.2


class DrillClock:
    """Real time plus the skips the runner made, so timers fire without waiting for them."""

    def __init__(self) -> None:
        self.start = datetime.now(UTC)
        self.offset = timedelta()
        self._skips: list[tuple[float, timedelta]] = [(self.start.timestamp(), timedelta())]

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    @property
    def elapsed(self) -> timedelta:
        return self() - self.start

    def skip_to(self, at: timedelta) -> None:
        if self.elapsed < at:
            self.offset += at - self.elapsed
            self._skips.append((datetime.now(UTC).timestamp(), self.offset))

    def drill_time(self, real_ts: float) -> timedelta:
        """When something the fake Slack stamped at ``real_ts`` happened, on the drill clock."""
        offset = timedelta()
        for at, skipped in self._skips:
            if at <= real_ts:
                offset = skipped
        return datetime.fromtimestamp(real_ts, UTC) + offset - self.start


@dataclass
class Acted:
    """One step as it happened: who did it, when, and what went wrong if anything did."""

    step: Step
    user: str
    at: timedelta
    problem: str = ""


@dataclass
class DrillRun:
    drill: Drill
    sandbox: Sandbox
    stage: Stage
    clock: DrillClock
    acted: list[Acted] = field(default_factory=list)
    metrics: Metrics | None = None

    async def play(self) -> None:
        for step in self.drill.steps:
            await self._advance(step.at)
            self.acted.append(await self._act(step))
            await self._settle()
        await self._advance(self.drill.length)

    # -- time -----------------------------------------------------------------

    async def _advance(self, target: timedelta) -> None:
        """Jump to each due timer before ``target`` in turn, letting Beacon fire it."""
        while self.clock.elapsed < target:
            upcoming = await asyncio.to_thread(self._next_timer)
            jump = target
            if upcoming is not None:
                jump = min(target, upcoming - self.clock.start + timedelta(seconds=1))
            self.clock.skip_to(jump)
            await self._settle()

    def _next_timer(self) -> datetime | None:
        with self.stage.beacon.uow() as session:
            due: datetime | None = session.scalar(
                select(func.min(Timer.due_at)).where(Timer.state == "pending")
            )
        return due

    async def _settle(self) -> None:
        """Wait until Beacon has fired what is due and delivered everything it queued."""
        deadline = asyncio.get_running_loop().time() + _SETTLE_TIMEOUT
        quiet, calls = 0, -1
        while quiet < 4 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(_POLL * 2)
            now_calls = len(self.sandbox.slack.calls)
            upcoming = await asyncio.to_thread(self._next_timer)
            idle = (
                await asyncio.to_thread(self.stage.backlog) == 0
                and (upcoming is None or upcoming > self.clock())
                and now_calls == calls
            )
            quiet = quiet + 1 if idle else 0
            calls = now_calls

    # -- acting ---------------------------------------------------------------

    async def _act(self, step: Step) -> Acted:
        user = await asyncio.to_thread(self.resolve_person, step.actor)
        acted = Acted(step, user, self.clock.elapsed)
        try:
            answer = await self._perform(step, user)
        except DrillError as problem:
            acted.problem = str(problem)
            return acted
        if answer.status != 200:
            acted.problem = f"Beacon answered HTTP {answer.status}"
        return acted

    async def _perform(self, step: Step, user: str) -> Answer:
        if step.action == "command":
            channel = await asyncio.to_thread(self._conversation, step.where, user)
            return await self.sandbox.command(user, channel, step.argument)
        if step.action == "click":
            return await self._click(user, str(step.argument), step.where)
        view = self.sandbox.open_view(user)
        if view is None:
            raise DrillError(f"{user} has no form open to submit")
        fields = form_fields(view, step.argument)
        return await self.sandbox.submit(user, view["id"], fields)

    async def _click(self, user: str, label: str, where: str) -> Answer:
        places = [self.sandbox.dm_of(user)]
        if where != "#general":
            places.insert(0, await asyncio.to_thread(self._conversation, where, user))
        places += [c.id for c in self.sandbox.conversations(user)]
        for place in dict.fromkeys(p for p in places if p):
            for seen in reversed(self.sandbox.seen(user, place)):
                for message in [*reversed(seen.replies), seen]:
                    button = find_button(message, label)
                    if button is not None:
                        return await self.sandbox.click(
                            user,
                            action_id=button["action_id"],
                            value=button.get("value"),
                            block_id=button["block_id"],
                            channel=message.ctx.get("channel", ""),
                            ts=message.ctx.get("ts", ""),
                        )
        raise DrillError(f"no {label!r} button in anything {user} can see")

    # -- names ----------------------------------------------------------------

    def incident(self) -> Incident | None:
        with self.stage.beacon.uow() as session:
            return session.scalars(select(Incident).order_by(Incident.id.desc()).limit(1)).first()

    def _conversation(self, where: str, user: str) -> str:
        if where == "incident":
            incident = self.incident()
            if incident is None or not incident.channel_id:
                raise DrillError("`in: incident` before the incident channel exists")
            return incident.channel_id
        if where == "dm":
            return self.sandbox.dm_of(user) or user
        channel = self.sandbox.slack.channel_by_name(where)
        if channel is None:
            raise DrillError(f"no channel {where} in the sandbox")
        return channel.id

    def resolve_person(self, ref: str) -> str:
        """A user id for ``ic``, a role such as ``oncall:payments``, an email or an id."""
        catalog = self.stage.beacon.catalog
        if ref == "ic":
            incident = self.incident()
            if incident is None:
                raise DrillError("`as: ic` before anything was declared")
            return incident.commander
        person = role_holder(catalog, ref, self.clock())
        if "@" in person:
            found = self.sandbox.slack.users.get(person)
            if found is None:
                raise DrillError(f"{person} is not a user of the sandbox")
            return found
        return person


def role_holder(catalog: Catalog, ref: str, now: datetime) -> str:
    """Who holds a role of the configuration now; other references are returned as given."""
    role, _, name = ref.partition(":")
    workspace = catalog.policy.workspace
    if role == "exec" and workspace.execs:
        return workspace.execs[0]
    if role == "approver" and workspace.approvers:
        return workspace.approvers[0]
    if role in ("oncall", "secondary", "manager"):
        team = catalog.teams.get(name)
        if team is None:
            raise DrillError(f"{ref}: no team {name!r}")
        if role == "manager":
            if not team.manager:
                raise DrillError(f"{ref}: team {name} has no manager")
            return team.manager
        if team.oncall is None:
            raise DrillError(f"{ref}: team {name} has no on-call rotation")
        shift = on_call_at(team.oncall, now)
        person = shift.primary if role == "oncall" else shift.secondary
        if person is None:
            raise DrillError(f"{ref}: nobody is secondary in a one-person rotation")
        return person
    if role in ("liaison", "exec_sponsor"):
        account = catalog.accounts.get(name)
        if account is None:
            raise DrillError(f"{ref}: no account {name!r}")
        holder = account.liaison if role == "liaison" else account.exec_sponsor
        if not holder:
            raise DrillError(f"{ref}: account {name} has no {role}")
        return holder
    return ref


_EMOJI = re.compile(r":[a-z0-9_+-]+:")


def find_button(message: Seen, label: str) -> dict[str, Any] | None:
    """A button of ``message`` whose text (emoji aside) or action id is ``label``."""
    wanted = label.strip().lower()
    for block in message.blocks or []:
        elements = list(block.get("elements") or [])
        if block.get("accessory"):
            elements.append(block["accessory"])
        for element in elements:
            if element.get("type") != "button":
                continue
            text = _EMOJI.sub("", str((element.get("text") or {}).get("text", ""))).strip()
            if wanted in (text.lower(), str(element.get("action_id", "")).lower()):
                return {**element, "block_id": block.get("block_id", "")}
    return None


def form_fields(view: dict[str, Any], answers: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The page-style form fields for a modal, from a drill's ``{block_id: value}``."""
    fields: dict[str, dict[str, Any]] = {}
    known = set()
    for block in view.get("blocks") or []:
        element = block.get("element")
        if block.get("type") != "input" or not element:
            continue
        block_id = block.get("block_id", "")
        known.add(block_id)
        kind = element.get("type", "plain_text_input")
        value = answers.get(block_id)
        if kind in ("multi_static_select", "checkboxes"):
            value = value if isinstance(value, list) else ([value] if value else [])
        fields[block_id] = {element.get("action_id", ""): {"kind": kind, "value": value}}
    unknown = set(answers) - known
    if unknown:
        raise DrillError(f"the form has no fields {sorted(unknown)}; it has {sorted(known)}")
    return fields


async def run_drill(drill: Drill, catalog: Catalog, settings: Settings) -> DrillRun:
    """Play ``drill`` on a fresh sandbox and database; the returned run holds what happened."""
    # A timer poll still running when the next is due is expected here, not worth a warning.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    clock = DrillClock()
    sandbox = Sandbox(contained(catalog), now=clock())
    with tempfile.TemporaryDirectory(prefix="beacon-drill-") as folder:
        drill_settings = sandbox.settings(settings).model_copy(
            update={
                "database_url": f"sqlite:///{Path(folder) / 'drill.db'}",
                "beacon_timer_interval": _TIMER_INTERVAL,
            }
        )
        stage = Stage(drill_settings, catalog=contained(catalog), clock=clock).start()
        sandbox.connect(f"{stage.url}/slack/events")
        run = DrillRun(drill, sandbox, stage, clock)
        try:
            await run.play()
            run.metrics = await asyncio.to_thread(measure, stage.beacon.uow)
        finally:
            stage.stop()
            sandbox.stop()
    return run
