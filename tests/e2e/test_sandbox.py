"""`beacon serve` with no Slack token: the embedded sandbox and its page at /sandbox."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.catalog.loader import load_catalog
from app.drills.roles import role_holder
from app.drills.stage import Stage
from app.sandbox.actor import Actor
from app.sandbox.runtime import Sandbox, contained
from app.settings import Settings
from tests.support.harness import eventually
from tests.support.sandbox_server import CONFIG, sandbox_server


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    with sandbox_server(tmp_path_factory.mktemp("fresh-clone")) as running:
        yield running


def state(url: str, user: str, conv: str = "") -> dict[str, Any]:
    response = httpx.get(f"{url}/sandbox/state", params={"as": user, "conv": conv}, timeout=5)
    response.raise_for_status()
    return dict(response.json())


def test_sandbox_mode_boots_without_a_token_and_serves_the_page(
    served: tuple[str, list[str]],
) -> None:
    url, _ = served
    page = httpx.get(f"{url}/sandbox", timeout=5)
    assert page.status_code == 200
    assert "Beacon sandbox" in page.text
    assert "Dana — manager, Payments" in page.text  # people of config/ with their roles
    assert "liaison, Acme Corp" in page.text
    assert httpx.get(f"{url}/sandbox/static/sandbox.js", timeout=5).status_code == 200
    channels = state(url, "U0SANDBOX")["conversations"]
    for name in ("#general", "#incidents", "#cs-incidents", "#acct-acme"):
        assert name in channels


def test_page_actions_are_signed_requests_through_slack_events(
    served: tuple[str, list[str]],
) -> None:
    url, _ = served
    declared = httpx.post(
        f"{url}/sandbox/command",
        json={
            "as": "U0SANDBOX",
            "channel": "C0GENERAL",
            "text": "declare SEV2 Sandbox checkout errors services: payments accounts: acme",
        },
        timeout=10,
    ).json()
    assert declared["ok"], declared
    feed = eventually(
        lambda: (f := state(url, "U0SANDBOX", "C0GENERAL")["feed"]) and "declared" in f and f
    )
    assert "Only visible to you" in feed  # the ack, shown privately as Slack does

    oncall = role_holder(load_catalog(CONFIG), "oncall:payments", datetime.now(UTC))
    dm = eventually(lambda: "beacon.page.ack" in (f := state(url, oncall, "dm")["feed"]) and f)
    page_id = re.search(r'data-action-id="beacon.page.ack" data-value="(\d+)"', dm)
    channel = re.search(r'data-channel="(D[0-9A-F]+)" data-ts="([0-9.]+)"', dm)
    assert page_id and channel
    clicked = httpx.post(
        f"{url}/sandbox/click",
        json={
            "as": oncall,
            "action_id": "beacon.page.ack",
            "value": page_id.group(1),
            "block_id": "",
            "channel": channel.group(1),
            "ts": channel.group(2),
        },
        timeout=10,
    ).json()
    assert clicked["ok"], clicked
    eventually(lambda: "Acknowledged by" in state(url, oncall, "dm")["feed"])


def test_banner_says_sandbox_mode_and_where_to_go(served: tuple[str, list[str]]) -> None:
    url, output = served
    assert f"Sandbox mode: no SLACK_BOT_TOKEN, open {url}/sandbox\n" in output


@pytest.fixture
def embedded(tmp_path: Path) -> Iterator[tuple[Sandbox, Stage]]:
    catalog = contained(load_catalog(CONFIG))
    sandbox = Sandbox(catalog, now=datetime.now(UTC))
    settings = sandbox.settings(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite:///{tmp_path / 'sandbox.db'}",
            beacon_config_dir=CONFIG,
            beacon_timer_interval=0.1,
        )
    )
    stage = Stage(settings, catalog=catalog, clock=lambda: datetime.now(UTC)).start()
    sandbox.connect(f"{stage.url}/slack/events")
    try:
        yield sandbox, stage
    finally:
        stage.stop()
        sandbox.stop()


def test_requests_signed_with_another_secret_are_refused(
    embedded: tuple[Sandbox, Stage],
) -> None:
    sandbox, stage = embedded
    forger = Actor(sandbox.slack, events_url=f"{stage.url}/slack/events", signing_secret="nope")
    answer = asyncio.run(forger.command("U0SANDBOX", "C0GENERAL", "help"))
    assert answer.status == 401
    assert asyncio.run(sandbox.command("U0SANDBOX", "C0GENERAL", "help")).status == 200


def test_response_url_replies_show_to_the_person_who_asked(
    embedded: tuple[Sandbox, Stage],
) -> None:
    sandbox, stage = embedded
    asyncio.run(
        sandbox.command("U0SANDBOX", "#general", "declare SEV3 Slow search services: search")
    )
    opened = eventually(
        lambda: next(
            (c for c in sandbox.conversations("U0SANDBOX") if c.name.startswith("inc-")), None
        )
    )
    # The channel is usable once Beacon has opened it: invited its declarer, pinned the brief.
    eventually(lambda: sandbox.slack.channel(opened.name).pins)
    channel = opened.id
    asyncio.run(sandbox.command("U0SANDBOX", channel, "status"))

    def private_replies(user: str) -> list[str]:
        return [
            s.text + str(s.blocks) for s in sandbox.seen(user, channel) if s.kind == "ephemeral"
        ]

    eventually(lambda: any("Slow search" in text for text in private_replies("U0SANDBOX")))
    assert private_replies("U0NWCTO") == []  # nobody else sees them
