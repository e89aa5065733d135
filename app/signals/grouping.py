"""Dependency-aware grouping (SPEC 5.8): a dependent service's signals join the card of the
foundational service already alerting, so the owner of the likely cause sees one card, first."""

from __future__ import annotations

from collections.abc import Callable, Iterable


def card_for(
    service: str, open_cards: Iterable[str], dependents: Callable[[str], frozenset[str]]
) -> tuple[str, str] | None:
    """(card service to join, the card's service afterwards), or None for a new card.

    ``dependents(s)``: ``s`` and every service depending on it, transitively. A card on a
    service this one depends on takes the signal; a card on a service that depends on this one
    takes it too and is re-centred on this one, now the likely cause.
    """
    cards = list(open_cards)
    if service in cards:
        return service, service
    for card in cards:
        if service in dependents(card):
            return card, card
    for card in cards:
        if card in dependents(service):
            return card, service
    return None


def likely_cause_first(
    services: Iterable[str], card_service: str, dependents: Callable[[str], frozenset[str]]
) -> list[str]:
    """The card's service first, then the others as listed."""
    ordered = list(dict.fromkeys(services))
    return sorted(ordered, key=lambda s: (s != card_service, s not in dependents(card_service)))
