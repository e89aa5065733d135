"""Loads ``BEACON_CONFIG_DIR`` into a frozen :class:`Catalog`, or reports every problem at once
as ``file:line: message`` so an operator fixes the whole file in one pass."""

from __future__ import annotations

import csv
import re
from datetime import datetime, time
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ValidationError

from app.catalog import schema
from app.catalog.durations import parse_duration
from app.catalog.errors import ConfigError, ConfigIssue
from app.catalog.models import (
    Account,
    Catalog,
    EscalationLevel,
    ImpactMatrix,
    OnCall,
    Override,
    PagerDutyConfig,
    Policy,
    Service,
    Severity,
    Team,
    TierRule,
    Webhook,
    Workspace,
)
from app.catalog.yamlfile import Document, read_yaml
from app.domain.suggest import did_you_mean

ROLES = ("oncall", "secondary", "manager", "exec", "liaison", "exec_sponsor")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CHANNEL_NAME = re.compile(r"^#[a-z0-9_-]{1,80}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
HANDOFF = re.compile(r"^([a-z]{3}) ([01]\d|2[0-3]):([0-5]\d)$")
CSV_COLUMNS = frozenset(schema.AccountIn.model_fields) | {"id"}

M = TypeVar("M", bound=BaseModel)


def is_person(value: str) -> bool:
    return bool(USER_ID.match(value) or EMAIL.match(value))


def _message(error: Any, model: type[BaseModel]) -> str:
    where = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        key = str(error["loc"][-1])
        return f"unknown key `{key}`"
    if error["type"] == "missing":
        return f"`{where}` is required"
    text = str(error["msg"]).removeprefix("Value error, ")
    return f"`{where}`: {text}"


def _validate(doc: Document, model: type[M], issues: list[ConfigIssue]) -> M | None:
    try:
        return model.model_validate(doc.data)
    except ValidationError as error:
        for problem in error.errors():
            issues.append(doc.issue(_message(problem, model), *problem["loc"]))
        return None


class _Checker:
    """Cross-references and value rules that the per-file shapes cannot express."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues

    def person(self, doc: Document, value: str | None, *path: object) -> None:
        if value is not None and not is_person(value):
            self.issues.append(
                doc.issue(f"`{value}` is not a person: use a Slack user id (U…) or an email", *path)
            )

    def channel(self, doc: Document, value: str | None, *path: object) -> None:
        if value is not None and not (CHANNEL_NAME.match(value) or CHANNEL_ID.match(value)):
            self.issues.append(
                doc.issue(
                    f"`{value}` is not a channel: use #name (lowercase letters, digits, - and _)"
                    " or a channel id (C…)",
                    *path,
                )
            )

    def targets(self, doc: Document, targets: list[str], *path: object) -> None:
        for index, target in enumerate(targets):
            if target not in ROLES and not is_person(target):
                self.issues.append(
                    doc.issue(
                        f"page target `{target}` is neither one of {', '.join(ROLES)} nor a"
                        f" person.{did_you_mean(target, ROLES)}",
                        *path,
                        index,
                    )
                )

    def ref(
        self, doc: Document, value: str, known: dict[str, Any], kind: str, *path: object
    ) -> None:
        if value not in known:
            self.issues.append(
                doc.issue(
                    f"unknown {kind} `{value}`.{did_you_mean(value, known)}".rstrip("."), *path
                )
            )


def _check_policy(doc: Document, policy: schema.PolicyFile, check: _Checker) -> None:
    ws = policy.workspace
    check.channel(doc, ws.announce_channel, "workspace", "announce_channel")
    check.channel(doc, ws.cs_channel, "workspace", "cs_channel")
    if not re.match(r"^[a-z0-9][a-z0-9_-]{0,20}$", ws.channel_prefix):
        check.issues.append(
            doc.issue(
                "`channel_prefix` must be lowercase letters, digits, - or _ (<= 21)",
                "workspace",
                "channel_prefix",
            )
        )
    for field in ("approvers", "execs"):
        for index, person in enumerate(getattr(ws, field)):
            check.person(doc, person, "workspace", field, index)
    for sid, severity in policy.severities.items():
        check.targets(doc, severity.page, "severities", sid, "page")
    matrix = policy.impact_matrix
    for dimension in ("value", "exposure"):
        levels = getattr(matrix, dimension)
        if levels.high < levels.medium:
            check.issues.append(
                doc.issue(
                    f"`{dimension}.high` must be at least `{dimension}.medium`",
                    "impact_matrix",
                    dimension,
                )
            )
    if not matrix.tiers:
        check.issues.append(
            doc.issue("`impact_matrix.tiers` needs at least one tier", "impact_matrix", "tiers")
        )
    for tier, rule in policy.tiers.items():
        if matrix.tiers and tier not in matrix.tiers:
            check.issues.append(
                doc.issue(f"tier {tier} is not defined in `impact_matrix.tiers`", "tiers", tier)
            )
        if rule.min_severity is not None:
            check.ref(
                doc,
                rule.min_severity,
                dict(policy.severities),
                "severity",
                "tiers",
                tier,
                "min_severity",
            )
        check.targets(doc, rule.page, "tiers", tier, "page")
    for index, level in enumerate(policy.escalation):
        if level.after != "ack_within":
            try:
                parse_duration(level.after)
            except ValueError as error:
                check.issues.append(
                    doc.issue(
                        f"`after`: {error} (or write ack_within)", "escalation", index, "after"
                    )
                )
        check.targets(doc, level.page, "escalation", index, "page")


def _check_services(
    doc: Document, services: schema.ServicesFile, check: _Checker, warnings: list[str]
) -> None:
    for tid, team in services.teams.items():
        check.person(doc, team.manager, "teams", tid, "manager")
        oncall = team.oncall
        if oncall is None:
            warnings.append(str(doc.issue(f"team `{tid}` has no on-call rotation", "teams", tid)))
            continue
        try:
            ZoneInfo(oncall.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            check.issues.append(
                doc.issue(
                    f"unknown time zone `{oncall.timezone}`", "teams", tid, "oncall", "timezone"
                )
            )
        match = HANDOFF.match(oncall.handoff.lower())
        if not match or match.group(1) not in WEEKDAYS:
            check.issues.append(
                doc.issue(
                    f'handoff `{oncall.handoff}` must look like "mon 09:00"',
                    "teams",
                    tid,
                    "oncall",
                    "handoff",
                )
            )
        for index, person in enumerate(oncall.rotation):
            check.person(doc, person, "teams", tid, "oncall", "rotation", index)
        for index, override in enumerate(oncall.overrides):
            check.person(doc, override.user, "teams", tid, "oncall", "overrides", index, "user")
            if override.start >= override.end:
                check.issues.append(
                    doc.issue(
                        "override `from` must be before `to`",
                        "teams",
                        tid,
                        "oncall",
                        "overrides",
                        index,
                    )
                )
    for sid, service in services.services.items():
        check.ref(doc, service.team, dict(services.teams), "team", "services", sid, "team")
        for index, dependency in enumerate(service.depends_on):
            check.ref(
                doc,
                dependency,
                dict(services.services),
                "service",
                "services",
                sid,
                "depends_on",
                index,
            )
    cycle = _find_cycle({sid: s.depends_on for sid, s in services.services.items()})
    if cycle:
        check.issues.append(
            doc.issue(f"dependency cycle: {' -> '.join(cycle)}", "services", cycle[0], "depends_on")
        )


def _find_cycle(graph: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in graph.get(node, []):
            if nxt not in graph:
                continue
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in graph:
        if node not in state and (found := visit(node)):
            return found
    return None


def _check_accounts(
    doc: Document,
    accounts: dict[str, schema.AccountIn],
    policy: schema.PolicyFile | None,
    services: schema.ServicesFile | None,
    check: _Checker,
) -> None:
    for aid, account in accounts.items():
        if policy is not None:
            dependence = policy.impact_matrix.dependence
            if account.dependence not in dependence:
                check.issues.append(
                    doc.issue(
                        f"unknown dependence `{account.dependence}`; use one of"
                        f" {', '.join(dependence)}",
                        "accounts",
                        aid,
                        "dependence",
                    )
                )
            if account.tier is not None and account.tier not in policy.impact_matrix.tiers:
                check.issues.append(
                    doc.issue(
                        f"tier {account.tier} is not defined in `impact_matrix.tiers`",
                        "accounts",
                        aid,
                        "tier",
                    )
                )
        if services is not None:
            for index, used in enumerate(account.uses):
                check.ref(
                    doc, used, dict(services.services), "service", "accounts", aid, "uses", index
                )
        check.person(doc, account.liaison, "accounts", aid, "liaison")
        check.person(doc, account.exec_sponsor, "accounts", aid, "exec_sponsor")
        check.channel(doc, account.channel, "accounts", aid, "channel")


def read_accounts_csv(path: Path, issues: list[ConfigIssue]) -> Document:
    """``accounts.csv`` as the same document shape as accounts.yaml, lines = CSV lines."""
    doc = Document(path.name, {"accounts": {}})
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        unknown = [c for c in reader.fieldnames or [] if c not in CSV_COLUMNS]
        for column in unknown:
            issues.append(ConfigIssue(path.name, 1, f"unknown column `{column}`"))
        for row in reader:
            line = reader.line_num
            aid = (row.pop("id", "") or "").strip()
            if not aid:
                issues.append(ConfigIssue(path.name, line, "`id` is required"))
                continue
            if aid in doc.data["accounts"]:
                issues.append(ConfigIssue(path.name, line, f"duplicate account `{aid}`"))
            record: dict[str, Any] = {
                k: v.strip() for k, v in row.items() if k in CSV_COLUMNS and v and v.strip()
            }
            if "uses" in record:
                record["uses"] = [u for u in re.split(r"[;\s]+", record["uses"]) if u]
            doc.data["accounts"][aid] = record
            doc.lines[("accounts", aid)] = line
    return doc


def load_catalog(config_dir: Path) -> Catalog:
    config_dir = Path(config_dir)
    issues: list[ConfigIssue] = []
    warnings: list[str] = []
    check = _Checker(issues)
    if not config_dir.is_dir():
        raise ConfigError([ConfigIssue(str(config_dir), 1, "configuration folder not found")])

    def file(name: str, model: type[M]) -> tuple[Document | None, M | None]:
        path = config_dir / name
        if not path.exists():
            return None, None
        doc = read_yaml(path, issues)
        return (doc, _validate(doc, model, issues)) if doc else (None, None)

    for required in ("policy.yaml", "services.yaml"):
        if not (config_dir / required).exists():
            issues.append(ConfigIssue(required, 1, f"missing: {config_dir / required} is required"))
    if not any((config_dir / name).exists() for name in ("accounts.yaml", "accounts.csv")):
        issues.append(ConfigIssue("accounts.yaml", 1, "missing: add accounts.yaml or accounts.csv"))
    policy_doc, policy = file("policy.yaml", schema.PolicyFile)
    services_doc, services = file("services.yaml", schema.ServicesFile)
    accounts_doc, accounts_file = file("accounts.yaml", schema.AccountsFile)
    if policy_doc and policy:
        _check_policy(policy_doc, policy, check)
    if services_doc and services:
        _check_services(services_doc, services, check, warnings)
    accounts: dict[str, schema.AccountIn] = {}
    if accounts_doc and accounts_file:
        _check_accounts(accounts_doc, accounts_file.accounts, policy, services, check)
        accounts.update(accounts_file.accounts)
    csv_path = config_dir / "accounts.csv"
    if csv_path.exists():
        csv_doc = read_accounts_csv(csv_path, issues)
        parsed = _validate(csv_doc, schema.AccountsFile, issues)
        if parsed:
            for aid in parsed.accounts:
                if aid in accounts:
                    issues.append(
                        csv_doc.issue(f"account `{aid}` is also in accounts.yaml", "accounts", aid)
                    )
            _check_accounts(csv_doc, parsed.accounts, policy, services, check)
            accounts.update(parsed.accounts)
    if issues or policy is None or services is None:
        raise ConfigError(issues)
    templates = config_dir / "templates"
    return Catalog(
        policy=_policy(policy),
        teams={tid: _team(tid, team) for tid, team in services.teams.items()},
        services={
            sid: Service(sid, s.name, s.team, tuple(s.depends_on), s.runbook)
            for sid, s in services.services.items()
        },
        accounts={
            aid: Account(
                id=aid,
                name=a.name,
                arr=a.arr,
                users=a.users,
                dependence=a.dependence,
                uses=tuple(a.uses),
                liaison=a.liaison,
                exec_sponsor=a.exec_sponsor,
                channel=a.channel,
                tier=a.tier,
            )
            for aid, a in accounts.items()
        },
        templates_dir=templates if templates.is_dir() else None,
        warnings=tuple(warnings),
    )


def _policy(policy: schema.PolicyFile) -> Policy:
    ws = policy.workspace
    matrix = policy.impact_matrix
    return Policy(
        workspace=Workspace(
            announce_channel=ws.announce_channel,
            cs_channel=ws.cs_channel,
            channel_prefix=ws.channel_prefix,
            approvers=tuple(ws.approvers),
            execs=tuple(ws.execs),
            remind_before=ws.remind_before,
        ),
        severities=tuple(
            Severity(sid, s.label, rank, s.ack_within, s.update_every, tuple(s.page))
            for rank, (sid, s) in enumerate(policy.severities.items())
        ),
        impact_matrix=ImpactMatrix(
            value_high=matrix.value.high,
            value_medium=matrix.value.medium,
            exposure_high=matrix.exposure.high,
            exposure_medium=matrix.exposure.medium,
            dependence=tuple(matrix.dependence.items()),
            tiers=tuple(sorted(matrix.tiers.items())),
        ),
        tiers=tuple(
            TierRule(tier, r.min_severity, r.update_every, tuple(r.page), r.thread)
            for tier, r in sorted(policy.tiers.items())
        ),
        escalation=tuple(
            EscalationLevel(
                after="ack_within" if e.after == "ack_within" else parse_duration(e.after),
                page=tuple(e.page),
            )
            for e in policy.escalation
        ),
        webhooks=tuple(Webhook(w.url, w.secret_env) for w in policy.webhooks),
        pagerduty=PagerDutyConfig(policy.pagerduty.routing_key_env) if policy.pagerduty else None,
    )


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


def _team(tid: str, team: schema.TeamIn) -> Team:
    oncall = None
    if team.oncall is not None:
        day, clock = team.oncall.handoff.lower().split()
        hour, minute = (int(part) for part in clock.split(":"))
        oncall = OnCall(
            timezone=team.oncall.timezone,
            handoff_weekday=WEEKDAYS.index(day),
            handoff_time=time(hour, minute),
            start=team.oncall.start,
            rotation=tuple(team.oncall.rotation),
            overrides=tuple(
                Override(o.user, _naive(o.start), _naive(o.end)) for o in team.oncall.overrides
            ),
        )
    return Team(id=tid, name=team.name, manager=team.manager, oncall=oncall)
