"""Who holds an account role (liaison, exec sponsor) for which accounts, grouped per person.

An incident on a foundational service hits nearly every account, and the decision must page
each liaison once with every account they hold. Walking 100,000 accounts one Python step each
is too slow, so each holder's accounts and reasons are precomputed per tier at load, and a
decision steps only through the side that is smaller: the accounts left out, or the accounts
hit. Holders left whole keep their precomputed reasons, uncopied.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Mapping, Sequence
from operator import attrgetter, itemgetter
from typing import NamedTuple

from app.catalog.models import Account, Person

Span = tuple[int, int, int]
"""(tier, start, stop): positions ``[start, stop)`` of a tier's accounts in index order."""


class Holder(NamedTuple):
    """One person's accounts in one role within one tier, by account name."""

    person: Person
    offsets: array[int]
    """Positions of those accounts, relative to the tier's span, ascending."""
    reasons: tuple[str, ...]
    """E.g. "liaison of Acme Corp, Tier 1", one per account."""


class Family(NamedTuple):
    """How every reason of one role in one tier reads: ``{prefix}{account name}{suffix}``.

    A person picked for thousands of accounts gets thousands of reasons, each listed once;
    reasons that provably cannot repeat need no merging through a dict (see ``targets``)."""

    prefix: str
    suffix: str

    def may_hold(self, reason: str) -> bool:
        """Whether ``reason`` reads like one of this family's."""
        prefix, suffix = self.prefix, self.suffix
        return (
            len(reason) >= len(prefix) + len(suffix)
            and reason.startswith(prefix)
            and reason.endswith(suffix)
        )

    def may_meet(self, other: Family) -> bool:
        """Whether one reason could be of both: only if one prefix starts the other and one
        suffix ends the other. A family meets itself; ``, Tier 1`` and ``, Tier 11`` never end
        the same reason, nor do ``liaison of `` and ``exec sponsor of `` start one."""
        one, two = self, other
        prefixes = one.prefix.startswith(two.prefix) or two.prefix.startswith(one.prefix)
        return prefixes and (one.suffix.endswith(two.suffix) or two.suffix.endswith(one.suffix))


class TierBook(NamedTuple):
    """One role in one tier, grouped by the person holding it."""

    holders: tuple[Holder, ...]
    owner: array[int]
    """Per position of the span: the index of its holder (-1: nobody)."""
    rank: array[int]
    """Per position of the span: the index of its reason in its holder's ``reasons``."""
    family: Family | None
    """How its reasons read; None if a holder has two accounts of the same name (their
    reasons repeat, and only merging lists them once)."""


class Contacts(NamedTuple):
    """One contact role for every account, grouped per tier by the person who holds it: an
    incident touching most accounts then costs a Python step per person and per account left
    out (or per account hit, if fewer), not one per account."""

    books: Mapping[int, TierBook]
    lacking: int
    """Bitmask of the accounts with nobody in this role."""


class TierContacts(NamedTuple):
    people: list[tuple[Person, Sequence[str]]]
    """(person, reasons) for the affected accounts of the tier that have one: people in the
    order of their first such account by name, reasons by account name."""
    missing: Sequence[str]
    """Names of the affected accounts of the tier with nobody in the role."""
    family: Family | None = None
    """How every reason in ``people`` reads, when none repeats for a person."""


def people_of(book: TierBook, having: int, left_out: int) -> list[tuple[Person, Sequence[str]]]:
    """(person, reasons) for the affected accounts ``having`` someone in the role (positions
    relative to the tier), people in the order of their first such account. ``left_out``: the
    accounts with someone in the role that are not affected; the cheaper side is walked."""
    if left_out.bit_count() < having.bit_count():
        return _all_but(book, having, left_out)
    picked: dict[int, list[str]] = {}
    for offset in bits(having):
        owner = book.owner[offset]
        picked.setdefault(owner, []).append(book.holders[owner].reasons[book.rank[offset]])
    return [(book.holders[owner].person, reasons) for owner, reasons in picked.items()]


def _all_but(book: TierBook, having: int, left_out: int) -> list[tuple[Person, Sequence[str]]]:
    """Each holder's reasons without those of the (few) accounts ``left_out``, people in the
    order of their first affected account."""
    cuts: dict[int, list[int]] = {}
    for offset in bits(left_out):
        cuts.setdefault(book.owner[offset], []).append(book.rank[offset])
    found: list[tuple[int, Person, Sequence[str]]] = []
    for index, holder in enumerate(book.holders):
        cut = cuts.get(index)
        if cut is None:
            found.append((holder.offsets[0], holder.person, holder.reasons))
        elif len(cut) < len(holder.reasons):
            first = holder.offsets[_first_kept(cut)]
            found.append((first, holder.person, _without(holder.reasons, cut)))
    found.sort(key=itemgetter(0))
    return [(person, reasons) for _, person, reasons in found]


def _first_kept(ranks: list[int]) -> int:
    """The lowest rank not among the ascending ``ranks``."""
    for expected, rank in enumerate(ranks):
        if rank != expected:
            return expected
    return len(ranks)


_FEW_CUTS = 64
"""Up to this many ranks are deleted from a copy (each a memmove of the rest): a few dozen
cuts from a holder's hundreds of reasons cost half of copying the kept slices one by one."""


def _without(reasons: tuple[str, ...], ranks: list[int]) -> tuple[str, ...]:
    """``reasons`` less the (ascending) ``ranks``."""
    if len(ranks) <= _FEW_CUTS:
        kept = list(reasons)
        for rank in reversed(ranks):
            del kept[rank]
        return tuple(kept)
    parts: list[str] = []
    start = 0
    for rank in ranks:
        parts += reasons[start:rank]
        start = rank + 1
    parts += reasons[start:]
    return tuple(parts)


def bits(mask: int) -> Iterator[int]:
    """Positions of the set bits, lowest first, found by ``str.find`` over the binary digits."""
    digits = bin(mask)[:1:-1]
    at = digits.find("1")
    while at >= 0:
        yield at
        at = digits.find("1", at + 1)


def build_contacts(
    ordered: tuple[Account, ...], spans: Sequence[Span], role: str, label: str
) -> Contacts:
    nobody: list[int] = []
    books: dict[int, TierBook] = {}
    for tier, start, stop in spans:
        accounts = ordered[start:stop]
        groups: dict[Person | None, list[int]] = {}
        """Offsets of each person's accounts, people in the order of their first account."""
        for offset, person in enumerate(map(attrgetter(role), accounts)):
            group = groups.get(person)
            if group is None:
                groups[person] = [offset]
            else:
                group.append(offset)
        nobody.extend(start + offset for offset in groups.pop(None, ()))
        owner = array("i", [-1]) * (stop - start)
        rank = array("i", [0]) * (stop - start)
        prefix, suffix = f"{label} of ", f", Tier {tier}"
        holders: list[Holder] = []
        family: Family | None = Family(prefix, suffix)
        for number, (person, offsets) in enumerate(groups.items()):
            assert person is not None
            for position, offset in enumerate(offsets):
                owner[offset] = number
                rank[offset] = position
            reasons = tuple([prefix + accounts[offset].name + suffix for offset in offsets])
            if len(set(reasons)) < len(reasons):
                family = None
            holders.append(Holder(person, array("i", offsets), reasons))
        books[tier] = TierBook(tuple(holders), owner, rank, family)
    return Contacts(books, mask_of(nobody))


def mask_of(positions: Sequence[int]) -> int:
    """The bitmask of ascending ``positions``, set in a byte buffer: ORing bit by bit into a
    growing integer copies it each time, quadratic at 100,000 accounts."""
    if not positions:
        return 0
    buffer = bytearray(positions[-1] // 8 + 1)
    for position in positions:
        buffer[position >> 3] |= 1 << (position & 7)
    return int.from_bytes(buffer, "little")
