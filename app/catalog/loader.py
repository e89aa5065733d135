"""Loads ``BEACON_CONFIG_DIR`` into a ``Catalog``, or fails with every problem at once.

All files are read and checked even after the first problem, because an operator fixing a
config wants the whole list in one ``beacon check-config`` run, each as ``file:line: message``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from app.catalog import build, checks
from app.catalog.bulk import collector_paused
from app.catalog.errors import ConfigError, ConfigIssue
from app.catalog.models import Account, Catalog, Policy, Service, Team
from app.catalog.publishing_checks import check_publishing
from app.catalog.schema import AccountsFile, PolicyFile, ServicesFile
from app.catalog.signal_checks import check_signals
from app.catalog.sources import Source, read_accounts_csv, read_yaml
from app.catalog.validation import validate

POLICY = "policy.yaml"
SERVICES = "services.yaml"
ACCOUNTS_YAML = "accounts.yaml"
ACCOUNTS_CSV = "accounts.csv"
FILES = (POLICY, SERVICES, ACCOUNTS_YAML, ACCOUNTS_CSV)

Model = TypeVar("Model", bound=BaseModel)


def load_catalog(config_dir: Path) -> Catalog:
    with collector_paused():
        return _load(config_dir)


def _load(config_dir: Path) -> Catalog:
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        raise ConfigError([ConfigIssue(str(config_dir), 0, "configuration directory not found")])
    issues: list[ConfigIssue] = []
    policy_source = read_yaml(config_dir / POLICY, issues)
    services_source = read_yaml(config_dir / SERVICES, issues)
    account_sources = _read_accounts(config_dir, issues)

    policy_spec = _validate(PolicyFile, policy_source, issues)
    services_spec = _validate(ServicesFile, services_source, issues)
    account_specs = [_validate(AccountsFile, source, issues) for source in account_sources]
    if policy_source:
        issues += checks.check_policy(policy_source)
        issues += checks.check_commanders(policy_source, services_source)
    if services_source:
        issues += checks.check_services(services_source)
    for source in account_sources:
        issues += checks.check_accounts(source, policy_source, services_source)
    issues += checks.check_duplicate_accounts(account_sources)
    if policy_source:
        issues += check_publishing(policy_source, services_source)
        issues += check_signals(policy_source, services_source)

    if issues or policy_spec is None or services_spec is None or None in account_specs:
        raise ConfigError(sorted(issues, key=_reading_order))
    accounts: dict[str, Account] = {}
    for spec in account_specs:
        assert spec is not None
        accounts.update(build.accounts(spec))
    policy = build.policy(policy_spec)
    teams = build.teams(services_spec)
    services = build.services(services_spec)
    assert services_source is not None
    templates = config_dir / "templates"
    return Catalog(
        policy=policy,
        teams=teams,
        services=services,
        accounts=accounts,
        templates_dir=templates if templates.is_dir() else None,
        warnings=tuple(_warnings(policy, teams, services, services_source)),
    )


def _read_accounts(config_dir: Path, issues: list[ConfigIssue]) -> list[Source]:
    """accounts.yaml, accounts.csv or both (e.g. a CRM export beside hand-written entries)."""
    yaml_path, csv_path = config_dir / ACCOUNTS_YAML, config_dir / ACCOUNTS_CSV
    if not yaml_path.exists() and not csv_path.exists():
        message = f"file not found: {yaml_path} (or {ACCOUNTS_CSV} with the same columns)"
        issues.append(ConfigIssue(ACCOUNTS_YAML, 0, message))
        return []
    sources = [read_yaml(yaml_path, issues)] if yaml_path.exists() else []
    if csv_path.exists():
        sources.append(read_accounts_csv(csv_path, issues))
    return [source for source in sources if source is not None]


def _validate(model: type[Model], source: Source | None, issues: list[ConfigIssue]) -> Model | None:
    if source is None:
        return None
    spec, problems = validate(model, source)
    issues += problems
    return spec


def _reading_order(issue: ConfigIssue) -> tuple[int, int]:
    order = FILES.index(issue.file) if issue.file in FILES else len(FILES)
    return order, issue.line


def _warnings(
    policy: Policy, teams: dict[str, Team], services: dict[str, Service], source: Source
) -> list[str]:
    """Gaps that do not stop Beacon but would leave a page unanswered during an incident."""
    pages = {target for severity in policy.severities for target in severity.page}
    pages.update(target for rule in policy.tiers for target in rule.page)
    pages.update(target for level in policy.escalation for target in level.page)
    owners = {service.team for service in services.values()}
    warnings: list[ConfigIssue] = []
    for team_id, team in teams.items():
        where = ("teams", team_id)
        if team.oncall is None:
            message = f"team `{team_id}` has no on-call rotation: `oncall` pages reach nobody"
            warnings.append(source.issue(where, message))
        elif len(team.oncall.rotation) == 1 and "secondary" in pages:
            message = f"team `{team_id}` has one person on call: no `secondary` to page"
            warnings.append(source.issue((*where, "oncall", "rotation"), message))
        if team.manager is None and "manager" in pages:
            message = f"team `{team_id}` has no manager: `manager` pages reach nobody"
            warnings.append(source.issue(where, message))
        if team_id not in owners and team_id != policy.workspace.commanders_team:
            warnings.append(source.issue(where, f"team `{team_id}` owns no service"))
    return [str(warning) for warning in sorted(warnings, key=_reading_order)]
