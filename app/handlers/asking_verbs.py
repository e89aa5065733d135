"""The `/incident` verbs that are not about one existing incident: declaring one, and asking
what there is (open incidents, accounts, who is on call, subscriptions, stats, help)."""

from __future__ import annotations

import asyncio

from app.beacon import Beacon
from app.domain.commands import USAGE, help_text
from app.domain.declaration import UnknownName, parse_declare, resolve_accounts
from app.domain.errors import NotFound, UsageError
from app.domain.text import escape
from app.handlers.answers import Asked, Verb
from app.handlers.replies import replying_errors
from app.routing.roster import roster, teams_for
from app.slack import blocks


async def declare(beacon: Beacon, asked: Asked) -> None:
    """Complete: declared at once. Otherwise the form, filled with what was typed."""
    catalog = beacon.catalog
    try:  # on the event loop: a hop to a thread and back would cost the ack more than parsing
        declaration = parse_declare(asked.parsed.args, catalog, suggest=False)
    except UnknownName:  # suggestions walk every name: off the loop
        declaration = await asyncio.to_thread(parse_declare, asked.parsed.args, catalog)
    if not declaration.complete:
        await asked.open_form(
            beacon,
            blocks.declare_modal(
                severities=catalog.policy.severities,
                services=[(sid, service.name) for sid, service in catalog.services.items()],
                title=declaration.title,
                severity=declaration.severity,
                chosen_services=declaration.services,
                accounts=declaration.accounts,
                private=declaration.private,
                metadata={
                    "channel": asked.channel or "",
                    **({"drill": "yes"} if declaration.drill else {}),
                },
            ),
        )
        return
    await asked.ack(
        text=f":hourglass_flowing_sand: Declaring *{escape(declaration.title or '')}*…",
        response_type="ephemeral",
    )

    respond, actor, channel = asked.respond, asked.user, asked.channel
    request_key = f"command:{asked.command.get('trigger_id') or actor}"

    async def work() -> None:
        async with beacon.acks.turn():
            declared = await asyncio.to_thread(
                beacon.incidents.declare,
                declaration,
                actor=actor,
                request_key=request_key,
                origin_channel=channel,
            )
        await respond(
            text=blocks.declared_text(
                declared.ref, declared.severity, declared.title, declaration.severity
            ),
            response_type="ephemeral",
            replace_original=True,
        )

    beacon.acks.later(lambda: replying_errors(respond, work))


async def list_open(beacon: Beacon, asked: Asked) -> None:
    await asked.show(
        lambda: blocks.incident_list(beacon.incidents.open_incidents(viewer=asked.user))
    )


async def help_(beacon: Beacon, asked: Asked) -> None:
    await asked.ack(
        text=f"*Beacon: `/incident` commands*\n{help_text()}", response_type="ephemeral"
    )


async def accounts(beacon: Beacon, asked: Asked) -> None:
    query = asked.parsed.args
    await asked.show(
        lambda: blocks.account_cards(*beacon.accounts.lookup(query, viewer=asked.user), query)
    )


async def oncall(beacon: Beacon, asked: Asked) -> None:
    catalog = beacon.catalog
    try:
        teams = teams_for(catalog, asked.parsed.args)
    except NotFound as error:
        raise UsageError(error.message, usage=USAGE["oncall"]) from None
    lines = roster(catalog, teams, beacon.clock())
    text, body = blocks.oncall_roster(lines)
    await asked.ack(text=text, blocks=[b.to_dict() for b in body], response_type="ephemeral")


def _account(beacon: Beacon, asked: Asked) -> str:
    verb = asked.parsed.verb
    words = asked.parsed.args.split()
    if len(words) != 1:
        raise UsageError("Name one account.", usage=USAGE[verb])
    return resolve_accounts(words, beacon.catalog, USAGE[verb])[0]


async def subscribe(beacon: Beacon, asked: Asked) -> None:
    account = await asyncio.to_thread(_account, beacon, asked)
    await asked.answer(lambda: beacon.subscriptions.subscribe(account, user=asked.user))


async def unsubscribe(beacon: Beacon, asked: Asked) -> None:
    account = await asyncio.to_thread(_account, beacon, asked)
    await asked.answer(lambda: beacon.subscriptions.unsubscribe(account, user=asked.user))


async def subscriptions(beacon: Beacon, asked: Asked) -> None:
    await asked.answer(lambda: beacon.subscriptions.list(user=asked.user))


async def stats(beacon: Beacon, asked: Asked) -> None:
    await asked.show(lambda: blocks.notice(beacon.reviews.stats(asked.parsed.args)))


VERBS: dict[str, Verb] = {
    "declare": declare,
    "list": list_open,
    "help": help_,
    "accounts": accounts,
    "oncall": oncall,
    "subscribe": subscribe,
    "unsubscribe": unsubscribe,
    "subscriptions": subscriptions,
    "stats": stats,
}
