"""SPEC 5.9 end to end: one approved notice reaches the account thread, the public status page,
its JSON and Atom feed, the account's private page and banner feed, and the contacts' inboxes,
with the same words; nothing else does."""

from __future__ import annotations

import feedparser
from sqlalchemy import select

from app.publishing.tokens import account_token
from app.store.models import StatusUpdate
from tests.e2e.publishing.conftest import SECRET, Inbox
from tests.e2e.publishing.support import INTERNAL, WORDS, approve, declare, post_update
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

TITLE = "Token signer broke logins"
CHANNEL = "inc-1-token-signer-broke-logins"


def _account_path(account: str, secret: str = SECRET) -> str:
    return f"/status/a/{account_token(secret, account)}"


def _thread_replies(slack: FakeSlack) -> str:
    parents = [m for m in slack.messages("acct-acme") if "Affects *Acme Corp*" in str(m.blocks)]
    return " ".join(
        str(reply.text) + str(reply.blocks)
        for parent in parents
        for reply in slack.thread(parent.channel, parent.ts)
    )


def test_one_approved_notice_reaches_every_surface_with_the_same_words(
    published: RunningBeacon, slack: FakeSlack, inbox: tuple[Inbox, int]
) -> None:
    mail, _port = inbox
    channel = declare(published, slack, f"declare P3 {TITLE} services: auth", CHANNEL)
    text = approve(published, channel, post_update(published, slack, channel))
    assert WORDS in text

    eventually(lambda: WORDS in _thread_replies(slack))

    http = published.http
    status = eventually(lambda: (body := http.get("/status.json").json())["incidents"] and body)
    (incident,) = status["incidents"]
    assert incident["notices"][0]["text"] == text
    assert incident["title"] == "Service disruption: Sign-in, Checkout and Payments"
    assert incident["components"] == ["Sign-in", "Checkout", "Payments"]
    states = {c["name"]: c["status"] for c in status["components"]}
    # P3 raised to P2 by Acme's tier: the second level is a partial outage, on the whole closure
    assert states == {
        "Checkout": "partial_outage",
        "Payments": "partial_outage",
        "Sign-in": "partial_outage",
    }

    page = http.get("/status")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert WORDS in page.text and "<script" not in page.text

    feed = feedparser.parse(http.get("/status/feed.atom").content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert [entry.summary for entry in feed.entries] == [text]

    account = http.get(f"{_account_path('acme')}.json").json()
    assert account["banner"]["text"] == text
    assert account["banner"]["status"] == "identified"
    assert account["banner"]["url"] == "https://status.example.com" + _account_path("acme")
    assert [i["notices"][0]["text"] for i in account["incidents"]] == [text]
    assert WORDS in http.get(_account_path("acme")).text

    messages = eventually(lambda: mail.to("ops@acme.example"))
    (message,) = messages
    assert message["Subject"] == incident["title"]
    body = message.get_body(("plain",))
    assert body is not None
    plain = body.get_content().replace("\r\n", "\n")  # SMTP lines end in CRLF
    assert text in plain
    assert "https://status.example.com" + _account_path("acme") in plain
    html = message.get_body(("html",))
    assert html is not None and WORDS in html.get_content()
    assert eventually(lambda: mail.to("cto@acme.example"))
    # Globex (Tier 2, no email) gets nothing; nothing was sent twice
    assert len(mail.messages) == 2

    for surface in ("/status", "/status.json", "/status/feed.atom", _account_path("acme")):
        shown = http.get(surface).text
        assert INTERNAL not in shown and TITLE not in shown, surface
        assert '"auth"' not in shown and ">auth<" not in shown, surface


def test_a_second_click_sends_no_second_email(
    published: RunningBeacon, slack: FakeSlack, inbox: tuple[Inbox, int]
) -> None:
    mail, _port = inbox
    channel = declare(published, slack, f"declare P3 {TITLE} services: auth", CHANNEL)
    draft = post_update(published, slack, channel)
    approve(published, channel, draft)
    approve(published, channel, draft)
    eventually(lambda: len(mail.messages) == 2)
    published.beacon.dispatcher.wake()
    eventually(lambda: WORDS in _thread_replies(slack))
    assert sorted(r for rcpts, _ in mail.messages for r in rcpts) == [
        "cto@acme.example",
        "ops@acme.example",
    ]


RESOLVE = (
    "resolve fix: rolled back the signing key rotation residual_risk: keys rotate again"
    " next week customer_steps: sign in again if you were signed out"
)


def _resolution_draft(published: RunningBeacon) -> str | None:
    with published.beacon.uow.read() as session:
        draft = session.scalar(select(StatusUpdate).where(StatusUpdate.kind == "resolution"))
        return str(draft.id) if draft else None


def test_the_approved_resolution_notice_closes_the_incident_everywhere(
    published: RunningBeacon, slack: FakeSlack, inbox: tuple[Inbox, int]
) -> None:
    mail, _port = inbox
    channel = declare(published, slack, f"declare P3 {TITLE} services: auth", CHANNEL)
    approve(published, channel, post_update(published, slack, channel))
    published.command(RESOLVE, user="U0IC", channel=channel.id)
    http = published.http
    # resolved internally, but customers were not told yet: still open on every surface
    eventually(lambda: slack.channel(CHANNEL).topic.startswith("P2 · Resolved"))
    assert http.get("/status.json").json()["incidents"][0]["status"] == "identified"

    text = approve(published, channel, eventually(lambda: _resolution_draft(published)))
    status = eventually(lambda: (body := http.get("/status.json").json())["resolved"] and body)
    assert status["incidents"] == [] and status["status"] == "operational"
    (resolved,) = status["resolved"]
    assert resolved["status"] == "resolved" and resolved["notices"][0]["text"] == text
    account = http.get(f"{_account_path('acme')}.json").json()
    assert account["banner"] is None
    assert [i["status"] for i in account["incidents"]] == ["resolved"]
    subjects = eventually(
        lambda: (
            [m["Subject"] for m in mail.to("ops@acme.example")]
            if len(mail.to("ops@acme.example")) == 2
            else None
        )
    )
    assert subjects[1].startswith("Resolved: ")


def test_a_resolution_email_waits_for_the_undelivered_disruption_email(
    published: RunningBeacon, slack: FakeSlack, inbox: tuple[Inbox, int]
) -> None:
    mail, _port = inbox
    mail.busy = True
    channel = declare(published, slack, f"declare P3 {TITLE} services: auth", CHANNEL)
    approve(published, channel, post_update(published, slack, channel))
    eventually(lambda: mail.refused >= 1)  # the disruption email is waiting for a retry
    published.command(RESOLVE, user="U0IC", channel=channel.id)

    approve(published, channel, eventually(lambda: _resolution_draft(published)))
    mail.busy = False
    subjects = eventually(
        lambda: (
            [m["Subject"] for m in mail.to("ops@acme.example")]
            if len(mail.to("ops@acme.example")) == 2
            else None
        ),
        timeout=30,
    )
    assert not subjects[0].startswith("Resolved: ") and subjects[1].startswith("Resolved: ")
