"""Mail that cannot be delivered is retried when worth it and otherwise reported in the
incident channel; credentials are never sent over a connection without STARTTLS."""

from __future__ import annotations

import pytest

from app.store.models import OutboxItem
from tests.e2e.publishing.conftest import Inbox, free_port
from tests.e2e.publishing.support import approve, declare, post_update
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

CHANNEL = "inc-1-token-signer-broke-logins"


def _notices(slack: FakeSlack, channel_id: str) -> str:
    return " ".join(str(m.text) for m in slack.messages(channel_id))


def test_credentials_without_starttls_are_refused_and_reported_in_the_channel(
    published: RunningBeacon,
    slack: FakeSlack,
    inbox: tuple[Inbox, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """aiosmtpd here offers no STARTTLS: the password must not go over plain text."""
    monkeypatch.setenv("BEACON_SMTP_URL", f"smtp://beacon:s3cret@127.0.0.1:{inbox[1]}")
    channel = declare(
        published, slack, "declare P3 Token signer broke logins services: auth", CHANNEL
    )
    approve(published, channel, post_update(published, slack, channel))
    shown = eventually(
        lambda: "could not deliver `email_notice`" in (t := _notices(slack, channel.id)) and t
    )
    assert "STARTTLS" in shown and "s3cret" not in shown
    assert inbox[0].messages == []


def test_an_unreachable_server_is_retried_not_given_up(
    published: RunningBeacon, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEACON_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")
    channel = declare(
        published, slack, "declare P3 Token signer broke logins services: auth", CHANNEL
    )
    approve(published, channel, post_update(published, slack, channel))

    def retried() -> list[OutboxItem]:
        with published.beacon.uow() as session:
            items = session.query(OutboxItem).filter_by(kind="email_notice").all()
            return [i for i in items if i.attempts >= 1 and i.state == "pending" and i.last_error]

    items = eventually(lambda: len(found := retried()) == 2 and found)
    assert all("SMTPConnectError" in (i.last_error or "") for i in items)
    assert "could not deliver" not in _notices(slack, channel.id)
