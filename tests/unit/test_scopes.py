"""manifest.yml asks for exactly the scopes the Web API methods Beacon calls need."""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML

from app.sandbox.methods import HANDLERS
from app.sandbox.openapi import load_spec
from app.slack import scopes

ROOT = Path(__file__).resolve().parents[2]
CALL = re.compile(r"\.call\(\s*\"([A-Za-z.]+)\"")
CLIENT_METHOD = re.compile(r"client\.([a-z]+_[A-Za-z_]+)\(")


def called_methods() -> set[str]:
    """Every Web API method named in Beacon's code (the fake itself aside)."""
    spec = load_spec()
    found: set[str] = set()
    for path in (ROOT / "app").rglob("*.py"):
        if "sandbox" in path.parts:
            continue
        source = path.read_text()
        found |= set(CALL.findall(source))
        found |= {name.replace("_", ".") for name in CLIENT_METHOD.findall(source)}
    return {method for method in found if spec.get(method) is not None}


def manifest() -> dict:  # type: ignore[type-arg]
    return dict(YAML(typ="safe").load((ROOT / "manifest.yml").read_text()))


def test_the_declared_calls_are_the_calls_in_the_code() -> None:
    assert called_methods() == scopes.BEACON_CALLS


def test_the_manifest_holds_exactly_the_needed_scopes() -> None:
    data = manifest()
    events = data["settings"]["event_subscriptions"]["bot_events"]
    needed = scopes.needed(scopes.BEACON_CALLS, scopes.BEACON_KINDS, events)
    assert set(data["oauth_config"]["scopes"]["bot"]) == needed
    assert "im:history" in needed, "a retried page DM reads the DM's history"


def test_every_method_the_fake_models_has_a_scope_rule() -> None:
    modelled = {m for m in HANDLERS if m != "apps.connections.open"}
    assert {m for m in modelled if not scopes.known(m)} == set()
