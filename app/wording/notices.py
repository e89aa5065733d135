"""What Beacon says in an incident channel when something happens there: the paging roll call,
escalations, acknowledgements, cadence reminders, mitigations running out, changes of severity,
role or status. Slack mrkdwn; a sentence that is also a timeline event is that event's
sentence (:mod:`app.wording.timeline`) with the notice's emoji in front."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from app.domain.text import escape
from app.wording import names


def paged_line(person: str, reasons: Iterable[str]) -> str:
    return f"• {names.mention(person)}: {', '.join(reasons)}"


def informed_line(person: str, reasons: Iterable[str]) -> str:
    return f"• FYI {names.mention(person)}: {'; '.join(reasons)}"


def routing_note_line(note: str) -> str:
    return f"• :warning: {note}"


def paging(ref: str, source: str, lines: Sequence[str], *, paged: bool) -> str:
    """The roll call: who was paged and why, who was told, what could not be routed."""
    heading = f":pager: *Paging for {ref}* ({source})" if paged else ":pager: *Paging*"
    return "\n".join([heading, *lines])


def escalation_reason(reason: str, actor: str | None) -> str:
    """Why, as typed (or Beacon's own words); nothing typed: who asked for it."""
    return escape(reason) if reason or not actor else f"requested by {names.mention(actor)}"


def escalation_summary(
    ref: str, level: int, reason: str, actor: str | None, *, paged_anyone: bool
) -> str:
    """The reply to whoever escalated, and (with :func:`escalation`) the channel's notice."""
    summary = f"Escalation level {level} for {ref} ({escalation_reason(reason, actor)})"
    if not paged_anyone:
        summary += ": everyone it names was already paged; still waiting for an acknowledgement"
    return summary


def escalation(summary: str) -> str:
    return f":rotating_light: {summary}."


def escalation_stopped(user: str) -> str:
    return f":white_check_mark: {names.mention(user)} acknowledged; escalation stopped."


def event(emoji: str, sentence: str) -> str:
    """A timeline event said in the channel: ``:emoji: sentence.``"""
    return f":{emoji}: {sentence}."


def reopened(actor: str, ref: str, status: str) -> str:
    return (
        f":leftwards_arrow_with_hook: {names.mention(actor)} reopened {ref} ({status});"
        " the update cadence and escalation resume."
    )


def cadence_nudge(leads: Iterable[str | None], ref: str, due: datetime | None) -> str:
    return (
        f":alarm_clock: {names.mentions(leads)} the next update for {ref} is due at"
        f" {names.clock(due)}."
    )


def cadence_overdue(leads: Iterable[str | None], ref: str, due: datetime | None) -> str:
    return (
        f":warning: {names.mentions(leads)} the update for {ref} was due at {names.clock(due)}"
        " and is overdue."
    )


def cadence_broken(people: Iterable[str | None], ref: str, due: datetime | None) -> str:
    return (
        f":rotating_light: {names.mentions(people)} {ref} missed its update due at"
        f" {names.clock(due)}: the update cadence is broken; please step in."
    )


def mitigation_lapsing(commander: str, action: str, at: datetime | None) -> str:
    return (
        f":hourglass_flowing_sand: {names.mention(commander)} the mitigation “{escape(action)}”"
        f" lapses at {names.clock(at)}: press *Renew* on its card to keep it, or let it lapse."
    )


def mitigation_lapsed(commander: str, action: str) -> str:
    return f":hourglass: {names.mention(commander)} the mitigation “{escape(action)}” has lapsed."


def draft_rejected(drafter: str | None, actor: str, reason: str) -> str:
    """To whoever drafted a customer update, when an approver sends it back."""
    who = names.mention(drafter) if drafter else "the drafter"
    return (
        f":no_entry: {who}, {names.mention(actor)} rejected the customer draft:"
        f" {escape(reason)}. Post a corrected `/incident update`."
    )


def undelivered(kind: str, attempts: int, error: str) -> str:
    """An outbox delivery given up, said in the incident channel."""
    return f":x: Beacon could not deliver `{kind}` after {attempts} attempt(s): {error}"
