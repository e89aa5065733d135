"""Never a leak (SPEC 5.9): nothing unapproved, internal, private or from a drill reaches the
status page, its JSON or feed, an account page or banner, or an inbox."""

from __future__ import annotations

from datetime import UTC, datetime

from app.publishing.tokens import account_token
from app.store.models import Incident, StatusUpdate
from tests.e2e.publishing.conftest import SECRET, Inbox
from tests.e2e.publishing.support import INTERNAL, WORDS, approve, declare, post_update
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

ACME = f"/status/a/{account_token(SECRET, 'acme')}"
SURFACES = ("/status", "/status.json", "/status/feed.atom", ACME, ACME + ".json")


def _shown(beacon: RunningBeacon) -> str:
    return " ".join(beacon.http.get(surface).text for surface in SURFACES)


def _assert_nothing_published(beacon: RunningBeacon, *secrets: str) -> None:
    status = beacon.http.get("/status.json").json()
    assert status["incidents"] == [] and status["resolved"] == []
    assert {c["status"] for c in status["components"]} == {"operational"}
    account = beacon.http.get(ACME + ".json").json()
    assert account["banner"] is None and account["incidents"] == []
    shown = _shown(beacon)
    for secret in secrets:
        assert secret not in shown


def test_a_pending_draft_and_the_internal_brief_are_not_published(
    published: RunningBeacon, slack: FakeSlack, inbox: tuple[Inbox, int]
) -> None:
    channel = declare(
        published,
        slack,
        "declare P3 Token signer broke logins services: auth",
        "inc-1-token-signer-broke-logins",
    )
    post_update(published, slack, channel)
    eventually(lambda: INTERNAL in " ".join(str(m.blocks) for m in slack.messages(channel.id)))
    _assert_nothing_published(published, WORDS, INTERNAL, "Token signer")
    assert inbox[0].messages == []


def test_an_approved_drill_notice_is_not_published_or_emailed(
    published: RunningBeacon, slack: FakeSlack, inbox: tuple[Inbox, int]
) -> None:
    channel = declare(
        published, slack, "declare drill P3 Game day services: auth", "inc-1-drill-game-day"
    )
    text = approve(published, channel, post_update(published, slack, channel))
    # the approval went out to the drill's account threads, so the outbox ran
    eventually(
        lambda: any(
            WORDS in str(reply.blocks) + str(reply.text)
            for parent in slack.messages("acct-acme")
            for reply in slack.thread(parent.channel, parent.ts)
        )
    )
    _assert_nothing_published(published, text, WORDS)
    assert inbox[0].messages == []


def test_private_hidden_and_unapproved_incidents_stay_off_every_surface(
    published: RunningBeacon,
) -> None:
    """Stored directly: a private incident never gets an approval card in Slack to press."""
    now = datetime.now(UTC)
    kinds = {
        "private": {"private": True},
        "drill": {"drill": True},
        "hidden": {"customer_visible": False},
        "rejected": {},
    }
    with published.beacon.uow() as session:
        for number, (name, flags) in enumerate(kinds.items(), start=1):
            incident = Incident(
                number=number,
                title=f"{name} internal title",
                severity="P1",
                declared_severity="P1",
                declared_by="U0IC",
                commander="U0IC",
                declared_at=now,
                services=["auth"],
                accounts=[],
                impact={"services": ["auth"], "accounts": [["acme", 1]]},
                **flags,
            )
            session.add(incident)
            session.flush()
            session.add(
                StatusUpdate(
                    incident_id=incident.id,
                    kind="update",
                    drafted_at=now,
                    customer_text=f"{name} customer words",
                    state="rejected" if name == "rejected" else "approved",
                    decided_at=now,
                )
            )
        session.commit()
    _assert_nothing_published(published, *(f"{name} customer words" for name in kinds))
