"""Runs a drill: Beacon on the sandbox, a compressed clock, the steps acted as real requests.

The clock is real time plus whatever the runner skips: between steps it jumps straight to the
next due timer (escalation, reminder) or step, waits until Beacon has delivered everything,
and goes on. A 40-minute incident takes seconds, and every timer fires in order, on time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.catalog.models import Catalog
from app.drills.clock import DrillClock
from app.drills.live import Recorder
from app.drills.metrics import Metrics, measure
from app.drills.roles import role_holder
from app.drills.screen import find_button, form_fields
from app.drills.script import MONITORING, Drill, DrillError, Step
from app.drills.stage import Stage
from app.sandbox.actor import Answer
from app.sandbox.runtime import Sandbox, Seen, contained
from app.sandbox.seed import VISITOR
from app.sandbox.slack_model import BOT_USER_ID
from app.sandbox.test_alert import post_signal, signals_token
from app.settings import Settings
from app.store.models import Incident, Timer

_SETTLE_TIMEOUT = 15.0
_POLL = 0.05
_TIMER_INTERVAL = 0.2


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
    recorder: Recorder | None = None
    """Live drills only: what Beacon sent to the real workspace."""
    stand_in: str | None = None
    """Live drills only: the real user who acts for the sandbox's visitor."""
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
        if not self.clock.compressed:
            await asyncio.sleep(max(0.0, (target - self.clock.elapsed).total_seconds()))
            await self._settle()
            return
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
        if step.action == "signal":
            return await self._signal(step)
        try:
            user = await self.resolve_person(step.actor)
        except DrillError as problem:
            return Acted(step, step.actor, self.clock.elapsed, str(problem))
        acted = Acted(step, user, self.clock.elapsed)
        try:
            answer = await self._perform(step, user)
        except DrillError as problem:
            acted.problem = str(problem)
            return acted
        if answer.status != 200:
            acted.problem = f"Beacon answered HTTP {answer.status}"
        return acted

    async def _signal(self, step: Step) -> Acted:
        """Monitoring's part: Beacon's JSON to ``POST /signals`` with the bearer token."""
        acted = Acted(step, MONITORING, self.clock.elapsed)
        config = self.stage.beacon.catalog.policy.signals
        if self.recorder is not None:
            # Cards and incidents raised by signals are not marked as a drill's.
            acted.problem = "signal: steps need the sandbox: a live drill cannot send alerts"
            return acted
        if config is None:
            acted.problem = "`signal:` steps need a `signals:` block in policy.yaml"
            return acted
        status, answer = await post_signal(self.stage.url, signals_token(config), step.argument)
        if status != 202:
            acted.problem = f"Beacon answered HTTP {status}: {answer.get('error') or answer}"
        return acted

    async def _perform(self, step: Step, user: str) -> Answer:
        if step.action == "command":
            channel = await self._conversation(step.where, user)
            if self.recorder is None:
                return await self.sandbox.command(user, channel, step.argument)
            return await self.sandbox.acting().command(user, channel, as_drill(step.argument))
        if step.action == "click":
            return await self._click(user, str(step.argument), step.where)
        if self.recorder is not None:
            raise DrillError("submit: steps need the sandbox: a drill cannot fill a real form")
        view = self.sandbox.open_view(user)
        if view is None:
            raise DrillError(f"{user} has no form open to submit")
        fields = form_fields(view, step.argument)
        return await self.sandbox.submit(user, view["id"], fields)

    async def _click(self, user: str, label: str, where: str) -> Answer:
        for message in await self._visible(user, where):
            button = find_button(message, label)
            if button is None:
                continue
            if self.recorder is not None:
                return await self.sandbox.acting().click(
                    user,
                    action_id=button["action_id"],
                    value=button.get("value"),
                    block_id=button["block_id"],
                    channel=message.ctx["channel"],
                    message={
                        "type": "message",
                        "ts": message.ts,
                        "text": message.text,
                        "blocks": message.blocks,
                    },
                )
            return await self.sandbox.click(
                user,
                action_id=button["action_id"],
                value=button.get("value"),
                block_id=button["block_id"],
                channel=message.ctx.get("channel", ""),
                ts=message.ctx.get("ts", ""),
            )
        raise DrillError(f"no {label!r} button in anything {user} can see")

    async def _visible(self, user: str, where: str) -> list[Seen]:
        """Messages this person can see, the likeliest place first, newest first in each."""
        first = [await self._conversation(where, user)] if where != "#general" else []
        if self.recorder is not None:
            places = [*first, self.recorder.dms.get(user, ""), *self.recorder.channels()]
            seen_in: Callable[[str], list[Seen]] = self.recorder.seen
        else:
            places = [*first, self.sandbox.dm_of(user)]
            places += [c.id for c in self.sandbox.conversations(user)]
            seen_in = functools.partial(self.sandbox.seen, user)
        found: list[Seen] = []
        for place in dict.fromkeys(p for p in places if p):
            for seen in reversed(seen_in(place)):
                found += [*reversed(seen.replies), seen]
        return found

    # -- what people saw (for the transcript) -----------------------------------

    def channels(self) -> list[tuple[str, str]]:
        """(heading, id) of every channel Beacon posted in, DMs aside."""
        if self.recorder is not None:
            dms = set(self.recorder.dms.values())
            return [(f"#{c}", c) for c in self.recorder.channels() if c not in dms]
        headings = []
        for channel in self.sandbox.slack.channels.values():
            if channel.is_im or not channel.messages:
                continue
            members = ", ".join(
                self.sandbox.name_of(m) for m in sorted(channel.members) if m != BOT_USER_ID
            )
            headings.append(
                (f"#{channel.name}" + (f" (members: {members})" if members else ""), channel.id)
            )
        return headings

    def messages_in(self, channel: str) -> list[Seen]:
        if self.recorder is not None:
            return self.recorder.seen(channel)
        return [s for s in self.sandbox.seen("", channel) if s.kind == "message"]

    def private_places(self, user: str) -> list[tuple[str, str]]:
        """(label, id) of this person's DM and every channel where Beacon answered them."""
        dm = self.recorder.dms.get(user) if self.recorder else self.sandbox.dm_of(user)
        places = [("DM", dm)] if dm else []
        actor = self.sandbox.actor
        origins = {o.channel for o in actor.origins.values() if o.user == user} if actor else set()
        origins |= {e.channel for e in self.sandbox.slack.ephemerals if e.user == user}
        names = self.sandbox.name_of
        places += [(f"#{names(c)}", c) for c in sorted(origins) if c != dm]
        return places

    def people(self) -> list[str]:
        """Whoever acted or heard from Beacon privately, actors first."""
        order = [a.user for a in self.acted if a.user != MONITORING]
        order += list(self.recorder.dms if self.recorder else self.sandbox.slack.ims)
        order += [e.user for e in self.sandbox.slack.ephemerals]
        return list(dict.fromkeys(u for u in order if u))

    # -- names ----------------------------------------------------------------

    def incident(self) -> Incident | None:
        """The drill's incident: the latest one (a live drill's: the latest drill)."""
        with self.stage.beacon.uow() as session:
            query = select(Incident).order_by(Incident.id.desc()).limit(1)
            if self.recorder is not None:
                query = query.where(Incident.drill.is_(True))
            return session.scalars(query).first()

    async def _conversation(self, where: str, user: str) -> str:
        if where == "incident":
            incident = await asyncio.to_thread(self.incident)
            if incident is None or not incident.channel_id:
                raise DrillError("`in: incident` before the incident channel exists")
            return incident.channel_id
        if where == "dm":
            if self.recorder is not None:
                return await self.stage.on_beacon_loop(self.stage.beacon.gateway.open_dm(user))
            return self.sandbox.dm_of(user) or user
        if self.recorder is not None:
            return await self.stage.on_beacon_loop(self.stage.beacon.directory.channel_id(where))
        channel = self.sandbox.slack.channel_by_name(where)
        if channel is None:
            raise DrillError(f"no channel {where} in the sandbox")
        return channel.id

    async def resolve_person(self, ref: str) -> str:
        """A user id for ``ic``, a role such as ``oncall:payments``, an email or an id."""
        if ref == "ic":
            incident = await asyncio.to_thread(self.incident)
            if incident is None:
                raise DrillError("`as: ic` before anything was declared")
            return incident.commander
        if ref == VISITOR and self.recorder is not None:
            if not self.stand_in:
                raise DrillError(f"`as: {VISITOR}` in a live drill needs --as <your user id>")
            return self.stand_in
        person = role_holder(self.stage.beacon.catalog, ref, self.clock())
        if "@" not in person:
            return person
        found = (
            await self.stage.on_beacon_loop(self.stage.beacon.directory.user_id(person))
            if self.recorder is not None
            else self.sandbox.slack.users.get(person)
        )
        if found is None:
            raise DrillError(f"{person} is not a user of the workspace")
        return found


def as_drill(command: str) -> str:
    """``declare …`` becomes ``declare drill …``: a live drill is never mistaken for real."""
    verb, _, rest = command.strip().partition(" ")
    if verb.lower() != "declare" or rest.lower().split()[:1] == ["drill"]:
        return command
    return f"declare drill {rest}"


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


async def run_live_drill(
    drill: Drill, catalog: Catalog, settings: Settings, *, stand_in: str | None
) -> DrillRun:
    """Play ``drill`` in the real workspace of ``settings``, in real time, marked as a drill.

    Beacon runs in this process with the real token and database; a loopback sandbox only
    receives the private replies meant for the people the runner acts as."""
    clock = DrillClock(compressed=False)
    sandbox = Sandbox(contained(catalog), now=clock())
    live_settings = settings.model_copy(
        update={"slack_signing_secret": sandbox.signing_secret, "slack_app_token": None}
    )
    # Contained: a drill's approved "customer" updates must not reach the real status page.
    stage = Stage(live_settings, catalog=contained(catalog), clock=clock, fast=False).start()
    recorder = Recorder(stage.beacon.gateway)
    sandbox.connect(f"{stage.url}/slack/events")
    run = DrillRun(drill, sandbox, stage, clock, recorder=recorder, stand_in=stand_in)
    try:
        await run.play()
        run.metrics = await asyncio.to_thread(measure, stage.beacon.uow, drills_only=True)
    finally:
        stage.stop()
        sandbox.stop()
    return run
