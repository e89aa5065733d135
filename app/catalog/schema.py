"""The shape of each configuration file (SPEC section 3); unknown keys are errors."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, NonNegativeInt

from app.catalog.durations import parse_duration


def _duration(value: object) -> object:
    if isinstance(value, str):
        return parse_duration(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"malformed duration {value!r}: add a unit, like {value}m")
    return value


Duration = Annotated[timedelta, BeforeValidator(_duration)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkspaceIn(Strict):
    announce_channel: str
    cs_channel: str
    channel_prefix: str = "inc"
    approvers: list[str] = []
    execs: list[str] = []
    remind_before: Duration = timedelta(minutes=5)


class SeverityIn(Strict):
    label: str
    ack_within: Duration
    update_every: Duration | None = None
    page: list[str] = []


class LevelsIn(Strict):
    high: NonNegativeInt
    medium: NonNegativeInt


class ImpactMatrixIn(Strict):
    value: LevelsIn
    exposure: LevelsIn
    dependence: dict[str, int]
    tiers: dict[int, NonNegativeInt]


class TierIn(Strict):
    min_severity: str | None = None
    update_every: Duration | None = None
    page: list[str] = []
    thread: bool = False


class EscalationIn(Strict):
    after: str
    page: list[str]


class WebhookIn(Strict):
    url: str
    secret_env: str | None = None


class PagerDutyIn(Strict):
    routing_key_env: str


class PolicyFile(Strict):
    workspace: WorkspaceIn
    severities: dict[str, SeverityIn] = Field(min_length=1)
    impact_matrix: ImpactMatrixIn
    tiers: dict[int, TierIn] = {}
    escalation: list[EscalationIn] = []
    webhooks: list[WebhookIn] = []
    pagerduty: PagerDutyIn | None = None


class OverrideIn(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    user: str
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")


class OnCallIn(Strict):
    timezone: str
    handoff: str
    start: date
    rotation: list[str] = Field(min_length=1)
    overrides: list[OverrideIn] = []


class TeamIn(Strict):
    name: str
    manager: str | None = None
    oncall: OnCallIn | None = None


class ServiceIn(Strict):
    name: str
    team: str
    depends_on: list[str] = []
    runbook: str | None = None


class ServicesFile(Strict):
    teams: dict[str, TeamIn] = {}
    services: dict[str, ServiceIn] = Field(min_length=1)


class AccountIn(Strict):
    name: str
    arr: NonNegativeInt
    users: NonNegativeInt
    dependence: str
    uses: list[str] = []
    liaison: str | None = None
    exec_sponsor: str | None = None
    channel: str | None = None
    tier: int | None = None


class AccountsFile(Strict):
    accounts: dict[str, AccountIn] = {}
