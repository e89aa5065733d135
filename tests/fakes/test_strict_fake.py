"""The fake refuses what Slack refuses: scopes, membership, invitations, people, trigger ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from app.sandbox.scopes import manifest_scopes
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(channels=("incidents",)) as server:
        server.add_user("ana@example.com", "U0ANA")
        server.add_user("gus@example.com", "U0GUEST", is_restricted=True)
        server.add_user("sol@example.com", "U0SOLO", is_ultra_restricted=True)
        server.add_user("old@example.com", "U0GONE", deleted=True)
        server.add_user("bot@example.com", "U0ROBOT", is_bot=True)
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token="xoxb-test")


def error_of(call: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as info:
        call()
    return dict(info.value.response.data)


def test_the_token_holds_the_manifest_scopes_and_says_so(client: WebClient) -> None:
    response = client.auth_test()
    granted = set(response.headers["x-oauth-scopes"].split(","))
    assert granted == set(manifest_scopes()) and "im:history" in granted


def test_a_method_outside_the_granted_scopes_is_missing_scope(
    fake: FakeSlack, client: WebClient
) -> None:
    body = error_of(lambda: client.reactions_add(channel="incidents", name="eyes", timestamp="1"))
    assert body["error"] == "missing_scope" and body["needed"] == "reactions:write"
    assert "chat:write" in body["provided"].split(",")


def test_history_needs_the_scope_of_the_channels_kind(fake: FakeSlack, client: WebClient) -> None:
    dm = client.conversations_open(users="U0ANA")["channel"]["id"]
    client.chat_postMessage(channel=dm, text="page")
    assert client.conversations_history(channel=dm)["messages"]
    fake.scopes.discard("im:history")
    body = error_of(lambda: client.conversations_history(channel=dm))
    assert (body["error"], body["needed"]) == ("missing_scope", "im:history")
    private = fake.add_channel("secret", is_private=True, bot_member=True)
    fake.scopes.discard("groups:history")
    assert error_of(lambda: client.conversations_history(channel=private.id))["needed"] == (
        "groups:history"
    )


def test_a_public_channel_is_read_and_posted_in_only_after_joining(
    fake: FakeSlack, client: WebClient
) -> None:
    channel = fake.channel_by_name("incidents")
    assert channel is not None
    assert error_of(lambda: client.chat_postMessage(channel=channel.id, text="x"))["error"] == (
        "not_in_channel"
    )
    assert error_of(lambda: client.conversations_history(channel=channel.id))["error"] == (
        "not_in_channel"
    )
    client.conversations_join(channel=channel.id)
    client.chat_postMessage(channel=channel.id, text="x")
    assert client.conversations_history(channel=channel.id)["messages"][0]["text"] == "x"


def test_a_private_channel_is_invisible_and_unjoinable_until_beacon_is_invited(
    fake: FakeSlack, client: WebClient
) -> None:
    secret = fake.add_channel("secret", is_private=True)
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert "secret" not in {c["name"] for c in listed}
    for call in (
        lambda: client.conversations_history(channel=secret.id),
        lambda: client.conversations_join(channel=secret.id),
        lambda: client.chat_postMessage(channel=secret.id, text="x"),
    ):
        assert error_of(call)["error"] == "channel_not_found"
    secret.members.add(BOT_USER_ID)  # someone typed /invite @Beacon
    listed = client.conversations_list(types="public_channel,private_channel")["channels"]
    assert "secret" in {c["name"] for c in listed}


def test_joining_needs_channels_join(fake: FakeSlack, client: WebClient) -> None:
    fake.scopes.discard("channels:join")
    body = error_of(lambda: client.conversations_join(channel="C0INCIDENTS"))
    assert body["needed"] == "channels:join"


def test_one_user_who_cannot_be_invited_fails_the_whole_batch_unless_forced(
    fake: FakeSlack, client: WebClient
) -> None:
    channel = client.conversations_create(name="inc-1")["channel"]["id"]
    client.conversations_invite(channel=channel, users="U0ANA")
    batch = "U0ANA,U0GUEST,U0SOLO,U0ROBOT,U0NEW"
    body = error_of(lambda: client.conversations_invite(channel=channel, users=batch))
    assert {(e["user"], e["error"]) for e in body["errors"]} == {
        ("U0ANA", "already_in_channel"),
        ("U0GUEST", "user_is_restricted"),
        ("U0SOLO", "user_is_ultra_restricted"),
        ("U0ROBOT", "user_is_bot"),
    }
    assert "U0NEW" not in fake.channels[channel].members
    forced = error_of(lambda: client.conversations_invite(channel=channel, users=batch, force=True))
    assert len(forced["errors"]) == 4
    assert "U0NEW" in fake.channels[channel].members
    assert "U0GUEST" not in fake.channels[channel].members


def test_a_deactivated_user_fails_alone_and_the_rest_are_invited(
    fake: FakeSlack, client: WebClient
) -> None:
    channel = client.conversations_create(name="inc-2")["channel"]["id"]
    body = error_of(lambda: client.conversations_invite(channel=channel, users="U0GONE,U0ANA"))
    assert body["errors"] == [{"user": "U0GONE", "ok": False, "error": "cant_invite"}]
    assert "U0ANA" in fake.channels[channel].members


def test_guests_deactivated_users_and_bots_look_as_they_do_in_slack(client: WebClient) -> None:
    assert client.users_info(user="U0GUEST")["user"]["is_restricted"] is True
    assert client.users_info(user="U0SOLO")["user"]["is_ultra_restricted"] is True
    assert client.users_info(user="U0GONE")["user"]["deleted"] is True
    assert client.users_info(user="U0ROBOT")["user"]["is_bot"] is True
    assert client.users_lookupByEmail(email="gus@example.com")["user"]["id"] == "U0GUEST"
    body = error_of(lambda: client.users_lookupByEmail(email="old@example.com"))
    assert body["error"] == "users_not_found"


def test_only_issued_trigger_ids_open_views(fake: FakeSlack, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Declare"},
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}],
    }
    made_up = error_of(lambda: client.views_open(trigger_id="1.2.abc", view=modal))
    assert made_up["error"] == "invalid_trigger_id"
    trigger = fake.issue_trigger_id()
    client.views_open(trigger_id=trigger, view=modal)
    again = error_of(lambda: client.views_open(trigger_id=trigger, view=modal))
    assert again["error"] == "exchanged_trigger_id"
