"""Publishing end to end: Beacon over HTTP with the fake Slack, a real SMTP server (aiosmtpd)
receiving the mail, and the fixture configuration plus a status page, email and contacts."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from tests.e2e.conftest import FIXTURE_CONFIG
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon

SECRET = "status-secret-1"
STATUS_PAGE = """
status_page:
  title: Example Cloud status
  public: true
  components: [checkout, payments, auth]
  history: 30d
  secret_env: BEACON_STATUS_SECRET
  allow_origins: ["https://app.example.com"]
email:
  smtp_url_env: BEACON_SMTP_URL
  from: "Example status <status@example.com>"
"""


class Inbox:
    """aiosmtpd handler: every message the server accepted, per recipient."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.busy = False
        """While set, every message is answered 451 (try again later), as a busy server does."""
        self.refused = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.busy:
            self.refused += 1
            return "451 4.3.0 Try again later"
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpts, message in self.messages if address in rcpts]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The fixture company with a status page, email for Tier 1, and contacts on Acme."""
    target = tmp_path / "config"
    shutil.copytree(FIXTURE_CONFIG, target)
    policy_file = target / "policy.yaml"
    text = policy_file.read_text().replace("thread: true}", "thread: true, email: true}", 1)
    policy_file.write_text(text + STATUS_PAGE)
    accounts = target / "accounts.yaml"
    accounts.write_text(
        accounts.read_text().replace(
            '    channel: "#acct-acme"\n',
            '    channel: "#acct-acme"\n    contacts: [ops@acme.example, CTO@acme.example]\n',
        )
    )
    return target


@pytest.fixture
def published(
    database_url: str,
    slack: FakeSlack,
    config_dir: Path,
    inbox: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[RunningBeacon]:
    monkeypatch.setenv("BEACON_STATUS_SECRET", SECRET)
    monkeypatch.setenv("BEACON_SMTP_URL", f"smtp://127.0.0.1:{inbox[1]}")
    with RunningBeacon(
        database_url=database_url,
        slack=slack,
        config_dir=config_dir,
        beacon_public_url="https://status.example.com",
    ) as app:
        yield app
