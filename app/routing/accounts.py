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

from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain, compress, islice
from operator import itemgetter
from typing import NamedTuple, overload

from app.catalog.models import Account, Catalog, Person
from app.routing.impact import tiers_by

_IS_SET = "1".__eq__


class AffectedAccount(NamedTuple):
    account: Account
    tier: int
    reason: str
    """Why it is affected, e.g. "named in the incident" or "uses Checkout, Payments"."""


CONTACT_LABELS = {"liaison": "liaison", "exec_sponsor": "exec sponsor"}
"""Account roles a ``page:`` list can name, with how a reason spells them."""


class Holder(NamedTuple):
    """One person's accounts in one role within one tier, by account name."""

    person: Person
    mask: int
    """Positions of those accounts, relative to the tier's span."""
    reasons: tuple[str, ...]
    """E.g. "liaison of Acme Corp, Tier 1", one per account."""


class TierBook(NamedTuple):
    """One role in one tier, grouped by the person holding it."""

    holders: tuple[Holder, ...]
    owner: array[int]
    """Per position of the span: the index of its holder (-1: nobody)."""
    rank: array[int]
    """Per position of the span: the index of its reason in its holder's ``reasons``."""


class Contacts(NamedTuple):
    """One contact role for every account, grouped per tier by the person who holds it: an
    incident touching most accounts then costs a big-integer AND per person and a Python step
    per account left out (or per account hit, if fewer), not one per account."""

    books: Mapping[int, TierBook]
    lacking: int
    """Bitmask of the accounts with nobody in this role."""


class TierContacts(NamedTuple):
    people: list[tuple[Person, Sequence[str]]]
    """(person, reasons) for the affected accounts of the tier that have one: people in the
    order of their first such account by name, reasons by account name."""
    missing: Sequence[str]
    """Names of the affected accounts of the tier with nobody in the role."""


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
            ((tier_of(account), account.name.casefold(), account.id), account)
            for account in catalog.accounts.values()
        )
        ordered = tuple(account for _, account in keyed)
        tiers = tuple(key[0] for key, _ in keyed)
        users: dict[str, list[int]] = {}
        for position, account in enumerate(ordered):
            for service_id in account.uses:
                users.setdefault(service_id, []).append(position)
        by_service = {service_id: _mask(positions) for service_id, positions in users.items()}
        spans: list[TierSpan] = []
        for position, tier in enumerate(tiers):
            if spans and spans[-1].tier == tier:
                spans[-1] = spans[-1]._replace(stop=position + 1)
            else:
                spans.append(TierSpan(tier, position, position + 1))
        return cls(
            ordered=ordered,
            tiers=tiers,
            positions={account.id: position for position, account in enumerate(ordered)},
            by_service=by_service,
            spans=tuple(spans),
            service_names={sid: service.name for sid, service in catalog.services.items()},
            contacts={
                role: _contacts(ordered, spans, role, label)
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
        if left_out.bit_count() < having.bit_count():
            return TierContacts(_all_but(book, having, left_out), missing)
        picked: dict[int, list[str]] = {}
        for offset in _bits(having):
            owner = book.owner[offset]
            picked.setdefault(owner, []).append(book.holders[owner].reasons[book.rank[offset]])
        people: list[tuple[Person, Sequence[str]]] = [
            (book.holders[owner].person, reasons) for owner, reasons in picked.items()
        ]
        return TierContacts(people, missing)

    def reason(self, account: Account) -> str:
        parts: list[str] = []
        if account.id in self.named:
            parts.append("named in the incident")
        names = self.index.service_names
        hits = [names.get(sid, sid) for sid in account.uses if sid in self.services]
        if hits:
            parts.append("uses " + ", ".join(hits))
        return "; ".join(parts)


def _all_but(book: TierBook, having: int, left_out: int) -> list[tuple[Person, Sequence[str]]]:
    """Each holder's reasons without those of the (few) accounts ``left_out``, people in the
    order of their first affected account."""
    cuts: dict[int, list[int]] = {}
    for offset in _bits(left_out):
        cuts.setdefault(book.owner[offset], []).append(book.rank[offset])
    found: list[tuple[int, Person, Sequence[str]]] = []
    for index, holder in enumerate(book.holders):
        hit = having & holder.mask
        if not hit:
            continue
        cut = cuts.get(index)
        reasons = holder.reasons if cut is None else _without(holder.reasons, cut)
        found.append(((hit & -hit).bit_length(), holder.person, reasons))
    found.sort(key=itemgetter(0))
    return [(person, reasons) for _, person, reasons in found]


def _without(reasons: tuple[str, ...], ranks: list[int]) -> tuple[str, ...]:
    """``reasons`` less the (ascending) ``ranks``, copied in slices."""
    parts: list[tuple[str, ...]] = []
    start = 0
    for rank in ranks:
        parts.append(reasons[start:rank])
        start = rank + 1
    parts.append(reasons[start:])
    return tuple(chain.from_iterable(parts))


def _bits(mask: int) -> Iterator[int]:
    """Positions of the set bits, lowest first, found by ``str.find`` over the binary digits."""
    digits = bin(mask)[:1:-1]
    at = digits.find("1")
    while at >= 0:
        yield at
        at = digits.find("1", at + 1)


def _contacts(
    ordered: tuple[Account, ...], spans: Sequence[TierSpan], role: str, label: str
) -> Contacts:
    nobody: list[int] = []
    books: dict[int, TierBook] = {}
    for span in spans:
        owner = array("i", [-1]) * (span.stop - span.start)
        rank = array("i", [0]) * (span.stop - span.start)
        index: dict[Person, int] = {}
        offsets: list[list[int]] = []
        reasons: list[list[str]] = []
        for offset, account in enumerate(ordered[span.start : span.stop]):
            person: Person | None = getattr(account, role)
            if person is None:
                nobody.append(span.start + offset)
                continue
            number = index.get(person)
            if number is None:
                number = index[person] = len(offsets)
                offsets.append([])
                reasons.append([])
            owner[offset] = number
            rank[offset] = len(offsets[number])
            offsets[number].append(offset)
            reasons[number].append(f"{label} of {account.name}, Tier {span.tier}")
        holders = tuple(
            Holder(person, _mask(offsets[number]), tuple(reasons[number]))
            for person, number in index.items()
        )
        books[span.tier] = TierBook(holders, owner, rank)
    return Contacts(books, _mask(nobody))


def _mask(positions: Sequence[int]) -> int:
    """The bitmask of ascending ``positions``, set in a byte buffer: ORing bit by bit into a
    growing integer copies it each time, quadratic at 100,000 accounts."""
    if not positions:
        return 0
    buffer = bytearray(positions[-1] // 8 + 1)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")


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
