"""Arbitrary text after every `/incident` verb, through signed HTTP: the person who typed it gets
a private answer (in the ack, as a private reply, or the verb's form), never a 500, silence or
"internal error" (SPEC 6, issue 11)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.domain.commands import USAGE
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually, pinned_channel

CHANNEL = "inc-1-checkout-failing"
WORDS = st.sampled_from(
    [
        "P1", "P2", "SEV1", "private", "drill", "services:", "accounts:", "checkout", "acme",
        "status:", "identified", "eta:", "45m", "999999999d999999999h", "fix:", "residual_risk:", "customer_steps:",
        "commander", "comms", "team:storefront", "service:auth", "<@U0RESP1|resp>",
        "<@U0NOBODY>", "<#C0GENERAL|general>", "<!channel>", "&amp;", "&lt;b&gt;", "payload",
        "customer", "30d", "INC-1", "\x00", "é", "🔥",
    ]
)  # fmt: skip
TEXT = st.lists(st.one_of(WORDS, st.text(max_size=40)), max_size=8).map(" ".join)


@pytest.fixture
def incident(beacon: RunningBeacon, slack: FakeSlack) -> Iterator[str]:
    """The channel id of one open incident, where the commands are typed. An id, not the fake's
    channel: Hypothesis prints every argument of an example, and the fake's thread may be adding
    messages to that channel meanwhile ("dictionary changed size during iteration")."""
    beacon.command("declare P2 Checkout failing services: checkout", user="U0RESP1")
    yield pinned_channel(slack, CHANNEL).id


def _answer(
    beacon: RunningBeacon, slack: FakeSlack, response: Any, channel: str, posted: int
) -> list[dict[str, Any]]:
    """What the person who typed the command saw: the ack's text, the private replies on its
    response_url, the form it opened, or (an escalation typed in the incident channel) the
    channel's notice, which is its one answer."""
    if response.content:
        return [response.json()]
    token, trigger = beacon.last_response_token, beacon.last_trigger

    def seen() -> list[dict[str, Any]]:
        forms = [
            {"response_type": "ephemeral", "text": "(form)"}
            for call in slack.calls_to("views.open")
            if call.args.get("trigger_id") == trigger
        ]
        notices = [
            {"text": m.text, "in_channel": True}
            for m in slack.messages(channel)[posted:]
            if "Escalation level" in m.text
        ]
        return forms + slack.responses_to(token) + notices

    return list(eventually(seen))


def every_verb(test: Callable[..., None]) -> Callable[..., None]:
    """One explicit example per verb, so none is left to chance."""
    for verb in sorted(USAGE):
        text = "payload <@U0NOBODY|x> &lt;é&gt; 🔥 acme:"
        test = example(prefix="", verb=verb, text=text, user="U0NOBODY")(test)
    return test


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    prefix=st.sampled_from(["", "INC-1 ", "INC-99 ", "INC-99999999999 "]),
    verb=st.sampled_from(sorted(USAGE)),
    text=TEXT,
    user=st.sampled_from(["U0RESP1", "U0NOBODY"]),
)
@example(prefix="", verb="declare", text="P2 payload services:", user="U0RESP1")
@example(prefix="INC-1 ", verb="update", text="status: \x00", user="U0NOBODY")
@example(prefix="", verb="page", text="<@U" + "A" * 100 + ">", user="U0RESP1")
@example(prefix="", verb="accounts", text="x" * 3000, user="U0NOBODY")
@every_verb
def test_any_text_after_any_verb_gets_a_private_answer(
    beacon: RunningBeacon,
    slack: FakeSlack,
    incident: str,
    prefix: str,
    verb: str,
    text: str,
    user: str,
) -> None:
    posted = len(slack.messages(incident))
    response = beacon.command(f"{prefix}{verb} {text}", user=user, channel=incident)
    assert response.status_code == 200, response.text
    for answer in _answer(beacon, slack, response, incident, posted):
        if answer.get("in_channel"):
            assert verb == "escalate", answer
            continue
        assert answer.get("response_type", "ephemeral") == "ephemeral", answer
        assert answer.get("text"), answer
        assert "internal error" not in answer["text"], answer
