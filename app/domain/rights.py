"""Decision rights (SPEC 5.10): who may do what, decided here and nowhere else.

Every command, button and form that changes something asks one of the ``may_*`` functions below.
Their inputs come from stored data (the incident's IC, comms lead, paged people, channel) and
the configuration (approvers, commanders, managers), never from what a request claims; the
services build them. People are compared as Slack user ids: configured emails are resolved
before they get here, so a person named by email has the same rights as one named by id.

A refusal carries ``who``, the sentence naming who may, for the ephemeral reply and the audit
log.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.people import mention


@dataclass(frozen=True)
class Roster:
    """The people the configuration gives standing rights, as Slack user ids."""

    approvers: frozenset[str] = frozenset()
    commanders: frozenset[str] = frozenset()
    managers: dict[str, str] | None = None
    """Team id → its manager."""

    def manager_of(self, team: str) -> str | None:
        return (self.managers or {}).get(team)


@dataclass(frozen=True)
class Standing:
    """What the stored incident says about its people."""

    ref: str
    commander: str
    comms_lead: str | None = None
    paged: frozenset[str] = frozenset()
    """Everyone paged for it, as user ids."""
    channel_id: str | None = None
    teams: tuple[str, ...] = ()
    """Teams owning its affected services: their managers may authorise mitigations."""

    @property
    def responders(self) -> frozenset[str]:
        return frozenset(filter(None, {self.commander, self.comms_lead, *self.paged}))


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    who: str
    """Who may, as a phrase: "the incident commander (<@U1>) or an approver"."""

    def refusal(self, what: str) -> str:
        return f"Only {self.who} may {what}."


def _ic(standing: Standing) -> str:
    return f"the incident commander ({mention(standing.commander)})"


def may_command(actor: str, standing: Standing, roster: Roster) -> Verdict:
    """Assign or take command, or name the comms lead: the IC, a commander or an approver, so
    a senior responder can always take over from an IC who has gone quiet."""
    allowed = actor == standing.commander or actor in roster.commanders or actor in roster.approvers
    return Verdict(allowed, f"{_ic(standing)}, a commander or an approver")


def may_act(actor: str, channel: str | None, standing: Standing, roster: Roster) -> Verdict:
    """Update, severity, page, escalate, resolve, reopen, mitigate: anyone in the incident's
    channel (Slack tells us where a command was typed); from elsewhere only its responders,
    commanders and approvers."""
    in_channel = standing.channel_id is not None and channel == standing.channel_id
    allowed = (
        in_channel
        or actor in standing.responders
        or actor in roster.commanders
        or actor in roster.approvers
    )
    return Verdict(
        allowed,
        f"people in {standing.ref}'s channel, or from elsewhere its responders (IC, comms lead,"
        " anyone paged for it), commanders and approvers",
    )


def may_decide_words(actor: str, standing: Standing, roster: Roster) -> Verdict:
    """Approve or reject a customer-facing draft."""
    allowed = actor == standing.commander or actor in roster.approvers
    return Verdict(allowed, f"{_ic(standing)} or an approver")


def may_edit_words(
    actor: str, standing: Standing, roster: Roster, drafted_by: str | None
) -> Verdict:
    """Edit a pending draft: who may decide it, and its drafter and the comms lead (an edit
    still needs approval)."""
    allowed = may_decide_words(actor, standing, roster).allowed or actor in filter(
        None, {drafted_by, standing.comms_lead}
    )
    return Verdict(allowed, f"{_ic(standing)}, an approver, the comms lead or the drafter")


def may_tick(
    actor: str, standing: Standing, roster: Roster, *, liaison: str | None, account: str
) -> Verdict:
    """The recovery checklist of one account: its liaison, the IC or an approver. Following
    the account grants nothing: anyone can subscribe."""
    allowed = actor == liaison or actor == standing.commander or actor in roster.approvers
    named = f" ({mention(liaison)})" if liaison else ""
    return Verdict(allowed, f"{account}'s liaison{named}, {_ic(standing)} or an approver")


def may_authorise(actor: str, standing: Standing, roster: Roster, *, requested_by: str) -> Verdict:
    """Authorise, deny or renew a mitigation: the IC, a commander, or the manager of an
    affected service's team; never the requester alone, unless they are the IC."""
    managers = {roster.manager_of(team) for team in standing.teams}
    entitled = actor == standing.commander or actor in roster.commanders or actor in managers
    allowed = entitled and (actor != requested_by or actor == standing.commander)
    return Verdict(
        allowed,
        f"{_ic(standing)}, a commander or the manager of an affected service's team"
        " (other than the requester, unless they are the IC)",
    )


@dataclass(frozen=True)
class CardStanding:
    """What a stored triage card says about who answers for it (SPEC 5.8): no incident exists
    yet, so its people are those of its services and those it would page."""

    service: str
    """The card's service as people know it, for the refusal."""
    owners: frozenset[str] = frozenset()
    """The teams of its services: everyone in their on-call rotations (and whoever covers
    now) and their managers."""
    paged: frozenset[str] = frozenset()
    """Who declaring it would page, as the card shows."""


def may_triage(actor: str, card: CardStanding, roster: Roster) -> Verdict:
    """Declare or dismiss a triage card. The triage channel is shared by every team, so being
    in it grants nothing (unlike an incident's own channel): the teams owning its services, the
    people it would page, commanders and approvers decide it."""
    allowed = (
        actor in card.owners
        or actor in card.paged
        or actor in roster.commanders
        or actor in roster.approvers
    )
    return Verdict(
        allowed,
        f"the on-call rotation or manager of {card.service}'s team, the people the card would"
        " page, a commander or an approver",
    )
