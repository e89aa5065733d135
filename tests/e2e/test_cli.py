"""The `beacon` command as an operator runs it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import httpx

from tests.e2e.conftest import FIXTURE_CONFIG
from tests.fakes.slack_api import FakeSlack

ROOT = Path(__file__).resolve().parents[2]


def beacon(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_config_summarises_the_example() -> None:
    result = beacon("check-config", "config")
    assert result.returncode == 0, result.stderr
    assert "services:   8" in result.stdout and "Tier 1: 6" in result.stdout


def test_check_config_reports_file_and_line(tmp_path: Path) -> None:
    for source in FIXTURE_CONFIG.iterdir():
        (tmp_path / source.name).write_text(
            source.read_text().replace("team: storefront", "team: shop")
        )
    result = beacon("check-config", str(tmp_path))
    assert result.returncode == 1
    assert "services.yaml:37: unknown team `shop`" in result.stdout
    assert "services.yaml:38: unknown team `shop`" in result.stdout


def test_check_config_warns_about_emails_slack_does_not_know() -> None:
    with FakeSlack(users={}) as slack:
        result = beacon(
            "check-config",
            str(FIXTURE_CONFIG),
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_API_URL=slack.url,
        )
    assert result.returncode == 0, result.stderr
    assert "warning: dana@example.com (manager of Payments) is not a Slack user" in result.stdout


def test_serve_with_a_token_but_no_signing_secret_explains_and_exits_2() -> None:
    result = beacon("serve", SLACK_BOT_TOKEN="xoxb-test")
    assert result.returncode == 2
    assert "SLACK_SIGNING_SECRET is not set" in result.stderr
    assert "Creating the Slack app" in result.stderr
    assert "Traceback" not in result.stderr


def test_worker_without_a_token_points_at_the_sandbox() -> None:
    result = beacon("worker")
    assert result.returncode == 2
    assert "SLACK_BOT_TOKEN is not set" in result.stderr
    assert "embedded Slack sandbox" in result.stderr


def test_db_upgrade(tmp_path: Path) -> None:
    result = beacon("db", "upgrade", DATABASE_URL=f"sqlite:///{tmp_path}/b.db")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "b.db").exists()


class Served(NamedTuple):
    port: int
    pid: int


@contextlib.contextmanager
def serving(slack: FakeSlack, tmp_path: Path, **env: str) -> Iterator[Served]:
    """`beacon serve` as a process on a free port, healthy."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "app", "serve"],
        cwd=ROOT,
        env={
            **clean,
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": slack.url,
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "DATABASE_URL": f"sqlite:///{tmp_path}/serve.db",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert response.json() == {"ok": True, "database": "ok"}
        yield Served(port, server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_serve_with_tokens_serves_and_migrates_sqlite(tmp_path: Path) -> None:
    with FakeSlack() as slack, serving(slack, tmp_path, SLACK_SIGNING_SECRET="secret"):
        assert (tmp_path / "serve.db").exists()


def test_socket_mode_connects_through_slack_api_url_and_acks(tmp_path: Path) -> None:
    with FakeSlack() as slack, serving(slack, tmp_path, SLACK_APP_TOKEN="xapp-test"):
        deadline = time.monotonic() + 15
        while not slack.socket_connections and time.monotonic() < deadline:
            time.sleep(0.1)
        envelope = {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "command": "/incident",
                "text": "help",
                "user_id": "U0RESP1",
                "channel_id": "C0GENERAL",
                "team_id": "T0BEACON",
                "api_app_id": "A0BEACON",
                "response_url": slack.response_url("socket"),
                "trigger_id": "1.2.socket",
            },
        }
        assert slack.socket_send(envelope) == 1
        while not slack.socket_received and time.monotonic() < deadline:
            time.sleep(0.1)
    (ack,) = slack.socket_received
    assert ack["envelope_id"] == "env-1"
    assert "/incident declare" in ack["payload"]["text"]


def test_check_config_rejects_a_broken_template(tmp_path: Path) -> None:
    for source in FIXTURE_CONFIG.iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "customer.j2").write_text("We are on it.\n{{ update.summary }\n")
    result = beacon("check-config", str(tmp_path))
    assert result.returncode == 1
    assert "templates/customer.j2:2: " in result.stdout
