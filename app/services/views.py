"""Stored incident + catalog → the detached view renderers take."""

from __future__ import annotations

from app.briefs.view import AccountLine, IncidentView, MitigationView, ServiceLine
from app.catalog.models import Catalog
from app.services.context import assessment_of
from app.store.models import Incident, Mitigation


def mitigation_view(mitigation: Mitigation, ref: str) -> MitigationView:
    return MitigationView(
        id=mitigation.id,
        ref=ref,
        action=mitigation.action,
        reason=mitigation.reason,
        requested_by=mitigation.requested_by,
        requested_at=mitigation.requested_at,
        state=mitigation.state,
        decided_by=mitigation.decided_by,
        decided_at=mitigation.decided_at,
        expires_at=mitigation.expires_at,
        renewals=mitigation.renewals,
        renewed_by=mitigation.renewed_by,
    )


def incident_view(incident: Incident, catalog: Catalog) -> IncidentView:
    assessment = assessment_of(incident)
    named = set(assessment.named_services)
    service_ids = list(dict.fromkeys([*assessment.named_services, *assessment.services]))
    services = tuple(
        ServiceLine(
            id=sid,
            name=catalog.services[sid].name if sid in catalog.services else sid,
            named=sid in named,
            runbook=catalog.services[sid].runbook if sid in catalog.services else None,
        )
        for sid in service_ids
    )
    accounts = tuple(
        AccountLine(
            id=aid,
            name=catalog.accounts[aid].name if aid in catalog.accounts else aid,
            tier=tier,
        )
        for aid, tier in assessment.accounts
    )
    try:
        label = catalog.policy.severity(assessment.severity).label
    except KeyError:
        label = assessment.severity
    return IncidentView(
        ref=incident.ref,
        number=incident.number,
        title=incident.title,
        severity=assessment.severity,
        severity_label=label,
        declared_severity=assessment.declared_severity,
        raised_because=assessment.reasons,
        status=incident.status,
        private=incident.private,
        customer_visible=incident.customer_visible,
        commander=incident.commander,
        comms_lead=incident.comms_lead,
        declared_by=incident.declared_by,
        declared_at=incident.declared_at,
        summary=incident.summary,
        services=services,
        accounts=accounts,
        next_update_due=incident.next_update_due,
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        mitigations=tuple(mitigation_view(m, incident.ref) for m in incident.mitigations),
    )
