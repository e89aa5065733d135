"""The drill file format: a scripted incident with timed steps and response targets.

```yaml
name: Payments outage hitting Tier 1 accounts
steps:
  - at: 0s                      # offset on the drill clock from the start
    as: oncall:payments         # who acts (see below)
    in: "#general"              # where a command is typed: #name, incident, dm (default #general)
    command: declare SEV2 Card payments failing services: payments accounts: acme
  - at: 3m
    as: manager:payments
    click: Acknowledge          # a button, by its text or action id, in what that person sees
  - at: 20m
    as: ic
    submit: {title: ...}        # fields of the modal open on that person's screen, by block id
  - at: 25m                     # monitoring, not a person: no `as:`
    signal: {service: checkout, summary: Checkout error rate 12%, id: checkout-errors}
targets:                        # missed target = `beacon drill` exits 1
  ack_within: 5m                # first acknowledgement that stops escalation
  first_update_within: 15m      # first `/incident update` drafted
  first_customer_update_within: 20m   # first customer update approved and sent
  max_escalations: 0
  declared_within: 5m           # from the first signal (signal: step, report) to the declaration
```

People (``as:``): a user id, an email, ``ic`` (the incident's commander), or a role resolved
through the configuration at the drill's start: ``oncall:<team>``, ``secondary:<team>``,
``manager:<team>``, ``liaison:<account>``, ``exec_sponsor:<account>``, ``exec``, ``approver``,
``commander`` (the on-call of ``workspace.commanders``).
A ``signal:`` step is what monitoring sends: Beacon's own JSON (SPEC 5.8) POSTed to
``/signals`` with the bearer token. ``service`` and ``summary`` are required; ``id`` defaults
to the service (so the same step again is the same alert firing again), ``status`` to
``firing``, ``source`` to ``drill``; ``severity``, ``labels`` and ``url`` are passed on.
Pure: the runner turns this into requests; this module only reads and checks the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from app.catalog.durations import parse_duration

TARGETS = {
    "ack_within": "time to acknowledge",
    "first_update_within": "time to first update",
    "first_customer_update_within": "time to first customer update",
    "max_escalations": "escalations",
    "declared_within": "time from first signal to declaration",
}
_STEP_KEYS = {"at", "as", "in", "command", "click", "submit", "signal", "note"}
_ACTIONS = ("command", "click", "submit", "signal")
_SIGNAL_KEYS = {"source", "id", "status", "service", "severity", "summary", "labels", "url"}
MONITORING = "monitoring"
"""Who a ``signal:`` step is acted by in the transcript: no person sends an alert."""


class DrillError(Exception):
    """A drill file that cannot be run; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Step:
    at: timedelta
    actor: str
    action: str
    """``command``, ``click``, ``submit`` or ``signal``."""
    argument: Any
    where: str = "#general"
    note: str = ""


@dataclass(frozen=True)
class Drill:
    name: str
    steps: tuple[Step, ...]
    targets: dict[str, timedelta | int] = field(default_factory=dict)
    run_until: timedelta | None = None
    """Keep the clock running past the last step, so late reminders and escalations show."""
    description: str = ""

    @property
    def length(self) -> timedelta:
        last = max((s.at for s in self.steps), default=timedelta())
        return max(last, self.run_until or timedelta())


def load_drill(path: Path) -> Drill:
    try:
        raw = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DrillError(f"{path}: {error}") from None
    except Exception as error:  # ruamel's parser errors share no public base class
        raise DrillError(f"{path}: not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise DrillError(f"{path}: expected a mapping with name, steps and targets")
    return parse_drill(raw, source=str(path))


def parse_drill(raw: dict[str, Any], *, source: str = "drill") -> Drill:
    unknown = set(raw) - {"name", "description", "steps", "targets", "run_until"}
    if unknown:
        raise DrillError(f"{source}: unknown keys {sorted(unknown)}")
    steps_raw = raw.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise DrillError(f"{source}: `steps:` must list at least one step")
    steps = tuple(_step(entry, f"{source}: step {n}") for n, entry in enumerate(steps_raw, 1))
    if list(steps) != sorted(steps, key=lambda s: s.at):
        raise DrillError(f"{source}: steps must be in the order of their `at:`")
    return Drill(
        name=str(raw.get("name") or source),
        description=str(raw.get("description") or ""),
        steps=steps,
        targets=_targets(raw.get("targets") or {}, source),
        run_until=_duration(raw["run_until"], f"{source}: run_until")
        if "run_until" in raw
        else None,
    )


def _step(entry: Any, where: str) -> Step:
    if not isinstance(entry, dict):
        raise DrillError(f"{where}: expected a mapping")
    unknown = set(entry) - _STEP_KEYS
    if unknown:
        raise DrillError(f"{where}: unknown keys {sorted(unknown)}")
    actions = [key for key in _ACTIONS if key in entry]
    if len(actions) != 1:
        raise DrillError(f"{where}: needs exactly one of command:, click:, submit:, signal:")
    action = actions[0]
    argument = entry[action]
    if action == "signal":
        argument = _signal(argument, where)
    elif "as" not in entry:
        raise DrillError(f"{where}: needs `as:` (who acts)")
    if action == "submit" and not isinstance(argument, dict):
        raise DrillError(f"{where}: `submit:` takes a mapping of field: value")
    if action in ("command", "click") and not isinstance(argument, str):
        raise DrillError(f"{where}: `{action}:` takes text")
    return Step(
        at=_duration(entry.get("at", "0s"), f"{where}: at"),
        actor=str(entry.get("as") or MONITORING),
        action=action,
        argument=argument,
        where=str(entry.get("in") or "#general"),
        note=str(entry.get("note") or ""),
    )


def _signal(raw: Any, where: str) -> dict[str, Any]:
    """The body of ``POST /signals``, checked here so a typo fails before the drill starts."""
    if not isinstance(raw, dict):
        raise DrillError(f"{where}: `signal:` takes a mapping (service, summary, status, …)")
    unknown = set(raw) - _SIGNAL_KEYS
    if unknown:
        raise DrillError(
            f"{where}: unknown signal keys {sorted(unknown)}; known: {sorted(_SIGNAL_KEYS)}"
        )
    missing = [key for key in ("service", "summary") if not raw.get(key)]
    if missing:
        raise DrillError(f"{where}: `signal:` needs {' and '.join(missing)}")
    status = str(raw.get("status") or "firing")
    if status not in ("firing", "resolved"):
        raise DrillError(f"{where}: signal status is firing or resolved, not {status!r}")
    labels = raw.get("labels") or {}
    if not isinstance(labels, dict):
        raise DrillError(f"{where}: signal labels take a mapping of label: value")
    body: dict[str, Any] = {
        "source": str(raw.get("source") or "drill"),
        "id": str(raw.get("id") or raw["service"]),
        "status": status,
        "service": str(raw["service"]),
        "summary": str(raw["summary"]),
    }
    if labels:
        body["labels"] = {str(k): str(v) for k, v in labels.items()}
    for key in ("severity", "url"):
        if raw.get(key):
            body[key] = str(raw[key])
    return body


def _targets(raw: Any, source: str) -> dict[str, timedelta | int]:
    if not isinstance(raw, dict):
        raise DrillError(f"{source}: `targets:` must be a mapping")
    targets: dict[str, timedelta | int] = {}
    for key, value in raw.items():
        if key not in TARGETS:
            raise DrillError(f"{source}: unknown target {key!r}; known: {sorted(TARGETS)}")
        if key == "max_escalations":
            if not isinstance(value, int) or value < 0:
                raise DrillError(f"{source}: max_escalations must be a whole number")
            targets[key] = value
        else:
            targets[key] = _duration(value, f"{source}: targets.{key}")
    return targets


def _duration(value: Any, where: str) -> timedelta:
    if str(value).strip() in ("0", "0s"):  # a step at the very start
        return timedelta()
    try:
        return parse_duration(str(value))
    except ValueError as error:
        raise DrillError(f"{where}: {error}") from None
