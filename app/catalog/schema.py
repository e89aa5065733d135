"""The shape of ``policy.yaml``, ``services.yaml`` and ``accounts.yaml`` (SPEC section 3).

Pydantic does the per-field work (types, unknown keys, durations, people, channels) and reports
every problem with its location in the document; the loader turns those locations into lines.
Cross-references between entries and files are checked in ``checks.py`` instead, because they
need the whole configuration at once.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    NonNegativeInt,
    PlainValidator,
    PositiveInt,
    model_validator,
)

from app.catalog import refs
from app.catalog.durations import parse_duration
from app.catalog.refs import ROLES
from app.catalog.suggest import did_you_mean


def _duration(value: object) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f"malformed duration `{value}`: add a unit, e.g. {value}m or {value}s")
    if not isinstance(value, str):
        raise ValueError(f"malformed duration `{value}`: write it like 45s, 5m, 1h30m or 2d")
    return parse_duration(value)


def _after(value: object) -> timedelta | Literal["ack_within"]:
    if value == "ack_within":
        return "ack_within"
    try:
        return _duration(value)
    except ValueError as error:
        raise ValueError(f"{error} (or ack_within: the severity's own ack time)") from None


def _page_target(value: str) -> str:
    if value in ROLES or refs.is_person(value):
        return value
    raise ValueError(
        f"page target `{value}` is neither one of {', '.join(ROLES)} nor a person "
        f"(Slack user id or email).{did_you_mean(value, ROLES)}"
    )


def _local_datetime(value: object) -> object:
    """YAML reads an unquoted ``2026-12-24`` as a date; an override bound wants midnight of it."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value


def _naive(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("write a local time without offset: the team's time zone applies")
    return value


def _handoff(value: object) -> tuple[int, time]:
    if not isinstance(value, str):
        raise ValueError(f'handoff `{value}` must be text like "mon 09:00"')
    return refs.handoff(value)


def _empty_list(value: object) -> object:
    """``depends_on:`` with nothing after it means "none", not a type error."""
    return [] if value is None else value


def _empty_dict(value: object) -> object:
    return {} if value is None else value


Duration = Annotated[timedelta, PlainValidator(_duration)]
EscalationAfter = Annotated[timedelta | Literal["ack_within"], PlainValidator(_after)]
Person = Annotated[str, AfterValidator(refs.person)]
Channel = Annotated[str, AfterValidator(refs.channel)]
Id = Annotated[str, AfterValidator(refs.catalog_id)]
Url = Annotated[str, AfterValidator(refs.url)]
EnvName = Annotated[str, AfterValidator(refs.env_name)]
Email = Annotated[str, AfterValidator(refs.email)]
Origin = Annotated[str, AfterValidator(refs.origin)]
PageList = Annotated[
    list[Annotated[str, AfterValidator(_page_target)]], BeforeValidator(_empty_list)
]
People = Annotated[list[Person], BeforeValidator(_empty_list)]
IdList = Annotated[list[str], BeforeValidator(_empty_list)]
LocalDateTime = Annotated[datetime, BeforeValidator(_local_datetime), AfterValidator(_naive)]
Handoff = Annotated[tuple[int, time], PlainValidator(_handoff)]
TimeZone = Annotated[str, AfterValidator(refs.timezone)]


class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


# policy.yaml


def _commanders(value: object) -> str | list[str]:
    """``team:<id>`` (the team's rotation is the roster) or a list of people."""
    if value is None:
        return []
    if isinstance(value, list):
        return [refs.person(str(person)) for person in value]
    if isinstance(value, str) and value.startswith("team:") and value[5:]:
        return value
    raise ValueError(f"`{value}` is not a roster: write `team:<team id>` or a list of people")


Commanders = Annotated[str | list[str], PlainValidator(_commanders)]


class MitigationsSpec(Spec):
    expires: Duration


class WorkspaceSpec(Spec):
    announce_channel: Channel
    cs_channel: Channel
    channel_prefix: Annotated[str, AfterValidator(refs.channel_prefix)]
    approvers: People = []
    execs: People = []
    commanders: Commanders = []
    mitigations: MitigationsSpec | None = None
    remind_before: Duration


class SeveritySpec(Spec):
    label: str
    ack_within: Duration
    update_every: Duration | None = None
    page: PageList = []


class ThresholdsSpec(Spec):
    high: NonNegativeInt
    medium: NonNegativeInt

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdsSpec:
        if self.high < self.medium:
            raise ValueError(f"`high` ({self.high}) must be at least `medium` ({self.medium})")
        return self


class ImpactMatrixSpec(Spec):
    value: ThresholdsSpec
    exposure: ThresholdsSpec
    dependence: Annotated[dict[Id, NonNegativeInt], Field(min_length=1)]
    tiers: Annotated[dict[PositiveInt, NonNegativeInt], Field(min_length=1)]


class TierRuleSpec(Spec):
    min_severity: str | None = None
    update_every: Duration | None = None
    page: PageList = []
    thread: bool = False
    email: bool = False


class EscalationSpec(Spec):
    after: EscalationAfter
    page: Annotated[PageList, Field(min_length=1)]


class WebhookSpec(Spec):
    url: Url
    secret_env: EnvName | None = None


class PagerDutySpec(Spec):
    routing_key_env: EnvName


class StatusPageSpec(Spec):
    title: str = "Service status"
    public: bool = True
    components: IdList | None = None
    history: Duration = timedelta(days=30)
    secret_env: EnvName
    allow_origins: Annotated[list[Origin], BeforeValidator(_empty_list)] = []


class EmailSpec(Spec):
    model_config = ConfigDict(populate_by_name=True)
    smtp_url_env: EnvName
    sender: Annotated[str, AfterValidator(refs.mailbox)] = Field(alias="from")


def _label_value(value: object) -> str:
    """A ``~regex`` value must compile now, not when the first alert arrives."""
    text = str(value)
    if text.startswith("~"):
        try:
            re.compile(text[1:])
        except re.error as error:
            raise ValueError(f"bad regex `{text[1:]}`: {error}") from None
    return text


class SignalRuleSpec(Spec):
    match: Annotated[dict[str, Annotated[str, PlainValidator(_label_value)]], Field(min_length=1)]
    severity: str | None = None
    declare: Literal["auto", "triage", "ignore"] = "triage"


class RepeatsSpec(Spec):
    count: Annotated[int, Field(ge=2)]
    within: Duration


class CustomerReportsSpec(Spec):
    accounts: PositiveInt
    within: Duration


class SignalEscalateSpec(Spec):
    repeats: RepeatsSpec | None = None
    sustained: Duration | None = None
    customer_reports: CustomerReportsSpec | None = None


class SignalsSpec(Spec):
    token_env: EnvName = "BEACON_SIGNALS_TOKEN"
    triage_channel: Channel | None = None
    group_within: Duration = timedelta(minutes=10)
    rules: Annotated[list[SignalRuleSpec], BeforeValidator(_empty_list)] = []
    escalate: SignalEscalateSpec | None = None


class PolicyFile(Spec):
    workspace: WorkspaceSpec
    severities: Annotated[dict[Id, SeveritySpec], Field(min_length=1)]
    impact_matrix: ImpactMatrixSpec
    tiers: Annotated[dict[PositiveInt, TierRuleSpec], BeforeValidator(_empty_dict)]
    escalation: Annotated[list[EscalationSpec], BeforeValidator(_empty_list)] = []
    webhooks: Annotated[list[WebhookSpec], BeforeValidator(_empty_list)] = []
    pagerduty: PagerDutySpec | None = None
    status_page: StatusPageSpec | None = None
    email: EmailSpec | None = None
    signals: SignalsSpec | None = None


# services.yaml


class OverrideSpec(Spec):
    model_config = ConfigDict(populate_by_name=True)
    user: Person
    start: LocalDateTime = Field(alias="from")
    end: LocalDateTime = Field(alias="to")

    @model_validator(mode="after")
    def _ordered(self) -> OverrideSpec:
        if self.start >= self.end:
            raise ValueError(
                f"override `from` ({self.start:%Y-%m-%dT%H:%M}) must be before "
                f"`to` ({self.end:%Y-%m-%dT%H:%M})"
            )
        return self


class OnCallSpec(Spec):
    timezone: TimeZone
    handoff: Handoff
    start: date
    rotation: Annotated[list[Person], Field(min_length=1)]
    overrides: Annotated[list[OverrideSpec], BeforeValidator(_empty_list)] = []


class TeamSpec(Spec):
    name: str
    manager: Person | None = None
    oncall: OnCallSpec | None = None


class ServiceSpec(Spec):
    name: str
    team: str
    depends_on: IdList = []
    runbook: Url | None = None


class ServicesFile(Spec):
    teams: Annotated[dict[Id, TeamSpec], BeforeValidator(_empty_dict)]
    services: Annotated[dict[Id, ServiceSpec], BeforeValidator(_empty_dict)]


# accounts.yaml / accounts.csv


class AccountSpec(Spec):
    name: str
    arr: NonNegativeInt
    users: NonNegativeInt
    dependence: str
    uses: IdList = Field(default_factory=list)
    liaison: Person | None = None
    exec_sponsor: Person | None = None
    channel: Channel | None = None
    tier: PositiveInt | None = None
    contacts: Annotated[list[Email], BeforeValidator(_empty_list)] = Field(default_factory=list)
    """Lists default by factory: a ``[]`` default is deep-copied per row, 100,000 times."""


class AccountsFile(Spec):
    accounts: Annotated[dict[Id, AccountSpec], BeforeValidator(_empty_dict)]


ACCOUNT_COLUMNS = ("id", *AccountSpec.model_fields)
"""accounts.csv header: the account id, then the same keys as accounts.yaml."""


def field_names(model: type[BaseModel]) -> list[str]:
    """Keys as written in the file (aliases included), for "did you mean" hints."""
    return [info.alias or name for name, info in model.model_fields.items()]


def model_at(root: type[BaseModel], path: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model describing the mapping at ``path`` in a file, to list the keys it allows."""
    current: Any = root
    steps = list(path)
    while True:
        current = _unwrap(current)
        if isinstance(current, type) and issubclass(current, BaseModel):
            if not steps:
                return current
            key = steps.pop(0)
            fields = {info.alias or name: info for name, info in current.model_fields.items()}
            if key not in fields:
                return None
            current = fields[key].annotation
        elif getattr(current, "__origin__", None) in (dict, list):
            if not steps:
                return None
            steps.pop(0)
            current = current.__args__[-1]
        else:
            return None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated[...] and Optional[...] down to the type that holds the keys."""
    while True:
        metadata = getattr(annotation, "__metadata__", None)
        if metadata is not None:
            annotation = annotation.__origin__
            continue
        args = [a for a in getattr(annotation, "__args__", ()) if a is not type(None)]
        if getattr(annotation, "__origin__", None) not in (dict, list) and len(args) == 1:
            annotation = args[0]
            continue
        return annotation
