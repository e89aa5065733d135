"""Reading submitted modals back: the inverse of the forms built in blocks.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from app.domain.segments import split_list
from app.slack.ids import DeclareField, DeclareOption


@dataclass(frozen=True)
class DeclareForm:
    title: str
    severity: str | None
    services: list[str]
    accounts: list[str]
    summary: str
    private: bool
    customer_visible: bool
    metadata: dict[str, str]


def _element(values: dict[str, Any], block: str) -> dict[str, Any]:
    return dict(values.get(block, {}).get(block, {}))


def read_declare_form(view: dict[str, Any]) -> DeclareForm:
    values = view.get("state", {}).get("values", {})
    severity = (_element(values, DeclareField.SEVERITY).get("selected_option") or {}).get("value")
    services = _element(values, DeclareField.SERVICES)
    if "selected_options" in services:
        service_ids = [option["value"] for option in services["selected_options"] or []]
    else:
        service_ids = split_list(services.get("value") or "")
    options = {
        option["value"]
        for option in _element(values, DeclareField.OPTIONS).get("selected_options") or []
    }
    try:
        metadata = json.loads(view.get("private_metadata") or "{}")
    except json.JSONDecodeError:
        metadata = {}
    return DeclareForm(
        title=_element(values, DeclareField.TITLE).get("value") or "",
        severity=severity,
        services=service_ids,
        accounts=split_list(_element(values, DeclareField.ACCOUNTS).get("value") or ""),
        summary=_element(values, DeclareField.SUMMARY).get("value") or "",
        private=DeclareOption.PRIVATE in options,
        customer_visible=DeclareOption.CUSTOMER_VISIBLE in options,
        metadata={str(k): str(v) for k, v in metadata.items()}
        if isinstance(metadata, dict)
        else {},
    )
