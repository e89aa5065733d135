"""The `/incident` verbs that act on one incident, named (``INC-<n>``) or the channel's: each
parses its words, hands ``asked.which`` and them to one service call, and answers with what the
service returned. Who may is decided by the service (SPEC 5.10)."""

from __future__ import annotations

import asyncio

from app.beacon import Beacon
from app.domain.commands import USAGE
from app.domain.declaration import match_severity
from app.domain.errors import UsageError
from app.domain.mitigations import parse_mitigate
from app.domain.people import parse_assignment
from app.domain.resolution import parse_resolve, reopen_status
from app.domain.targets import parse_page_request
from app.domain.text import escape
from app.domain.updates import parse_update
from app.domain.wording import join_words
from app.handlers.answers import Asked, Verb
from app.handlers.replies import replying_errors
from app.slack import blocks


async def status(beacon: Beacon, asked: Asked) -> None:
    await asked.show(lambda: blocks.brief(beacon.incidents.find(asked.which)))


async def ack(beacon: Beacon, asked: Asked) -> None:
    def work() -> str:
        done = beacon.paging.acknowledge(asked.which)
        stopped = " Escalation stopped." if done.escalation_stopped else ""
        return f":white_check_mark: Acknowledged {done.count} page(s) for {done.ref}.{stopped}"

    await asked.answer(work)


async def escalate(beacon: Beacon, asked: Asked) -> None:
    await asked.answer(lambda: beacon.paging.escalate_now(asked.which, reason=asked.parsed.args))


async def page(beacon: Beacon, asked: Asked) -> None:
    request = parse_page_request(asked.parsed.raw, beacon.catalog)
    await asked.ack()

    async def run() -> None:
        group = request.kind == "usergroup"  # its members as Slack has them now
        members = await beacon.gateway.usergroup_members(request.id) if group else ()
        text = await asyncio.to_thread(
            beacon.paging.page, asked.which, request.with_members(members)
        )
        await asked.respond(text=text, response_type="ephemeral")

    await replying_errors(asked.respond, run)


async def severity(beacon: Beacon, asked: Asked) -> None:
    word, _, reason = asked.parsed.args.partition(" ")
    chosen = match_severity(word, beacon.catalog.policy)
    if chosen is None:
        choices = join_words([f"`{s.id}`" for s in beacon.catalog.policy.severities], "or")
        raise UsageError(
            f"Unknown severity `{escape(word)}`. Choose {choices}.", usage=USAGE["severity"]
        )
    await asked.answer(lambda: beacon.changes.severity(asked.which, chosen, reason=reason.strip()))


async def assign(beacon: Beacon, asked: Asked) -> None:
    """`assign commander|comms @user|me`."""
    role, user = parse_assignment(asked.parsed.raw, me=asked.user)
    await asked.answer(lambda: beacon.changes.assign(asked.which, role, user))


async def mitigate(beacon: Beacon, asked: Asked) -> None:
    """`mitigate <action> [reason: …]`: its card (app/handlers/mitigations.py) decides it."""
    given = parse_mitigate(asked.parsed.args)
    await asked.answer(lambda: beacon.mitigations.request(asked.which, given))


async def update(beacon: Beacon, asked: Asked) -> None:
    given = parse_update(asked.parsed.args)
    await asked.answer(lambda: beacon.updates.post(asked.which, given))


async def resolve(beacon: Beacon, asked: Asked) -> None:
    """With the fix typed: resolved at once. Otherwise the form, which carries the incident."""
    given = parse_resolve(asked.parsed.args)
    if not given.complete:
        view = blocks.resolve_modal(
            fix=given.fix,
            residual_risk=given.residual_risk,
            customer_steps=given.customer_steps,
            metadata={"number": asked.parsed.incident_number, "channel": asked.channel or ""},
        )
        await asked.open_form(beacon, view)
        return
    await asked.answer(lambda: beacon.resolutions.resolve(asked.which, given))


async def reopen(beacon: Beacon, asked: Asked) -> None:
    status = reopen_status(asked.parsed.args)
    await asked.answer(lambda: beacon.resolutions.reopen(asked.which, status))


async def review(beacon: Beacon, asked: Asked) -> None:
    """`review`: the review uploaded to the channel; `review customer`: its customer summary."""
    word = asked.parsed.args.strip().lower()
    if word not in ("", "customer"):
        raise UsageError(f"`review {word}` is not a review.", usage=USAGE["review"])
    reviews = beacon.reviews
    work = reviews.draft_customer if word == "customer" else reviews.upload
    await asked.answer(lambda: work(asked.which))


VERBS: dict[str, Verb] = {
    "status": status,
    "ack": ack,
    "escalate": escalate,
    "page": page,
    "severity": severity,
    "assign": assign,
    "mitigate": mitigate,
    "update": update,
    "resolve": resolve,
    "reopen": reopen,
    "review": review,
}
