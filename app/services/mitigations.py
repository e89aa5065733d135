"""Temporary mitigations (SPEC 5.10): asked for with `/incident mitigate`, authorised or denied
with one click by those with the right, shown on the brief while in force, a reminder to the IC
before it lapses, Renew on the card. Every change is one transaction with its outbox items and
timers, and a guarded UPDATE, so a double click, a retry or a second worker changes it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from app.domain.errors import UsageError
from app.domain.mitigations import MitigationRequest, reminder_at
from app.domain.refs import IncidentRef
from app.domain.rights import may_authorise
from app.outbox import keys
from app.outbox.enqueue import enqueue, notice
from app.outbox.kinds import Kind
from app.services import rights
from app.services.context import Context
from app.store import incidents, mitigations, paging
from app.store.models import Incident, Mitigation, Timer
from app.wording import notices, refusals, replies

REMINDER = "mitigation_reminder"
LAPSE = "mitigation_lapse"
KINDS = frozenset({REMINDER, LAPSE})


@dataclass(frozen=True)
class MitigationDecision:
    ref: str
    state: str
    by: str
    new: bool
    """False when someone had already decided (or renewed); the reply says who."""


def _refresh(
    session: Session, incident: Incident, mitigation: Mitigation, stage: str, now: datetime
) -> None:
    """The card shows the new state; the pinned brief lists what is in force."""
    reason = keys.mitigation(mitigation.id, stage)
    enqueue(
        session,
        incident,
        Kind.REFRESH_MITIGATION_CARD,
        keys.mitigation_card(mitigation.id, stage),
        now=now,
        mitigation_id=mitigation.id,
    )
    refresh = keys.refresh(incident.id, Kind.REFRESH_BRIEF, reason)
    enqueue(session, incident, Kind.REFRESH_BRIEF, refresh, now=now)


def _schedule(session: Session, ctx: Context, mitigation: Mitigation, now: datetime) -> None:
    """Reminder and lapse for the current term; a renewal makes these stale (see ``fire``)."""
    assert mitigation.expires_at is not None
    policy = ctx.catalog.policy
    expires = policy.workspace.mitigation_expires
    data = {"mitigation_id": mitigation.id, "renewals": mitigation.renewals}
    remind = reminder_at(mitigation.expires_at, expires, policy.workspace.remind_before)
    paging.schedule(
        session,
        incident_id=mitigation.incident_id,
        due={REMINDER: remind, LAPSE: mitigation.expires_at},
        now=now,
        data=data,
    )


class MitigationService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def request(self, which: IncidentRef, given: MitigationRequest) -> str:
        now = self.ctx.clock()
        actor = which.actor
        with self.ctx.uow() as session:
            incident = rights.act_on(session, self.ctx, which, "ask for a mitigation on")
            if incident.status == "resolved":
                raise UsageError(refusals.resolved_reopen_first(incident.ref))
            mitigation = Mitigation(
                incident_id=incident.id,
                action=given.action,
                reason=given.reason,
                requested_by=actor,
                requested_at=now,
                state="pending",
            )
            session.add(mitigation)
            session.flush()
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="mitigation_requested",
                data={"mitigation_id": mitigation.id, "action": given.action},
            )
            enqueue(
                session,
                incident,
                Kind.POST_MITIGATION_CARD,
                keys.mitigation_card(mitigation.id),
                now=now,
                mitigation_id=mitigation.id,
            )
            session.commit()
            ref = incident.ref
        self.ctx.on_commit()
        return replies.mitigation_requested(ref)

    def _load(self, session: Session, mitigation_id: int) -> tuple[Mitigation, Incident]:
        mitigation = session.get(Mitigation, mitigation_id)
        if mitigation is None:
            raise UsageError(refusals.gone("mitigation"))
        return mitigation, incidents.locked_for(session, mitigation)

    def _check(
        self, session: Session, mitigation: Mitigation, incident: Incident, actor: str, verb: str
    ) -> None:
        verdict = may_authorise(
            actor,
            rights.standing(session, self.ctx, incident),
            rights.roster(session, self.ctx),
            requested_by=mitigation.requested_by,
        )
        rights.check(
            session, self.ctx, incident, actor, verdict, f"{verb} mitigations on {incident.ref}"
        )

    def decide(self, mitigation_id: int, *, actor: str, authorise: bool) -> MitigationDecision:
        now = self.ctx.clock()
        state = "authorised" if authorise else "denied"
        with self.ctx.uow() as session:
            mitigation, incident = self._load(session, mitigation_id)
            self._check(session, mitigation, incident, actor, "authorise or deny")
            expires_at = now + self.ctx.catalog.policy.workspace.mitigation_expires
            if not mitigations.decide(
                session,
                mitigation.id,
                state=state,
                by=actor,
                at=now,
                expires_at=expires_at if authorise else None,
            ):
                session.refresh(mitigation)
                return MitigationDecision(
                    incident.ref, mitigation.state, mitigation.decided_by or "", False
                )
            session.refresh(mitigation)
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind=f"mitigation_{state}",
                data={
                    "mitigation_id": mitigation.id,
                    "action": mitigation.action,
                    "until": expires_at.isoformat() if authorise else None,
                },
            )
            if authorise:
                _schedule(session, self.ctx, mitigation, now)
            _refresh(session, incident, mitigation, state, now)
            session.commit()
            ref = incident.ref
        self.ctx.on_commit()
        return MitigationDecision(ref, state, actor, True)

    def renew(self, mitigation_id: int, *, seen: int, actor: str) -> MitigationDecision:
        now = self.ctx.clock()
        with self.ctx.uow() as session:
            mitigation, incident = self._load(session, mitigation_id)
            self._check(session, mitigation, incident, actor, "renew")
            expires_at = now + self.ctx.catalog.policy.workspace.mitigation_expires
            if not mitigations.renew(
                session, mitigation.id, seen=seen, by=actor, expires_at=expires_at
            ):
                session.refresh(mitigation)
                if mitigation.state != "authorised":
                    raise UsageError(refusals.mitigation_not_in_force(mitigation.state))
                return MitigationDecision(
                    incident.ref, "renewed", mitigation.renewed_by or "", False
                )
            session.refresh(mitigation)
            incidents.record(
                session,
                incident,
                at=now,
                actor=actor,
                kind="mitigation_renewed",
                data={
                    "mitigation_id": mitigation.id,
                    "action": mitigation.action,
                    "until": expires_at.isoformat(),
                },
            )
            _schedule(session, self.ctx, mitigation, now)
            _refresh(session, incident, mitigation, f"renewed:{mitigation.renewals}", now)
            session.commit()
            ref = incident.ref
        self.ctx.on_commit()
        return MitigationDecision(ref, "renewed", actor, True)


def fire(session: Session, incident: Incident, timer: Timer, now: datetime) -> None:
    """A reminder or a lapse came due; one set before a renewal (or after a lapse) does nothing."""
    mitigation = session.get(Mitigation, int(timer.data["mitigation_id"]))
    renewals = int(timer.data["renewals"])
    if mitigation is None or mitigation.state != "authorised" or mitigation.renewals != renewals:
        return
    action = mitigation.action
    if timer.kind == REMINDER:
        expires_at = mitigation.expires_at.isoformat() if mitigation.expires_at else None
        if incident.status == "resolved":  # nobody needs to keep it any more; it just lapses
            return
        incidents.record(
            session,
            incident,
            at=now,
            actor=None,
            kind="mitigation_reminder",
            data={"mitigation_id": mitigation.id, "action": action, "until": expires_at},
        )
        notice(
            session,
            incident,
            notices.mitigation_lapsing(incident.commander, action, mitigation.expires_at),
            key=keys.mitigation(mitigation.id, f"reminder:{renewals}"),
            now=now,
        )
        return
    if not mitigations.lapse(session, mitigation.id, renewals=renewals):
        return
    session.refresh(mitigation)
    incidents.record(
        session,
        incident,
        at=now,
        actor=None,
        kind="mitigation_lapsed",
        data={"mitigation_id": mitigation.id, "action": action},
    )
    notice(
        session,
        incident,
        notices.mitigation_lapsed(incident.commander, action),
        key=keys.mitigation(mitigation.id, "lapsed"),
        now=now,
    )
    _refresh(session, incident, mitigation, "lapsed", now)
