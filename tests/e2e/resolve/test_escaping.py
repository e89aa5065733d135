"""Typed text is the person's words everywhere: never a live broadcast, never double-escaped.

A title typed as ``@channel Sign-in & export <b>slow</b>`` reaches Beacon as Slack escapes it
(``<!channel> Sign-in &amp; export &lt;b&gt;slow&lt;/b&gt;``); it must notify nobody in the
channel, brief, announcement, page DMs, account threads or webhooks, read as typed, and name a
clean channel.
"""

from __future__ import annotations

import json
from typing import Any

from tests.e2e.resolve.support import approve, threads
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhook import FakeWebhookReceiver
from tests.support.harness import RunningBeacon, eventually, pinned_channel

TYPED = "@channel Sign-in & export <b>slow</b>"
ESCAPED = "@channel Sign-in &amp; export &lt;b&gt;slow&lt;/b&gt;"
CHANNEL = "inc-1-channel-sign-in-export-b-slow-b"
BROADCASTS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam")


def _everything(slack: FakeSlack) -> str:
    """Every message, thread reply, ephemeral and response Beacon produced, as Slack got it."""
    parts: list[Any] = []
    for channel in slack.channels.values():
        for message in slack.messages(channel.id):
            parts += [message.text, message.blocks]
            parts += [(reply.text, reply.blocks) for reply in slack.thread(channel.id, message.ts)]
    parts += [(e.text, e.blocks) for e in slack.ephemerals]
    parts += slack.responses
    return json.dumps(parts, ensure_ascii=False)


def test_a_typed_broadcast_and_markup_stay_words(
    beacon: RunningBeacon, slack: FakeSlack, receiver: FakeWebhookReceiver
) -> None:
    beacon.command(f"declare P3 {TYPED} services: auth", user="U0IC")
    channel = pinned_channel(slack, CHANNEL)
    announced = eventually(lambda: [m for m in slack.messages("incidents") if "INC-1" in m.text])
    assert ESCAPED in announced[0].text and ESCAPED in json.dumps(announced[0].blocks)
    eventually(lambda: [dm for dm in slack.ims.values() if slack.messages(dm.id)])

    approve(beacon, slack, channel, "Initial customer notice")
    eventually(lambda: receiver.received and threads(slack))
    beacon.command(
        "update @here <i>still</i> slow & failing cause: a bad <script> tag",
        user="U0IC",
        channel=channel.id,
    )
    eventually(lambda: "&lt;script&gt;" in _everything(slack))

    seen = _everything(slack)
    assert not [b for b in BROADCASTS if b in seen], seen
    assert "&amp;amp;" not in seen and "&amp;lt;" not in seen and "&amp;gt;" not in seen
    assert "<b>" not in seen.replace(TYPED, "") and "<script>" not in seen
    for word in ("amp", "lt", "gt"):
        assert word not in channel.name.split("-")

    (delivery, *_) = receiver.received
    payload = delivery.json
    assert (
        payload["title"] == "Service disruption: Sign-in, Checkout and Payments"
    )  # never internal
    assert "&amp;" not in json.dumps(payload) and "<!" not in json.dumps(payload)
