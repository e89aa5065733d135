"""What `beacon check-config` prints when the configuration is valid.

An operator reads it after an edit to confirm Beacon sees what they meant: the counts that
would change with a typo (accounts per tier, rotations) and the policy in one screen.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from app.catalog.durations import format_duration
from app.catalog.models import Catalog, Severity
from app.routing.impact import account_tier


def summarize(catalog: Catalog, environ: Mapping[str, str]) -> str:
    """``environ``: where the secrets the configuration names are looked up."""
    policy = catalog.policy
    workspace = policy.workspace
    tiers = Counter(account_tier(a, policy.impact_matrix) for a in catalog.accounts.values())
    rotations = sum(1 for team in catalog.teams.values() if team.oncall)
    own_channel = sum(1 for account in catalog.accounts.values() if account.channel)
    lines = [
        "Configuration is valid.",
        f"  services:   {len(catalog.services)}",
        f"  teams:      {len(catalog.teams)} ({rotations} with an on-call rotation)",
        f"  accounts:   {len(catalog.accounts)}",
        *(f"    Tier {tier}: {tiers.get(tier, 0)}" for tier, _ in policy.impact_matrix.tiers),
        f"  severities: {len(policy.severities)}",
        *(f"    {_severity(severity)}" for severity in policy.severities),
        f"  channels:   announce {workspace.announce_channel}, CS {workspace.cs_channel}"
        f" ({own_channel} account(s) with their own), incidents {workspace.channel_prefix}-<n>-…",
        f"  escalation: {len(policy.escalation)} level(s)",
        f"  delivery:   {len(policy.webhooks)} webhook(s), {_pagerduty(catalog, environ)}",
        f"  signals:    {_signals(catalog, environ)}",
    ]
    if catalog.warnings:
        lines.append(f"Warnings ({len(catalog.warnings)}):")
        lines += [f"  {warning}" for warning in catalog.warnings]
    return "\n".join(lines)


def _pagerduty(catalog: Catalog, environ: Mapping[str, str]) -> str:
    """Configured is not the same as paging: without its routing key Beacon pages Slack only."""
    config = catalog.policy.pagerduty
    if config is None:
        return "PagerDuty not configured"
    if not environ.get(config.routing_key_env):
        return f"PagerDuty configured but {config.routing_key_env} is unset"
    return f"PagerDuty configured, routing key from {config.routing_key_env}"


def _signals(catalog: Catalog, environ: Mapping[str, str]) -> str:
    """Without its token every POST /signals is refused: said here, not at the first alert."""
    config = catalog.policy.signals
    if config is None:
        return "not configured"
    channel = config.triage_channel or catalog.policy.workspace.announce_channel
    patterns = [
        name
        for name, on in (
            ("repeats", config.repeats),
            ("sustained", config.sustained),
            ("customer_reports", config.customer_reports),
        )
        if on is not None
    ]
    token = "" if environ.get(config.token_env) else f", but {config.token_env} is unset"
    return (
        f"triage in {channel}, {len(config.rules)} rule(s),"
        f" patterns: {', '.join(patterns) or 'none'}{token}"
    )


def _severity(severity: Severity) -> str:
    updates = (
        f"updates every {format_duration(severity.update_every)}"
        if severity.update_every
        else "no update cadence"
    )
    pages = ", ".join(severity.page) or "nobody"
    return (
        f"{severity.id} {severity.label}: ack within {format_duration(severity.ack_within)},"
        f" {updates}, pages {pages}"
    )
