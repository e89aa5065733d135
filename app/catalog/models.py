"""Typed, frozen view of the YAML configuration.

Everything downstream (routing, briefs, services) reads these objects, never raw YAML, so the
rules stay testable with hand-built catalogs and the loader is the only place that knows the
file format. Standard library only: the pure domain imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Literal

Person = str
"""A Slack user id (``U…``/``W…``) or an email address resolved later with users.lookupByEmail."""

Channel = str
"""A ``#name`` or a conversation id (``C…``/``G…``)."""

MITIGATION_EXPIRES = timedelta(minutes=30)
"""``workspace.mitigations.expires`` when the policy does not say."""


@dataclass(frozen=True)
class Workspace:
    announce_channel: Channel
    cs_channel: Channel
    channel_prefix: str
    approvers: tuple[Person, ...]
    execs: tuple[Person, ...]
    remind_before: timedelta
    commanders: tuple[Person, ...] = ()
    """The senior responders listed by name (SPEC 5.10)."""
    commanders_team: str | None = None
    """``commanders: team:<id>``: everyone in that team's rotation; its on-call is ``commander``."""
    mitigation_expires: timedelta = MITIGATION_EXPIRES
    """An authorised mitigation lapses this long after it was authorised or renewed."""


@dataclass(frozen=True)
class Severity:
    id: str
    label: str
    rank: int
    """0 is the most severe; severities are ordered as written in policy.yaml."""
    ack_within: timedelta
    update_every: timedelta | None
    page: tuple[str, ...]


@dataclass(frozen=True)
class ImpactMatrix:
    value_high: int
    value_medium: int
    exposure_high: int
    exposure_medium: int
    dependence: tuple[tuple[str, int], ...]
    """(level, points) pairs, e.g. (("critical", 3), ("high", 2), ("standard", 1))."""
    tiers: tuple[tuple[int, int], ...]
    """(tier, minimum points) pairs sorted by tier (1 first)."""


@dataclass(frozen=True)
class TierRule:
    tier: int
    min_severity: str | None = None
    update_every: timedelta | None = None
    page: tuple[str, ...] = ()
    thread: bool = False
    email: bool = False
    """Approved notices are emailed to the account's ``contacts`` (SPEC 5.9)."""


@dataclass(frozen=True)
class EscalationLevel:
    after: timedelta | Literal["ack_within"]
    """A fixed delay, or the incident severity's ``ack_within``."""
    page: tuple[str, ...]


@dataclass(frozen=True)
class Webhook:
    url: str
    secret_env: str | None = None


@dataclass(frozen=True)
class PagerDutyConfig:
    routing_key_env: str


@dataclass(frozen=True)
class StatusPage:
    secret_env: str
    """Keys the private account page tokens; rotating it invalidates every link."""
    title: str = "Service status"
    public: bool = True
    components: tuple[str, ...] | None = None
    """Service ids shown, in this order; None: every service."""
    history: timedelta = timedelta(days=30)
    allow_origins: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmailConfig:
    smtp_url_env: str
    sender: str


@dataclass(frozen=True)
class LabelMatcher:
    """One ``label: value`` of a rule's ``match``; a value written ``~regex`` is a regex."""

    label: str
    value: str
    regex: bool = False


SignalDecision = Literal["ignore", "auto", "triage"]


@dataclass(frozen=True)
class SignalRule:
    match: tuple[LabelMatcher, ...]
    severity: str | None = None
    declare: SignalDecision = "triage"


@dataclass(frozen=True)
class Repeats:
    count: int
    within: timedelta


@dataclass(frozen=True)
class CustomerReports:
    accounts: int
    within: timedelta


@dataclass(frozen=True)
class SignalsConfig:
    """``signals:`` of policy.yaml (SPEC 3, 5.8): intake, rules and escalation patterns."""

    token_env: str = "BEACON_SIGNALS_TOKEN"
    triage_channel: Channel | None = None
    """None: the workspace's announce channel."""
    group_within: timedelta = timedelta(minutes=10)
    rules: tuple[SignalRule, ...] = ()
    repeats: Repeats | None = None
    sustained: timedelta | None = None
    customer_reports: CustomerReports | None = None


@dataclass(frozen=True)
class Policy:
    workspace: Workspace
    severities: tuple[Severity, ...]
    impact_matrix: ImpactMatrix
    tiers: tuple[TierRule, ...]
    escalation: tuple[EscalationLevel, ...] = ()
    webhooks: tuple[Webhook, ...] = ()
    pagerduty: PagerDutyConfig | None = None
    status_page: StatusPage | None = None
    email: EmailConfig | None = None
    signals: SignalsConfig | None = None

    def severity(self, severity_id: str) -> Severity:
        for severity in self.severities:
            if severity.id == severity_id:
                return severity
        raise KeyError(severity_id)

    def tier_rule(self, tier: int) -> TierRule:
        for rule in self.tiers:
            if rule.tier == tier:
                return rule
        return TierRule(tier=tier)


@dataclass(frozen=True)
class Override:
    user: Person
    start: datetime
    """Naive, in the team's time zone."""
    end: datetime


@dataclass(frozen=True)
class OnCall:
    timezone: str
    handoff_weekday: int
    """0 = Monday, as in ``datetime.weekday()``."""
    handoff_time: time
    start: date
    rotation: tuple[Person, ...]
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    manager: Person | None = None
    oncall: OnCall | None = None


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    """Customer-facing name; the id never appears in customer-facing text."""
    team: str
    depends_on: tuple[str, ...] = ()
    runbook: str | None = None


@dataclass(frozen=True)
class Account:
    id: str
    name: str
    arr: int
    users: int
    dependence: str
    uses: tuple[str, ...] = ()
    liaison: Person | None = None
    exec_sponsor: Person | None = None
    channel: Channel | None = None
    tier: int | None = None
    """Explicit tier from the file; overrides the impact-matrix score."""
    contacts: tuple[str, ...] = ()
    """Customer addresses that get approved notices by email when the tier says so."""


@dataclass(frozen=True)
class Catalog:
    policy: Policy
    teams: dict[str, Team]
    services: dict[str, Service]
    accounts: dict[str, Account]
    templates_dir: Path | None = None
    warnings: tuple[str, ...] = field(default=())
    service_words: dict[str, str] = field(init=False, repr=False, compare=False)
    """Every service id by its id and by its name, lower-cased: what a typed word names."""
    account_words: dict[str, str] = field(init=False, repr=False, compare=False)
    """The same for accounts. Built once: a declaration resolves its words on the event loop,
    and building these per word would walk 100,000 accounts there."""

    def __post_init__(self) -> None:
        for name, items in (("service_words", self.services), ("account_words", self.accounts)):
            words = {item.name.lower(): key for key, item in items.items()}
            words.update((key.lower(), key) for key in items)  # an id wins over a name
            object.__setattr__(self, name, words)
