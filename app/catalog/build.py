"""Validated file models to the frozen catalog objects the rest of Beacon reads.

Kept apart from the schema so that downstream code never depends on pydantic or on how the
files happen to be laid out (e.g. severities as a mapping whose order gives their rank).
"""

from __future__ import annotations

from typing import Any

from app.catalog import models, schema
from app.catalog.models import MITIGATION_EXPIRES


def policy(spec: schema.PolicyFile) -> models.Policy:
    workspace = spec.workspace
    matrix = spec.impact_matrix
    return models.Policy(
        workspace=models.Workspace(
            announce_channel=workspace.announce_channel,
            cs_channel=workspace.cs_channel,
            channel_prefix=workspace.channel_prefix,
            approvers=tuple(workspace.approvers),
            execs=tuple(workspace.execs),
            remind_before=workspace.remind_before,
            **_commanders(workspace),
        ),
        severities=tuple(
            models.Severity(
                id=severity_id,
                label=severity.label,
                rank=rank,
                ack_within=severity.ack_within,
                update_every=severity.update_every,
                page=tuple(severity.page),
            )
            for rank, (severity_id, severity) in enumerate(spec.severities.items())
        ),
        impact_matrix=models.ImpactMatrix(
            value_high=matrix.value.high,
            value_medium=matrix.value.medium,
            exposure_high=matrix.exposure.high,
            exposure_medium=matrix.exposure.medium,
            dependence=tuple(matrix.dependence.items()),
            tiers=tuple(sorted(matrix.tiers.items())),
        ),
        tiers=tuple(
            models.TierRule(
                tier=tier,
                min_severity=rule.min_severity,
                update_every=rule.update_every,
                page=tuple(rule.page),
                thread=rule.thread,
                email=rule.email,
            )
            for tier, rule in sorted(spec.tiers.items())
        ),
        escalation=tuple(
            models.EscalationLevel(after=level.after, page=tuple(level.page))
            for level in spec.escalation
        ),
        webhooks=tuple(
            models.Webhook(url=hook.url, secret_env=hook.secret_env) for hook in spec.webhooks
        ),
        pagerduty=(
            models.PagerDutyConfig(routing_key_env=spec.pagerduty.routing_key_env)
            if spec.pagerduty
            else None
        ),
        status_page=_status_page(spec.status_page) if spec.status_page else None,
        email=(
            models.EmailConfig(smtp_url_env=spec.email.smtp_url_env, sender=spec.email.sender)
            if spec.email
            else None
        ),
        signals=signals(spec.signals) if spec.signals else None,
    )


def signals(spec: schema.SignalsSpec) -> models.SignalsConfig:
    escalate = spec.escalate or schema.SignalEscalateSpec()
    return models.SignalsConfig(
        token_env=spec.token_env,
        triage_channel=spec.triage_channel,
        group_within=spec.group_within,
        rules=tuple(
            models.SignalRule(
                match=tuple(
                    models.LabelMatcher(label, value[1:], regex=True)
                    if value.startswith("~")
                    else models.LabelMatcher(label, value)
                    for label, value in rule.match.items()
                ),
                severity=rule.severity,
                declare=rule.declare,
            )
            for rule in spec.rules
        ),
        repeats=(
            models.Repeats(count=escalate.repeats.count, within=escalate.repeats.within)
            if escalate.repeats
            else None
        ),
        sustained=escalate.sustained,
        customer_reports=(
            models.CustomerReports(
                accounts=escalate.customer_reports.accounts,
                within=escalate.customer_reports.within,
            )
            if escalate.customer_reports
            else None
        ),
    )


def _status_page(spec: schema.StatusPageSpec) -> models.StatusPage:
    return models.StatusPage(
        secret_env=spec.secret_env,
        title=spec.title,
        public=spec.public,
        components=tuple(spec.components) if spec.components is not None else None,
        history=spec.history,
        allow_origins=tuple(spec.allow_origins),
    )


def _commanders(workspace: schema.WorkspaceSpec) -> dict[str, Any]:
    roster = workspace.commanders
    expires = workspace.mitigations.expires if workspace.mitigations else MITIGATION_EXPIRES
    if isinstance(roster, str):
        return {"commanders_team": roster.removeprefix("team:"), "mitigation_expires": expires}
    return {"commanders": tuple(roster), "mitigation_expires": expires}


def _oncall(spec: schema.OnCallSpec) -> models.OnCall:
    weekday, at = spec.handoff
    return models.OnCall(
        timezone=spec.timezone,
        handoff_weekday=weekday,
        handoff_time=at,
        start=spec.start,
        rotation=tuple(spec.rotation),
        overrides=tuple(
            models.Override(user=o.user, start=o.start, end=o.end) for o in spec.overrides
        ),
    )


def teams(spec: schema.ServicesFile) -> dict[str, models.Team]:
    return {
        team_id: models.Team(
            id=team_id,
            name=team.name,
            manager=team.manager,
            oncall=_oncall(team.oncall) if team.oncall else None,
        )
        for team_id, team in spec.teams.items()
    }


def services(spec: schema.ServicesFile) -> dict[str, models.Service]:
    return {
        service_id: models.Service(
            id=service_id,
            name=service.name,
            team=service.team,
            depends_on=tuple(service.depends_on),
            runbook=service.runbook,
        )
        for service_id, service in spec.services.items()
    }


def accounts(spec: schema.AccountsFile) -> dict[str, models.Account]:
    return {
        account_id: models.Account(
            id=account_id,
            name=account.name,
            arr=account.arr,
            users=account.users,
            dependence=account.dependence,
            uses=tuple(account.uses),
            liaison=account.liaison,
            exec_sponsor=account.exec_sponsor,
            channel=account.channel,
            tier=account.tier,
            contacts=tuple(account.contacts),
        )
        for account_id, account in spec.accounts.items()
    }
