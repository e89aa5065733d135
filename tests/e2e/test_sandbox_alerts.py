"""The sandbox's **Send a test alert** (issue 14): a newcomer sees a triage card, then a pattern
declare, without configuring monitoring or a token. `beacon serve` as `make run` starts it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest

from app.catalog.loader import load_catalog
from app.sandbox.seed import VISITOR
from app.sandbox.test_alert import TestAlerts
from tests.support.harness import eventually
from tests.support.sandbox_server import CONFIG, sandbox_server


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with sandbox_server(tmp_path_factory.mktemp("fresh-clone")) as (running, _):
        yield running


def state(url: str, conv: str = "") -> dict[str, Any]:
    response = httpx.get(f"{url}/sandbox/state", params={"as": VISITOR, "conv": conv}, timeout=5)
    response.raise_for_status()
    return dict(response.json())


def press(url: str) -> dict[str, Any]:
    return dict(httpx.post(f"{url}/sandbox/test-alert", json={"as": VISITOR}, timeout=15).json())


def channel_id(url: str, name: str) -> str:
    found = re.search(rf'data-conv="(\w+)"[^>]*>#{re.escape(name)}\b', state(url)["conversations"])
    assert found, f"no #{name} in the sandbox"
    return found.group(1)


def test_a_test_alert_shows_a_card_and_pressed_again_a_pattern_declares(url: str) -> None:
    page = httpx.get(f"{url}/sandbox", timeout=5).text
    assert 'id="test-alert"' in page and "Send a test alert" in page and "disabled" not in page

    first = press(url)
    assert first["ok"], first
    assert (
        "see the triage card in #alerts" in first["text"] and "Press 2 more times" in first["text"]
    )
    alerts = channel_id(url, "alerts")
    card = eventually(lambda: (f := state(url, alerts)["feed"]) and "Signals on" in f and f)
    assert "Test alert from the sandbox" in card
    assert "Accounts at risk" in card and "Declare" in card and "Dismiss" in card

    assert "Press 1 more time to make it flap" in press(url)["text"]
    third = press(url)
    assert third["ok"] and "declared an incident" in third["text"], third
    declared = eventually(
        lambda: (f := state(url, alerts)["feed"]) and "declared as INC-1" in f and f
    )
    assert "×" in declared  # the card kept the count of what monitoring sent
    eventually(lambda: re.search(r">#inc-1-", state(url)["conversations"]))


def test_the_control_explains_when_the_configuration_has_no_signals() -> None:
    """Without `signals:` the control says what to add instead of failing when pressed."""
    catalog = load_catalog(CONFIG)
    bare = replace(catalog, policy=replace(catalog.policy, signals=None))
    assert TestAlerts(bare, "http://127.0.0.1:9").available == (
        "Add a `signals:` block to policy.yaml to send test alerts."
    )
