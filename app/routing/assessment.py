"""Impact of an incident: the single call the declare and re-route paths make (SPEC 5.1 step 2).

It stitches the dependency graph, the account index and the severity rules together. The
indexes are built once per configuration load (:class:`RoutingIndex`); ``assess`` itself only
walks them, so it stays in the low milliseconds even when every account is hurt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from app.catalog.bulk import collector_paused
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
    reach: Mapping[str, int]
    """Service id -> bitmask of the accounts using it or anything depending on it: an incident
    on a foundational service ORs one mask instead of one per service it brings down. Empty
    when the graph has a cycle (the loader refuses those; then masks are ORed per service)."""

    @classmethod
    def build(cls, catalog: Catalog) -> RoutingIndex:
        with collector_paused():
            return cls._build(catalog)

    @classmethod
    def _build(cls, catalog: Catalog) -> RoutingIndex:
        graph = DependencyGraph.build(catalog.services)
        accounts = AccountIndex.build(catalog)
        return cls(
            catalog=catalog,
            graph=graph,
            accounts=accounts,
            reach=_reach(graph, accounts.by_service, catalog.services),
        )


def _reach(
    graph: DependencyGraph, by_service: Mapping[str, int], services: Iterable[str]
) -> dict[str, int]:
    """Per service, the OR of its own and its dependents' account masks, dependents first
    (Kahn's order over the reverse edges); {} if a cycle leaves some service unordered."""
    dependents = graph.dependents
    nodes = set(services) | set(dependents)
    for targets in dependents.values():
        nodes.update(targets)
    waiting = dict.fromkeys(nodes, 0)
    for targets in dependents.values():
        for target in targets:
            waiting[target] += 1
    ready = [node for node, count in waiting.items() if count == 0]
    order: list[str] = []
    while ready:
        node = ready.pop()
        order.append(node)
        for target in dependents.get(node, ()):
            waiting[target] -= 1
            if waiting[target] == 0:
                ready.append(target)
    if len(order) != len(nodes):
        return {}
    reach: dict[str, int] = {}
    for node in reversed(order):
        mask = by_service.get(node, 0)
        for target in dependents.get(node, ()):
            mask |= reach[target]
        reach[node] = mask
    return reach


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
    reach = None
    if index.reach:
        reach = 0
        for service_id in named:
            reach |= index.reach[service_id]
    selection = index.accounts.select(closure, accounts, reach=reach)
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


@dataclass(frozen=True)
class Assessment:
    """The one stored decision about an incident's impact (SPEC 5.1 step 2), written at
    declaration and rewritten on every re-route (a severity change, a service named later).

    Everything downstream (brief, pages, escalation delay, cadence, review, metrics) reads this
    instead of assessing again, so a configuration reload never rewrites an incident's history.
    """

    severity: str
    declared_severity: str
    reasons: tuple[str, ...]
    """Why ``severity`` is more severe than ``declared_severity``; empty when it is not."""
    named_services: tuple[str, ...]
    """The services a responder named (their teams are paged), in the order given."""
    services: tuple[str, ...]
    """Named services plus their dependents, sorted."""
    accounts: tuple[tuple[str, int], ...]
    """(account id, tier) of every affected account, by tier then name."""
    update_every: timedelta | None

    @classmethod
    def of(cls, impact: Impact) -> Assessment:
        return cls(
            severity=impact.severity.severity,
            declared_severity=impact.severity.declared,
            reasons=impact.severity.raised_by,
            named_services=impact.named_services,
            services=tuple(sorted(impact.services)),
            accounts=tuple((item.account.id, item.tier) for item in impact.accounts),
            update_every=impact.update_every,
        )

    @property
    def dependent_services(self) -> tuple[str, ...]:
        """Services affected only through a dependency on a named one."""
        named = set(self.named_services)
        return tuple(service_id for service_id in self.services if service_id not in named)

    @property
    def tiers(self) -> tuple[int, ...]:
        return tuple(sorted({tier for _, tier in self.accounts}))

    def record(self) -> dict[str, Any]:
        """JSON for the ``incidents.impact`` column (``raised_because`` keeps its old name)."""
        return {
            "severity": self.severity,
            "declared_severity": self.declared_severity,
            "raised_because": list(self.reasons),
            "named_services": list(self.named_services),
            "services": list(self.services),
            "accounts": [[account_id, tier] for account_id, tier in self.accounts],
            "update_every": self.update_every.total_seconds() if self.update_every else None,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Assessment:
        every = record.get("update_every")
        return cls(
            severity=str(record["severity"]),
            declared_severity=str(record["declared_severity"]),
            reasons=tuple(record.get("raised_because", ())),
            named_services=tuple(record.get("named_services", ())),
            services=tuple(record.get("services", ())),
            accounts=tuple((str(a), int(t)) for a, t in record.get("accounts", ())),
            update_every=timedelta(seconds=float(every)) if every is not None else None,
        )


def stored_impact(index: RoutingIndex, assessment: Assessment) -> Impact:
    """The stored assessment in the shape page routing walks: the same services, accounts and
    severity; only who holds each account's roles comes from the current configuration."""
    services = frozenset(assessment.services)
    positions = index.accounts.positions
    mask = 0
    for account_id, _ in assessment.accounts:
        if account_id in positions:
            mask |= 1 << positions[account_id]
    return Impact(
        named_services=assessment.named_services,
        services=services,
        accounts=AccountSelection(
            index=index.accounts, services=services, named=frozenset(), mask=mask
        ),
        severity=SeverityDecision(
            severity=assessment.severity,
            declared=assessment.declared_severity,
            raised_by=assessment.reasons,
        ),
        update_every=assessment.update_every,
    )
