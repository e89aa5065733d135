"""`/incident`: ack first, parse, one service call, render."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp, AsyncRespond

from app.beacon import Beacon
from app.domain.commands import USAGE, Command, help_text, parse_command
from app.domain.declaration import match_severity, parse_declare, resolve_accounts
from app.domain.errors import BeaconError, NotFound, UsageError
from app.domain.resolution import parse_resolve, reopen_status
from app.domain.targets import parse_page_request
from app.domain.text import escape
from app.domain.updates import parse_update
from app.domain.wording import join_words
from app.handlers import mitigations, roles, signals
from app.handlers.replies import replying_errors
from app.routing.roster import roster, teams_for
from app.slack import blocks

Ack = Callable[..., Awaitable[None]]
Verb = Callable[[Ack, AsyncRespond, dict[str, Any], Command], Awaitable[None]]


class IncidentCommand:
    def __init__(self, beacon: Beacon) -> None:
        self.beacon = beacon
        self.verbs: dict[str, Verb] = {
            "declare": self.declare,
            "status": self.status,
            "list": self.list,
            "help": self.help,
            "ack": self.ack,
            "escalate": self.escalate,
            "page": self.page,
            "severity": self.severity,
            "assign": lambda *args: roles.assign(self.beacon, *args),
            "mitigate": lambda *args: mitigations.mitigate(self.beacon, *args),
            "report": lambda *args: signals.report(self.beacon, *args),
            "accounts": self.accounts,
            "oncall": self.oncall,
            "update": self.update,
            "subscribe": self.subscribe,
            "unsubscribe": self.unsubscribe,
            "subscriptions": self.subscriptions,
            "resolve": self.resolve,
            "reopen": self.reopen,
            "review": self.review,
            "stats": self.stats,
        }

    async def __call__(self, ack: Ack, respond: AsyncRespond, command: dict[str, Any]) -> None:
        acked = False

        async def ack_once(**kwargs: Any) -> None:
            nonlocal acked
            acked = True
            await ack(**kwargs)

        try:
            parsed = parse_command(command.get("text", ""))
            await self.verbs[parsed.verb](ack_once, respond, command, parsed)
        except BeaconError as error:
            text = blocks.error_text(error.message, error.usage)
            if acked:
                await respond(text=text, response_type="ephemeral")
            else:
                await ack(text=text, response_type="ephemeral")

    async def declare(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        catalog = self.beacon.catalog
        declaration = await asyncio.to_thread(parse_declare, parsed.args, catalog)
        if not declaration.complete:
            await ack()
            view = blocks.declare_modal(
                severities=catalog.policy.severities,
                services=[(sid, service.name) for sid, service in catalog.services.items()],
                title=declaration.title,
                severity=declaration.severity,
                chosen_services=declaration.services,
                accounts=declaration.accounts,
                private=declaration.private,
                metadata={
                    "channel": command.get("channel_id", ""),
                    **({"drill": "yes"} if declaration.drill else {}),
                },
            )
            await replying_errors(
                respond, lambda: self.beacon.gateway.open_view(command["trigger_id"], view)
            )
            return
        await ack(
            text=f":hourglass_flowing_sand: Declaring *{escape(declaration.title or '')}*…",
            response_type="ephemeral",
        )

        async def work() -> None:
            async with self.beacon.acks.turn():
                declared = await asyncio.to_thread(
                    self.beacon.incidents.declare,
                    declaration,
                    actor=command["user_id"],
                    request_key=f"command:{command.get('trigger_id') or command['user_id']}",
                    origin_channel=command.get("channel_id"),
                )
            await respond(
                text=blocks.declared_text(
                    declared.ref, declared.severity, declared.title, declaration.severity
                ),
                response_type="ephemeral",
                replace_original=True,
            )

        await replying_errors(respond, work)

    async def status(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await ack()

        async def work() -> None:
            view = await asyncio.to_thread(
                self.beacon.incidents.find,
                number=parsed.incident_number,
                channel=command.get("channel_id"),
                viewer=command["user_id"],
            )
            text, body = blocks.brief(view)
            await respond(text=text, blocks=[b.to_dict() for b in body], response_type="ephemeral")

        await replying_errors(respond, work)

    async def list(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await ack()

        async def work() -> None:
            views = await asyncio.to_thread(
                self.beacon.incidents.open_incidents, viewer=command["user_id"]
            )
            text, body = blocks.incident_list(views)
            await respond(text=text, blocks=[b.to_dict() for b in body], response_type="ephemeral")

        await replying_errors(respond, work)

    async def help(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await ack(text=f"*Beacon: `/incident` commands*\n{help_text()}", response_type="ephemeral")

    async def _reply(
        self, ack: Ack, respond: AsyncRespond, work: Callable[[], Any], *, public: bool = False
    ) -> None:
        """Ack at once, run the blocking use case off the loop, answer with what it returned."""
        await ack()

        async def run() -> None:
            text = await asyncio.to_thread(work)
            if text is not None:  # None: what was done is already posted where they are
                await respond(text=str(text), response_type="in_channel" if public else "ephemeral")

        await replying_errors(respond, run)

    async def ack(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        def work() -> str:
            done = self.beacon.paging.acknowledge(
                user=command["user_id"],
                number=parsed.incident_number,
                channel=command.get("channel_id"),
            )
            stopped = " Escalation stopped." if done.escalation_stopped else ""
            return f":white_check_mark: Acknowledged {done.count} page(s) for {done.ref}.{stopped}"

        await self._reply(ack, respond, work)

    async def escalate(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await self._reply(
            ack,
            respond,
            lambda: self.beacon.paging.escalate_now(
                actor=command["user_id"],
                reason=parsed.args,
                number=parsed.incident_number,
                channel=command.get("channel_id"),
            ),
        )

    async def page(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        request = parse_page_request(parsed.raw, self.beacon.catalog)
        await ack()

        async def run() -> None:
            group = request.kind == "usergroup"  # its members as Slack has them now
            members = await self.beacon.gateway.usergroup_members(request.id) if group else ()
            text = await asyncio.to_thread(
                self.beacon.paging.page,
                request.with_members(members),
                actor=command["user_id"],
                number=parsed.incident_number,
                channel=command.get("channel_id"),
            )
            await respond(text=text, response_type="ephemeral")

        await replying_errors(respond, run)

    async def severity(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        word, _, reason = parsed.args.partition(" ")
        severity = match_severity(word, self.beacon.catalog.policy)
        if severity is None:
            choices = join_words([f"`{s.id}`" for s in self.beacon.catalog.policy.severities], "or")
            raise UsageError(
                f"Unknown severity `{escape(word)}`. Choose {choices}.", usage=USAGE["severity"]
            )
        await self._reply(
            ack,
            respond,
            lambda: self.beacon.changes.severity(
                severity,
                reason=reason.strip(),
                actor=command["user_id"],
                number=parsed.incident_number,
                channel=command.get("channel_id"),
            ),
        )

    async def accounts(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await ack()

        async def work() -> None:
            cards, total = await asyncio.to_thread(
                self.beacon.accounts.lookup, parsed.args, viewer=command["user_id"]
            )
            text, body = blocks.account_cards(cards, total, parsed.args)
            await respond(text=text, blocks=[b.to_dict() for b in body], response_type="ephemeral")

        await replying_errors(respond, work)

    async def oncall(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        catalog = self.beacon.catalog
        try:
            teams = teams_for(catalog, parsed.args)
        except NotFound as error:
            raise UsageError(error.message, usage=USAGE["oncall"]) from None
        lines = roster(catalog, teams, self.beacon.clock())
        text, body = blocks.oncall_roster(lines)
        await ack(text=text, blocks=[b.to_dict() for b in body], response_type="ephemeral")

    async def update(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        update = parse_update(parsed.args)
        await self._reply(
            ack,
            respond,
            lambda: self.beacon.updates.post(
                update,
                actor=command["user_id"],
                number=parsed.incident_number,
                channel=command.get("channel_id"),
            ),
        )

    def _account(self, parsed: Command, verb: str) -> str:
        words = parsed.args.split()
        if len(words) != 1:
            raise UsageError("Name one account.", usage=USAGE[verb])
        return resolve_accounts(words, self.beacon.catalog, USAGE[verb])[0]

    async def subscribe(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        account = await asyncio.to_thread(self._account, parsed, "subscribe")
        await self._reply(
            ack,
            respond,
            lambda: self.beacon.subscriptions.subscribe(account, user=command["user_id"]),
        )

    async def unsubscribe(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        account = await asyncio.to_thread(self._account, parsed, "unsubscribe")
        await self._reply(
            ack,
            respond,
            lambda: self.beacon.subscriptions.unsubscribe(account, user=command["user_id"]),
        )

    async def subscriptions(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await self._reply(
            ack, respond, lambda: self.beacon.subscriptions.list(user=command["user_id"])
        )

    async def resolve(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        given = parse_resolve(parsed.args)
        if not given.complete:
            await ack()
            view = blocks.resolve_modal(
                fix=given.fix,
                residual_risk=given.residual_risk,
                customer_steps=given.customer_steps,
                metadata={
                    "number": parsed.incident_number,
                    "channel": command.get("channel_id", ""),
                },
            )
            await replying_errors(
                respond, lambda: self.beacon.gateway.open_view(command["trigger_id"], view)
            )
            return
        await self._reply(
            ack,
            respond,
            lambda: self.beacon.resolutions.resolve(
                given,
                actor=command["user_id"],
                number=parsed.incident_number,
                channel=command.get("channel_id"),
            ),
        )

    async def reopen(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        status = reopen_status(parsed.args)
        await self._reply(
            ack,
            respond,
            lambda: self.beacon.resolutions.reopen(
                status,
                actor=command["user_id"],
                number=parsed.incident_number,
                channel=command.get("channel_id"),
            ),
        )

    async def review(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        word = parsed.args.strip().lower()
        if word not in ("", "customer"):
            raise UsageError(f"`review {word}` is not a review.", usage=USAGE["review"])
        service = self.beacon.reviews
        work = service.draft_customer if word == "customer" else service.upload
        await self._reply(
            ack,
            respond,
            lambda: work(
                number=parsed.incident_number,
                channel=command.get("channel_id"),
                actor=command["user_id"],
            ),
        )

    async def stats(
        self, ack: Ack, respond: AsyncRespond, command: dict[str, Any], parsed: Command
    ) -> None:
        await ack()

        async def work() -> None:
            text = await asyncio.to_thread(self.beacon.reviews.stats, parsed.args)
            message, body = blocks.notice(text)
            await respond(
                text=message, blocks=[b.to_dict() for b in body], response_type="ephemeral"
            )

        await replying_errors(respond, work)


def register(app: AsyncApp, beacon: Beacon) -> None:
    app.command("/incident")(IncidentCommand(beacon))
