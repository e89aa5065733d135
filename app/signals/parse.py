"""Request bodies to signals: Alertmanager's webhook (version 4) and Beacon's own JSON.

Every problem is a ``BadSignals`` naming the field and what was expected, so a misconfigured
sender sees why in the 400 rather than a signal silently going nowhere.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app.signals.model import ALERTMANAGER, Signal, Status

MAX_SIGNALS = 1000
"""Alerts in one body; Alertmanager batches per group, far fewer than this."""
UNKNOWN_SERVICE = "unknown"
LIMITS = {"source": 80, "id": 160, "fingerprint": 160, "service": 200, "severity": 40}
"""Characters Beacon stores of each field; a longer one is refused with its name, not cut."""


class BadSignals(ValueError):
    """A body Beacon cannot read; the message says what is wrong."""


def _status(value: Any, where: str) -> Status:
    if value == "firing":
        return "firing"
    if value == "resolved":
        return "resolved"
    raise BadSignals(f'{where}status must be "firing" or "resolved", not {json.dumps(value)}')


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadSignals(f"{where}`{key}` must be a non-empty string")
    return value


def _capped(value: str, key: str, where: str) -> str:
    limit = LIMITS[key]
    if len(value) > limit:
        raise BadSignals(f"{where}`{key}` is longer than {limit} characters")
    return value


def _labels(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    scalars = (str, int, float, bool)
    if not isinstance(value, dict) or not all(isinstance(v, scalars) for v in value.values()):
        raise BadSignals(f"{where}`labels` must be an object of strings")
    return {str(key): v if isinstance(v, str) else json.dumps(v) for key, v in value.items()}


def load(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadSignals(f"the body is not JSON: {error}") from None


def alertmanager(data: Any) -> list[Signal]:
    """Alertmanager's version 4 body; Grafana's webhook (its ``version`` is "1") carries alerts
    of the same shape, so the version is not held against a sender."""
    if not isinstance(data, dict):
        raise BadSignals("expected Alertmanager's webhook object with `alerts`")
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        raise BadSignals("`alerts` must be a list")
    if len(alerts) > MAX_SIGNALS:
        raise BadSignals(f"at most {MAX_SIGNALS} alerts in one body")
    common = _labels(data.get("commonLabels"), "")
    return [_alert(alert, common, f"alerts[{index}]: ") for index, alert in enumerate(alerts)]


def _alert(alert: Any, common: dict[str, str], where: str) -> Signal:
    if not isinstance(alert, dict):
        raise BadSignals(f"{where}each alert must be an object")
    labels = {**common, **_labels(alert.get("labels"), where)}
    annotations = _labels(alert.get("annotations"), where.replace("labels", "annotations"))
    fingerprint = alert.get("fingerprint")
    if fingerprint is not None and not isinstance(fingerprint, str):
        raise BadSignals(f"{where}`fingerprint` must be a string")
    if fingerprint:
        _capped(fingerprint, "fingerprint", where)
    else:
        if not labels:
            raise BadSignals(f"{where}an alert needs `labels` or a `fingerprint`")
        canonical = json.dumps(sorted(labels.items()))
        fingerprint = hashlib.sha256(canonical.encode()).hexdigest()[:16]
    summary = (
        annotations.get("summary")
        or annotations.get("description")
        or labels.get("alertname")
        or "alert"
    )
    url = alert.get("generatorURL")
    return Signal(
        source=ALERTMANAGER,
        identity=f"{ALERTMANAGER}:{fingerprint}",
        status=_status(alert.get("status"), where),
        service=_capped(labels.get("service") or UNKNOWN_SERVICE, "service", where),
        summary=summary,
        labels=labels,
        severity=_capped(labels["severity"], "severity", where) if "severity" in labels else None,
        url=url if isinstance(url, str) and url else None,
    )


def beacon(data: Any) -> list[Signal]:
    """One signal object, or a list of them."""
    items = data if isinstance(data, list) else [data]
    if len(items) > MAX_SIGNALS:
        raise BadSignals(f"at most {MAX_SIGNALS} signals in one body")
    if not items:
        raise BadSignals("no signals in the body")
    return [
        _beacon(item, f"[{i}]: " if isinstance(data, list) else "") for i, item in enumerate(items)
    ]


def _beacon(item: Any, where: str) -> Signal:
    if not isinstance(item, dict):
        raise BadSignals(f'{where}expected {{"source", "id", "status", "service", "summary", ...}}')
    source = _text(item, "source", where)
    ident = item.get("id")
    if isinstance(ident, int) and not isinstance(ident, bool):
        ident = str(ident)
    if not isinstance(ident, str) or not ident:
        raise BadSignals(f"{where}`id` must be a non-empty string")
    service = _text(item, "service", where)
    summary = _text(item, "summary", where)
    assert source and service and summary
    severity = _text(item, "severity", where, required=False)
    for key, value in (("source", source), ("id", ident), ("service", service)):
        _capped(value, key, where)
    return Signal(
        source=source,
        identity=f"{source}:{ident}",
        status=_status(item.get("status"), where),
        service=service,
        summary=summary,
        labels=_labels(item.get("labels"), where),
        severity=_capped(severity, "severity", where) if severity else None,
        url=_text(item, "url", where, required=False),
    )
