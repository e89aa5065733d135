"""A person deciding a triage card: Declare (the form, prefilled) or Dismiss (with a reason).
Each step asks the card's decision right (``signal_rights``) from stored data, so a button or
form a stranger replays changes nothing."""

from __future__ import annotations

from app.domain.declaration import Declaration
from app.domain.errors import BeaconError, NotFound
from app.services.context import Context
from app.services.signal_declare import declaration_of, dismiss_card, link_card
from app.services.signal_rights import check_triage
from app.store.signal_models import TriageCard


class SignalTriage:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def authorise(self, card_id: int, *, actor: str, what: str) -> None:
        """Refused (audited) unless ``actor`` may ``what`` ("declare", "dismiss") the card."""
        with self.ctx.uow() as session:
            card = session.get(TriageCard, card_id)
            if card is None:
                raise NotFound("That triage card no longer exists.")
            check_triage(session, self.ctx, card, actor, what)

    def prefill(self, card_id: int, *, actor: str) -> Declaration:
        """What the card would declare; refused once someone (or a pattern) decided it."""
        self.authorise(card_id, actor=actor, what="declare")
        with self.ctx.uow.read() as session:
            card = session.get(TriageCard, card_id)
            if card is None:
                raise NotFound("That triage card no longer exists.")
            if card.state != "open":
                raise BeaconError(f"This card is already {card.state}.")
            return declaration_of(session, self.ctx, card)

    def declared(self, card_id: int, number: int, *, actor: str) -> None:
        link_card(self.ctx, card_id, number, reason="declared from the triage card", actor=actor)

    def dismiss(self, card_id: int, *, actor: str, reason: str) -> str:
        if not reason.strip():
            raise BeaconError("Say why the card is dismissed.")
        self.authorise(card_id, actor=actor, what="dismiss")
        if not dismiss_card(self.ctx, card_id, actor=actor, reason=reason.strip()):
            raise BeaconError("This card was already declared or dismissed.")
        return ":white_check_mark: Dismissed; the reason is on the card and the audit log."
