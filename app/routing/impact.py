"""Impact-matrix scoring: how much an account hurts when a service it uses degrades."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.catalog.models import Account, ImpactMatrix


@dataclass(frozen=True)
class Score:
    value: int
    dependence: int
    exposure: int

    @property
    def total(self) -> int:
        return self.value + self.dependence + self.exposure


def _points(amount: int, high: int, medium: int) -> int:
    if amount >= high:
        return 3
    if amount >= medium:
        return 2
    return 1


def score(account: Account, matrix: ImpactMatrix) -> Score:
    dependence = dict(matrix.dependence)
    return Score(
        value=_points(account.arr, matrix.value_high, matrix.value_medium),
        dependence=dependence.get(account.dependence, min(dependence.values(), default=1)),
        exposure=_points(account.users, matrix.exposure_high, matrix.exposure_medium),
    )


def tier_for_points(points: int, matrix: ImpactMatrix) -> int:
    """The most important tier whose minimum the points reach; the last tier catches the rest."""
    for tier, minimum in sorted(matrix.tiers):
        if points >= minimum:
            return tier
    return max(tier for tier, _ in matrix.tiers)


def account_tier(account: Account, matrix: ImpactMatrix) -> int:
    if account.tier is not None:
        return account.tier
    return tier_for_points(score(account, matrix).total, matrix)


def tiers_by(matrix: ImpactMatrix) -> Callable[[Account], int]:
    """:func:`account_tier` with the matrix read once: indexing 100,000 accounts calls it for
    each, and building a :class:`Score` and the dependence table per account dominated."""
    dependence = dict(matrix.dependence)
    fallback = min(dependence.values(), default=1)
    minimums = sorted(matrix.tiers)
    last = max(tier for tier, _ in matrix.tiers)

    value_high, value_medium = matrix.value_high, matrix.value_medium
    exposure_high, exposure_medium = matrix.exposure_high, matrix.exposure_medium

    def tier(account: Account) -> int:
        """:func:`_points` written out: two calls per account were a third of the time."""
        if account.tier is not None:
            return account.tier
        arr, users = account.arr, account.users
        points = (
            (3 if arr >= value_high else 2 if arr >= value_medium else 1)
            + dependence.get(account.dependence, fallback)
            + (3 if users >= exposure_high else 2 if users >= exposure_medium else 1)
        )
        for candidate, minimum in minimums:
            if points >= minimum:
                return candidate
        return last

    return tier
