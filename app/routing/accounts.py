"""Which customer accounts an incident hurts, and how much each matters.

Thousands of accounts are normal and an outage of a foundational service touches nearly all of
them, so the index represents a set of accounts as one integer bitmask over a fixed order
(tier, then name). Selecting the affected accounts is then a few big-integer ORs, and the
result comes out already sorted. Per-account objects (with their human-readable reason) are
only built when a caller actually walks the list; the routing decision itself needs per-tier
presence, counts and a couple of names, which the mask answers directly, plus each account's
liaison and exec sponsor, whose page reasons are formatted once here at load time (formatting
them per incident dominated routing time when thousands of accounts were hit).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import compress, count, islice
from operator import itemgetter
from typing import NamedTuple, overload

from app.catalog.models import Account, Catalog
from app.routing.contacts import Contacts, TierContacts, build_contacts, mask_of, people_of
from app.routing.impact import tiers_by

_IS_SET = "1".__eq__


class AffectedAccount(NamedTuple):
    account: Account
    tier: int
    reason: str
    """Why it is affected, e.g. "named in the incident" or "uses Checkout, Payments"."""


CONTACT_LABELS = {"liaison": "liaison", "exec_sponsor": "exec sponsor"}
"""Account roles a ``page:`` list can name, with how a reason spells them."""


class TierSpan(NamedTuple):
    tier: int
    start: int
    stop: int
    """Positions ``[start, stop)`` of this tier's accounts in :attr:`AccountIndex.ordered`."""


def _selectors(mask: int) -> Iterator[bool]:
    """One flag per position, least significant bit first (C-speed, no Python loop)."""
    return map(_IS_SET, bin(mask)[:1:-1])


def _segment(mask: int, span: TierSpan) -> int:
    return (mask >> span.start) & ((1 << (span.stop - span.start)) - 1)


@dataclass(frozen=True, eq=False)
class AccountIndex:
    """Built once per configuration load; read-only afterwards, so safe to share."""

    ordered: tuple[Account, ...]
    """Every account, sorted by tier, then name (case-insensitive), then id."""
    tiers: tuple[int, ...]
    """Tier of ``ordered[i]`` (explicit ``tier:`` or impact-matrix score)."""
    positions: Mapping[str, int]
    by_service: Mapping[str, int]
    """Service id -> bitmask of the positions of the accounts that use it."""
    spans: tuple[TierSpan, ...]
    service_names: Mapping[str, str]
    contacts: Mapping[str, Contacts]
    """Keyed by role: ``liaison`` and ``exec_sponsor``."""

    @classmethod
    def build(cls, catalog: Catalog) -> AccountIndex:
        tier_of = tiers_by(catalog.policy.impact_matrix)
        keyed = sorted(
            (tier_of(account), account.name.casefold(), account.id, account)
            for account in catalog.accounts.values()
        )  # ids are unique: accounts themselves are never compared
        ordered = tuple(map(itemgetter(3), keyed))
        tiers = tuple(map(itemgetter(0), keyed))
        users: dict[str, list[int]] = {}
        for position, account in enumerate(ordered):
            for service_id in account.uses:
                users.setdefault(service_id, []).append(position)
        by_service = {service_id: mask_of(positions) for service_id, positions in users.items()}
        spans = [
            TierSpan(tier, bisect_left(tiers, tier), bisect_right(tiers, tier))
            for tier in sorted(set(tiers))
        ]
        return cls(
            ordered=ordered,
            tiers=tiers,
            positions=dict(zip(map(itemgetter(2), keyed), count())),
            by_service=by_service,
            spans=tuple(spans),
            service_names={sid: service.name for sid, service in catalog.services.items()},
            contacts={
                role: build_contacts(ordered, spans, role, label)
                for role, label in CONTACT_LABELS.items()
            },
        )

    def __len__(self) -> int:
        return len(self.ordered)

    def get(self, account_id: str) -> Account | None:
        position = self.positions.get(account_id)
        return None if position is None else self.ordered[position]

    def tier_of(self, account_id: str) -> int:
        return self.tiers[self.positions[account_id]]

    def select(
        self, services: Iterable[str], named: Iterable[str] = (), *, reach: int | None = None
    ) -> AccountSelection:
        """Accounts named explicitly plus those using any of ``services`` (already closed);
        ``reach``, when given, is the mask of those users, precomputed
        (:attr:`RoutingIndex.reach`)."""
        affected = frozenset(services)
        named_ids: list[str] = []
        unknown: list[str] = []
        named_mask = 0
        for account_id in dict.fromkeys(named):
            position = self.positions.get(account_id)
            if position is None:
                unknown.append(account_id)
            else:
                named_ids.append(account_id)
                named_mask |= 1 << position
        mask = named_mask
        if reach is not None:
            mask |= reach
        else:
            by_service = self.by_service
            for service_id in affected:
                mask |= by_service.get(service_id, 0)
        return AccountSelection(
            index=self,
            services=affected,
            named=frozenset(named_ids),
            mask=mask,
            unknown=tuple(unknown),
        )


@dataclass(frozen=True, eq=False)
class AccountSelection:
    """The affected accounts of one incident; iterating yields them sorted by tier, then name."""

    index: AccountIndex
    services: frozenset[str]
    named: frozenset[str]
    mask: int
    unknown: tuple[str, ...] = ()
    """Named account ids that the catalog does not know (the caller decides how loud to be)."""

    def __len__(self) -> int:
        return self.mask.bit_count()

    def __bool__(self) -> bool:
        return self.mask != 0

    def __iter__(self) -> Iterator[AffectedAccount]:
        return iter(self.items)

    def __contains__(self, account_id: object) -> bool:
        position = self.index.positions.get(account_id) if isinstance(account_id, str) else None
        return position is not None and bool(self.mask >> position & 1)

    @cached_property
    def items(self) -> tuple[AffectedAccount, ...]:
        index = self.index
        accounts = list(compress(index.ordered, _selectors(self.mask)))
        tiers = compress(index.tiers, _selectors(self.mask))
        return tuple(
            AffectedAccount(account, tier, self.reason(account))
            for account, tier in zip(accounts, tiers, strict=True)
        )

    @cached_property
    def tiers(self) -> tuple[int, ...]:
        """Tiers with at least one affected account, most important first."""
        return tuple(span.tier for span in self.index.spans if _segment(self.mask, span))

    def _span(self, tier: int) -> TierSpan | None:
        for span in self.index.spans:
            if span.tier == tier:
                return span
        return None

    def count(self, tier: int) -> int:
        span = self._span(tier)
        return 0 if span is None else _segment(self.mask, span).bit_count()

    def in_tier(self, tier: int) -> Iterator[Account]:
        """This tier's affected accounts, by name, without building the whole list."""
        span = self._span(tier)
        if span is None:
            return iter(())
        return compress(
            islice(self.index.ordered, span.start, span.stop),
            _selectors(_segment(self.mask, span)),
        )

    def names_in_tier(self, tier: int) -> Sequence[str]:
        span = self._span(tier)
        if span is None:
            return ()
        return _NameView(self.index.ordered, span.start, _segment(self.mask, span))

    def contacts(self, role: str, tier: int) -> TierContacts:
        """``role``: a key of :data:`CONTACT_LABELS`."""
        span = self._span(tier)
        if span is None:
            return TierContacts([], ())
        contacts = self.index.contacts[role]
        affected = _segment(self.mask, span)
        lacking = affected & _segment(contacts.lacking, span)
        having = affected & ~lacking
        missing = _NameView(self.index.ordered, span.start, lacking)
        book = contacts.books.get(tier)
        if book is None or not having:
            return TierContacts([], missing)
        left_out = _segment(~contacts.lacking, span) & ~having
        return TierContacts(people_of(book, having, left_out), missing, book.family)

    def reason(self, account: Account) -> str:
        parts: list[str] = []
        if account.id in self.named:
            parts.append("named in the incident")
        names = self.index.service_names
        hits = [names.get(sid, sid) for sid in account.uses if sid in self.services]
        if hits:
            parts.append("uses " + ", ".join(hits))
        return "; ".join(parts)


class _NameView(Sequence[str]):
    """Names of the accounts in a mask; the first few are found without scanning the rest."""

    _CHEAP = 8

    def __init__(self, ordered: tuple[Account, ...], offset: int, mask: int) -> None:
        self._ordered = ordered
        self._offset = offset
        self._mask = mask

    def __len__(self) -> int:
        return self._mask.bit_count()

    @overload
    def __getitem__(self, item: int) -> str: ...

    @overload
    def __getitem__(self, item: slice) -> Sequence[str]: ...

    def __getitem__(self, item: int | slice) -> str | Sequence[str]:
        if isinstance(item, slice):
            return self._all()[item]
        size = len(self)
        if item < 0:
            item += size
        if not 0 <= item < size:
            raise IndexError(item)
        if item >= self._CHEAP:
            return self._all()[item]
        mask = self._mask
        for _ in range(item):
            mask &= mask - 1
        position = (mask & -mask).bit_length() - 1
        return self._ordered[self._offset + position].name

    def _all(self) -> list[str]:
        members = compress(islice(self._ordered, self._offset, None), _selectors(self._mask))
        return [account.name for account in members]


def affected_accounts(
    index: AccountIndex, services: frozenset[str], named: Iterable[str]
) -> list[AffectedAccount]:
    """Named accounts plus those whose ``uses`` meets ``services``, sorted by tier then name."""
    return list(index.select(services, named))
