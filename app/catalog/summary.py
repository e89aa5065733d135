"""What `beacon check-config` prints when the configuration is valid."""

from __future__ import annotations

from collections import Counter

from app.catalog.durations import format_duration
from app.catalog.models import Catalog
from app.routing.impact import account_tier


def summarize(catalog: Catalog) -> str:
    policy = catalog.policy
    tiers = Counter(account_tier(a, policy.impact_matrix) for a in catalog.accounts.values())
    rotations = sum(1 for team in catalog.teams.values() if team.oncall)
    lines = [
        "Configuration is valid.",
        f"  services:   {len(catalog.services)}",
        f"  teams:      {len(catalog.teams)} ({rotations} with an on-call rotation)",
        f"  accounts:   {len(catalog.accounts)}",
    ]
    lines += [f"    Tier {tier}: {tiers.get(tier, 0)}" for tier, _ in policy.impact_matrix.tiers]
    lines.append(
        "  severities: "
        + ", ".join(
            f"{s.id} ({s.label}, ack {format_duration(s.ack_within)}, updates "
            f"{format_duration(s.update_every) if s.update_every else 'none'})"
            for s in policy.severities
        )
    )
    lines.append(
        f"  channels:   announce {policy.workspace.announce_channel},"
        f" CS {policy.workspace.cs_channel}, prefix {policy.workspace.channel_prefix}-"
    )
    lines.append(f"  escalation: {len(policy.escalation)} level(s)")
    if catalog.warnings:
        lines.append("Warnings:")
        lines += [f"  {warning}" for warning in catalog.warnings]
    return "\n".join(lines)
