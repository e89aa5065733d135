"""Service dependency graph: which services suffer when others fail.

Configuration lists what each service *depends on*; an incident needs the opposite direction
(what depends on the broken service), so the reverse adjacency is built once per configuration
load and every incident only walks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import chain, repeat

from app.catalog.models import Service


@dataclass(frozen=True)
class DependencyGraph:
    dependents: Mapping[str, tuple[str, ...]]
    """Service id -> ids of the services that list it in ``depends_on`` (direct only)."""
    groups: Mapping[str, str] = field(default_factory=dict)
    """Service id -> the first id (sorted) of its connected part of the graph, edges taken
    either way: services that can share a triage card or an incident are in one group."""
    _closures: dict[str, frozenset[str]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """Per-root memo: the catalog is immutable, so a root's closure never changes."""
    parts: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Group -> its services, the inverse of ``groups``."""

    @classmethod
    def build(cls, services: Mapping[str, Service]) -> DependencyGraph:
        reverse: dict[str, list[str]] = {}
        for service_id in sorted(services):
            for dependency in services[service_id].depends_on:
                reverse.setdefault(dependency, []).append(service_id)
        groups = _groups(services)
        parts: dict[str, set[str]] = {}
        for service_id, group in groups.items():
            parts.setdefault(group, set()).add(service_id)
        return cls(
            dependents={key: tuple(value) for key, value in reverse.items()},
            groups=groups,
            parts={group: frozenset(members) for group, members in parts.items()},
        )

    def closure_of(self, root: str) -> frozenset[str]:
        """The root and everything depending on it, transitively.

        Tolerates cycles and unknown ids (the loader rejects both, but a stale incident may
        still name a service that a later configuration removed).
        """
        cached = self._closures.get(root)
        if cached is not None:
            return cached
        seen = {root}
        frontier = seen.copy()
        step = self.dependents.get
        while frontier:  # level by level, each in C: a foundational root reaches 1,000 services
            reached = set(chain.from_iterable(map(step, frontier, repeat((), len(frontier)))))
            frontier = reached - seen
            seen |= frontier
        result = frozenset(seen)
        self._closures[root] = result
        return result

    def group_of(self, service: str) -> str:
        """An unknown id (a signal naming a service no longer configured) is a group alone."""
        return self.groups.get(service, service)

    def members(self, group: str) -> frozenset[str]:
        """The services of ``group``: the only ones whose cards a signal in it can join."""
        return self.parts.get(group) or frozenset({group})

    def closure(self, roots: Iterable[str]) -> frozenset[str]:
        members: set[str] = set()
        for root in roots:
            if root not in members:
                members |= self.closure_of(root)
        return frozenset(members)


def _groups(services: Mapping[str, Service]) -> dict[str, str]:
    """Union-find over ``depends_on``; each part named by its first id in sorted order."""
    parent = {service_id: service_id for service_id in services}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for service_id in sorted(services):
        for dependency in services[service_id].depends_on:
            if dependency in parent:
                low, high = sorted((find(service_id), find(dependency)))
                parent[high] = low
    return {service_id: find(service_id) for service_id in services}


def dependents_closure(services: Mapping[str, Service], roots: Iterable[str]) -> frozenset[str]:
    """One-off convenience; long-lived callers keep a :class:`DependencyGraph` instead."""
    return DependencyGraph.build(services).closure(roots)
