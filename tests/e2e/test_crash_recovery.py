"""kill -9 in the middle of an approval's fan-out: after a restart the rest goes out, and no
account thread gets the update twice."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.slack.ids import DRAFT_APPROVE
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.fakes.signing import block_actions_payload, interaction_body, sign, slash_command_body
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import SIGNING_SECRET, eventually

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 24


def _config(folder: Path) -> Path:
    for source in FIXTURE_CONFIG.iterdir():
        (folder / source.name).write_text(source.read_text())
    rows = [
        f"  crash{n}:\n    name: Crash Customer {n}\n    arr: 200000\n    users: 5000\n"
        f"    dependence: high\n    uses: [checkout]\n    liaison: U0CS{n}\n"
        f'    channel: "#acct-crash{n}"\n'
        for n in range(ACCOUNTS)
    ]
    with (folder / "accounts.yaml").open("a") as accounts:
        accounts.write("".join(rows))
    return folder


class Server:
    """`beacon serve` as a real process, so it can be killed with SIGKILL."""

    def __init__(self, env: dict[str, str]) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.env = {**env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        eventually(self._healthy, timeout=30)

    def _healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).is_success
        except httpx.TransportError:
            return False

    def post(self, body: bytes) -> httpx.Response:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            **sign(body, SIGNING_SECRET),
        }
        return httpx.post(
            f"http://127.0.0.1:{self.port}/slack/events", content=body, headers=headers, timeout=10
        )

    def kill(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    channels = (
        "incidents",
        "cs-incidents",
        "acct-acme",
        *(f"acct-crash{n}" for n in range(ACCOUNTS)),
    )
    with FakeSlack(channels=channels, users={"dana@example.com": "U0DANA"}) as fake:
        yield fake


def _replies(slack: FakeSlack) -> dict[str, int]:
    counts = {}
    for n in range(ACCOUNTS):
        for message in slack.messages(f"acct-crash{n}"):
            counts[f"crash{n}"] = len(slack.thread(message.channel, message.ts))
    return counts


def test_kill_9_mid_fan_out_completes_once_after_restart(
    database_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.url,
        DATABASE_URL=database_url,
        BEACON_CONFIG_DIR=str(_config(tmp_path)),
        # a lease outlasting the paced declaration burst (threads open at declaration): the
        # dispatcher leases a batch at once and does not renew, so a shorter lease re-claims
        # items still waiting their turn
        BEACON_OUTBOX_LEASE="10",
        BEACON_TIMER_INTERVAL="0.2",
    )
    server = Server(env)
    server.start()
    try:
        server.post(
            slash_command_body(
                "declare P3 Checkout failing services: checkout",
                user_id="U0IC",
                channel_id="C0GENERAL",
                response_url=slack.response_url("d"),
                trigger_id="1.1.a",
            )
        )
        channel = eventually(lambda: slack.channel_by_name("inc-1-checkout-failing"), timeout=15)
        server.post(
            slash_command_body(
                "update Card payments fail at checkout",
                user_id="U0IC",
                channel_id=channel.id,
                response_url=slack.response_url("u"),
                trigger_id="1.1.b",
            )
        )
        draft = eventually(lambda: _approve_value(slack, channel.id), timeout=15)
        slack.latency = 0.15
        server.post(
            interaction_body(
                block_actions_payload(
                    action_id=DRAFT_APPROVE,
                    value=draft,
                    user_id="U0IC",
                    channel_id=channel.id,
                    response_url=slack.response_url("a"),
                )
            )
        )
        eventually(lambda: sum(_replies(slack).values()) >= 3, timeout=20)
        server.kill()
        assert sum(_replies(slack).values()) < ACCOUNTS
        slack.latency = 0.0
        server.start()
        eventually(
            lambda: len(_replies(slack)) == ACCOUNTS and all(_replies(slack).values()), timeout=60
        )
        time.sleep(3)
        assert _replies(slack) == {f"crash{n}": 1 for n in range(ACCOUNTS)}
    finally:
        server.stop()


def _approve_value(slack: FakeSlack, channel: str) -> str | None:
    for message in slack.messages(channel):
        for block in message.blocks or []:
            for element in block.get("elements", []):
                if element.get("action_id") == DRAFT_APPROVE:
                    return str(element["value"])
    return None


def test_kill_9_mid_page_dms_retried_within_a_lease_once(
    database_url: str, slack: FakeSlack, tmp_path: Path
) -> None:
    """With the default short lease (renewed while an effect runs), the page DMs in flight when
    the process died go out soon after a restart, each once."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=slack.url,
        DATABASE_URL=database_url,
        BEACON_CONFIG_DIR=str(_config(tmp_path)),
        BEACON_TIMER_INTERVAL="0.2",
    )
    server = Server(env)
    server.start()
    slack.latency = 0.3
    try:
        server.post(
            slash_command_body(
                "declare P1 Checkout failing services: checkout",
                user_id="U0IC",
                channel_id="C0GENERAL",
                response_url=slack.response_url("d"),
                trigger_id="1.1.a",
            )
        )
        eventually(lambda: len(_page_dms(slack)) >= 3, timeout=20)
        server.kill()
        assert sum(_page_dms(slack).values()) < ACCOUNTS
        slack.latency = 0.0
        server.start()
        liaisons = {f"U0CS{n}" for n in range(ACCOUNTS)}
        eventually(lambda: liaisons <= set(_page_dms(slack)), timeout=30)
        time.sleep(3)
        assert set(_page_dms(slack).values()) == {1}
    finally:
        server.stop()


def _page_dms(slack: FakeSlack) -> dict[str, int]:
    """Page DMs per user who got any."""
    counts = {}
    for user, channel in slack.ims.items():
        paged = [m for m in slack.messages(channel.id) if "You are paged" in m.text]
        if paged:
            counts[user] = len(paged)
    return counts
