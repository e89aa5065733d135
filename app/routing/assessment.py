"""Impact of an incident: the single call the declare and re-route paths make (SPEC 5.1 step 2).

It stitches the dependency graph, the account index and the severity rules together. The
indexes are built once per configuration load (:class:`RoutingIndex`); ``assess`` itself only
walks them, so it stays in the low milliseconds even when every account is hurt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from app.catalog.models import Catalog
from app.routing.accounts import AccountIndex, AccountSelection
from app.routing.graph import DependencyGraph
from app.routing.severity import SeverityDecision, effective_severity, update_interval


@dataclass(frozen=True, eq=False)
class RoutingIndex:
    """Everything routing precomputes from a catalog; rebuild it when the configuration changes."""

    catalog: Catalog
    graph: DependencyGraph
    accounts: AccountIndex

    @classmethod
    def build(cls, catalog: Catalog) -> RoutingIndex:
        return cls(
            catalog=catalog,
            graph=DependencyGraph.build(catalog.services),
            accounts=AccountIndex.build(catalog),
        )


@dataclass(frozen=True, eq=False)
class Impact:
    named_services: tuple[str, ...]
    """The known services the incident was declared on, in the order given."""
    services: frozenset[str]
    """Those plus everything depending on them, transitively."""
    accounts: AccountSelection
    """Iterates ``AffectedAccount`` by tier then name; also ``len()``, ``tiers``, ``count()``."""
    severity: SeverityDecision
    update_every: timedelta | None
    """Shortest of the effective severity's and each affected tier's; None means no cadence."""
    unknown_services: tuple[str, ...] = ()

    @property
    def unknown_accounts(self) -> tuple[str, ...]:
        return self.accounts.unknown

    @property
    def tiers(self) -> tuple[int, ...]:
        return self.accounts.tiers


def assess(
    index: RoutingIndex,
    declared_severity: str,
    services: Iterable[str],
    accounts: Iterable[str] = (),
) -> Impact:
    """Unknown service or account ids are set aside in ``unknown_*`` rather than raised.

    Handlers validate user input (with suggestions) before calling this; being lenient here
    keeps re-routing an open incident working after a configuration drops one of its services.
    """
    known = index.catalog.services
    requested = tuple(dict.fromkeys(services))
    named = tuple(service_id for service_id in requested if service_id in known)
    closure = index.graph.closure(named)
    selection = index.accounts.select(closure, accounts)
    tiers = selection.tiers
    policy = index.catalog.policy
    decision = effective_severity(
        policy,
        declared_severity,
        tiers,
        names={tier: selection.names_in_tier(tier) for tier in tiers},
    )
    return Impact(
        named_services=named,
        services=closure,
        accounts=selection,
        severity=decision,
        update_every=update_interval(policy, decision.severity, tiers),
        unknown_services=tuple(service_id for service_id in requested if service_id not in known),
    )
