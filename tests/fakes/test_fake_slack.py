"""Tests of the fake Slack Web API itself, driven through real slack_sdk clients over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs

import aiohttp
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler
from slack_sdk.http_retry.builtin_handlers import ServerErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook import WebhookClient

from app.sandbox.rate_limits import RateLimits
from tests.fakes import block_kit
from tests.fakes.openapi import load_spec
from tests.fakes.signing import (
    block_actions_payload,
    event_body,
    interaction_body,
    select_value,
    sign,
    signed_headers,
    slash_command_body,
    text_value,
    view_submission_payload,
)
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    """Rate limits off: these tests post in tight loops about other rules (test_fake_faults.py
    covers the limits)."""
    users = {"ana@example.com": "U0ANA", "bo@example.com": "U0BO"}
    with FakeSlack(users=users, rate_limits=RateLimits.off()) as server:
        yield joined(server)


def joined(fake: FakeSlack) -> FakeSlack:
    """The bot in every seeded channel, as Beacon is after joining them at start."""
    for channel in fake.channels.values():
        channel.members.add(BOT_USER_ID)
    return fake


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(base_url=fake.url, token="xoxb-test")


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def error_of(call: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        call()
    return info.value


# -- spec, auth and argument validation ---------------------------------------


def test_unknown_method_is_rejected_and_recorded(fake: FakeSlack, client: WebClient) -> None:
    err = error_of(lambda: client.api_call("chat.postMesage", json={"channel": "C1"}))
    assert err.response["error"] == "unknown_method"
    assert fake.calls[-1].method == "chat.postMesage"
    assert fake.calls[-1].error == "unknown_method"


def test_newer_methods_missing_from_spec_are_allowed(client: WebClient, fake: FakeSlack) -> None:
    channel = fake.channel_by_name("incidents")
    assert channel is not None
    fake.scopes.add("bookmarks:write")  # Beacon adds no bookmarks, so its manifest lacks it
    resp = client.bookmarks_add(
        channel_id=channel.id, title="Runbook", type="link", link="https://x"
    )
    assert resp["bookmark"]["title"] == "Runbook"
    assert [b["link"] for b in channel.bookmarks] == ["https://x"]


def test_missing_required_argument_names_it(client: WebClient) -> None:
    err = error_of(lambda: client.api_call("chat.postMessage", json={"text": "hi"}))
    assert err.response["error"] == "invalid_arguments"
    assert any("channel" in m for m in err.response["response_metadata"]["messages"])


def test_token_checks(fake: FakeSlack) -> None:
    assert error_of(WebClient(base_url=fake.url).auth_test).response["error"] == "not_authed"
    bad = WebClient(base_url=fake.url, token="nope")
    assert error_of(bad.auth_test).response["error"] == "invalid_auth"
    bot = WebClient(base_url=fake.url, token="xoxb-test")
    assert bot.auth_test()["user_id"] == "UBEACONBOT"
    url = bot.apps_connections_open(app_token="xapp-1-test")["url"]
    assert url == fake.root_url.replace("http://", "ws://") + "socket"
    wrong = error_of(lambda: bot.apps_connections_open(app_token="xoxb-test"))
    assert wrong.response["error"] == "not_allowed_token_type"
    assert (
        error_of(WebClient(base_url=fake.url, token="xapp-1").auth_test).response["error"]
        == "not_allowed_token_type"
    )


def test_form_encoded_json_strings_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    blocks = json.dumps([section("from a form")])
    client.api_call("chat.postMessage", data={"channel": "incidents", "blocks": blocks})
    (message,) = fake.messages("incidents")
    assert message.blocks == [section("from a form")]
    assert fake.calls[-1].args["blocks"] == [section("from a form")]


def test_spec_is_cached_per_process() -> None:
    assert load_spec() is load_spec()
    assert load_spec().missing_required("views.open", {}) == ["trigger_id", "view"]


# -- Block Kit and message limits -----------------------------------------------


def test_51_blocks_rejected_50_accepted(fake: FakeSlack, client: WebClient) -> None:
    err = error_of(
        lambda: client.chat_postMessage(
            channel="incidents", text="x", blocks=[section(str(i)) for i in range(51)]
        )
    )
    assert err.response["error"] == "invalid_blocks"
    assert "no more than 50 items" in err.response["response_metadata"]["messages"][0]
    assert fake.messages("incidents") == []
    client.chat_postMessage(channel="incidents", text="x", blocks=[section("b")] * 50)
    assert len(fake.messages("incidents")) == 1


def test_section_text_limit(client: WebClient) -> None:
    err = error_of(
        lambda: client.chat_postMessage(channel="incidents", text="x", blocks=[section("a" * 3001)])
    )
    assert err.response["error"] == "invalid_blocks"
    assert err.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"
    ]
    client.chat_postMessage(channel="incidents", text="x", blocks=[section("a" * 3000)])


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_text_and_content_rules(client: WebClient) -> None:
    assert (
        error_of(lambda: client.chat_postMessage(channel="incidents")).response["error"]
        == "no_text"
    )
    too_long = error_of(lambda: client.chat_postMessage(channel="incidents", text="a" * 40_001))
    assert too_long.response["error"] == "msg_too_long"
    unknown = error_of(
        lambda: client.chat_postMessage(channel="incidents", blocks=[{"type": "carousel"}])
    )
    assert unknown.response["error"] == "invalid_blocks"


@pytest.mark.parametrize(
    ("block", "pointer"),
    [
        (
            {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
            "/blocks/0/text/text",
        ),
        ({"type": "header", "text": {"type": "mrkdwn", "text": "h"}}, "/blocks/0/text/type"),
        ({"type": "section", "text": {"type": "mrkdwn", "text": ""}}, "/blocks/0/text/text"),
        (
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
            "/blocks/0/fields",
        ),
        (
            {
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": "b" * 76}}],
            },
            "/blocks/0/elements/0/text/text",
        ),
        (
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11},
            "/blocks/0/elements",
        ),
        ({"type": "divider", "block_id": "x" * 256}, "/blocks/0/block_id"),
    ],
)
def test_block_kit_limits(block: dict[str, Any], pointer: str) -> None:
    errors = block_kit.validate_message_blocks([block])
    assert errors and pointer in errors[0]


def test_view_limits() -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "t" * 25},
        "blocks": [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "L"},
                "element": {"type": "plain_text_input", "action_id": "a"},
            }
        ],
    }
    errors = block_kit.validate_view(modal)
    assert any("/view/title/text" in e for e in errors)
    assert any("submit is required" in e for e in errors)
    home = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert any("no more than 100 items" in e for e in block_kit.validate_view(home))


# -- channels -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("Incident 42", "invalid_name_specials"),
        ("inc-" + "x" * 80, "invalid_name_maxlength"),
        ("", "invalid_name_required"),
        ("incidents", "name_taken"),
    ],
)
def test_bad_channel_names(client: WebClient, name: str, error: str) -> None:
    assert error_of(lambda: client.conversations_create(name=name)).response["error"] == error


def test_create_invite_topic(fake: FakeSlack, client: WebClient) -> None:
    created = client.conversations_create(name="inc-2024-db", is_private=True)["channel"]
    assert created["id"].startswith("G") and created["is_private"]
    second = client.conversations_create(name="inc-other")["channel"]
    assert second["id"].startswith("C") and second["id"] != created["id"]
    assert (
        error_of(lambda: client.conversations_create(name="inc-other")).response["error"]
        == "name_taken"
    )

    client.conversations_invite(channel=created["id"], users=["U0ANA", "U0BO"])
    again = error_of(lambda: client.conversations_invite(channel=created["id"], users="U0ANA"))
    assert again.response["error"] == "already_in_channel"
    missing = error_of(lambda: client.conversations_invite(channel="C404", users="U0ANA"))
    assert missing.response["error"] == "channel_not_found"
    assert fake.channels[created["id"]].members == {"UBEACONBOT", "U0ANA", "U0BO"}

    client.conversations_setTopic(channel=created["id"], topic="SEV1: DB down")
    assert fake.channels[created["id"]].topic == "SEV1: DB down"
    long_topic = error_of(
        lambda: client.conversations_setTopic(channel=created["id"], topic="t" * 251)
    )
    assert long_topic.response["error"] == "too_long"
    info = client.conversations_info(channel=created["id"], include_num_members=True)
    assert info["channel"]["topic"]["value"] == "SEV1: DB down"
    assert info["channel"]["num_members"] == 3


def test_seeded_channels_have_readable_ids(fake: FakeSlack, client: WebClient) -> None:
    assert fake.channel("cs-incidents").id == "C0CSINCIDENTS"
    seeded = fake.create_channel("general")
    assert seeded.id == "C0GENERAL" and not seeded.is_member
    assert client.conversations_info(channel="C0GENERAL")["channel"]["name"] == "general"
    not_member = error_of(lambda: client.conversations_setTopic(channel="general", topic="x"))
    assert not_member.response["error"] == "not_in_channel"
    client.conversations_join(channel="general")
    client.conversations_setTopic(channel="general", topic="x")


def test_conversations_list_paginates_and_filters(client: WebClient) -> None:
    for i in range(3):
        client.conversations_create(name=f"inc-{i}")
    client.conversations_create(name="secret", is_private=True)
    names: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = client.conversations_list(limit=2, cursor=cursor)
        names += [c["name"] for c in page["channels"]]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert names == ["incidents", "cs-incidents", "inc-0", "inc-1", "inc-2"]
    assert pages == 3
    private = client.conversations_list(types="private_channel")["channels"]
    assert [c["name"] for c in private] == ["secret"]


def test_dm_open_is_stable_and_users_resolve(fake: FakeSlack, client: WebClient) -> None:
    user = client.users_lookupByEmail(email="ana@example.com")["user"]
    assert user["id"] == "U0ANA" and user["profile"]["email"] == "ana@example.com"
    lookup = error_of(lambda: client.users_lookupByEmail(email="nobody@example.com"))
    assert lookup.response["error"] == "users_not_found"
    first = client.conversations_open(users="U0ANA")["channel"]["id"]
    assert first.startswith("D")
    assert client.conversations_open(users=["U0ANA"])["channel"]["id"] == first
    posted = client.chat_postMessage(channel="U0ANA", text="you are IC")
    assert posted["channel"] == first
    assert [m.text for m in fake.ims["U0ANA"].messages] == ["you are IC"]


# -- messages, threads, pins, metadata -----------------------------------------


def test_threads_and_history(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="#incidents", text="parent")["ts"]
    reply = client.chat_postMessage(channel="incidents", text="reply", thread_ts=parent)["ts"]
    client.chat_postMessage(channel="incidents", text="later")
    assert float(reply) > float(parent)
    missing = error_of(
        lambda: client.chat_postMessage(channel="incidents", text="x", thread_ts="1.000001")
    )
    assert missing.response["error"] == "thread_not_found"

    history = client.conversations_history(channel=fake.channel("incidents").id)
    assert [m["text"] for m in history["messages"]] == ["later", "parent"]
    assert history["messages"][1]["reply_count"] == 1
    replies = client.conversations_replies(channel="incidents", ts=parent)["messages"]
    assert [m["text"] for m in replies] == ["parent", "reply"]
    assert [m.text for m in fake.thread("incidents", parent)] == ["reply"]


def test_update_ephemeral_permalink(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="incidents", text="v1")["ts"]
    client.chat_update(channel="incidents", ts=ts, text="v2", blocks=[section("v2")])
    (message,) = fake.messages("incidents")
    assert (message.text, message.edits) == ("v2", 1)
    gone = error_of(lambda: client.chat_update(channel="incidents", ts="1.2", text="x"))
    assert gone.response["error"] == "message_not_found"
    eph = client.chat_postEphemeral(channel="incidents", user="U0ANA", text="only you")
    assert fake.ephemerals[0].user == "U0ANA" and fake.ephemerals[0].ts == eph["message_ts"]
    link = client.chat_getPermalink(channel="incidents", message_ts=ts)["permalink"]
    assert link.endswith("/p" + ts.replace(".", ""))


def test_metadata_round_trip(client: WebClient, fake: FakeSlack) -> None:
    metadata = {"event_type": "incident_declared", "event_payload": {"id": "INC-1"}}
    client.chat_postMessage(channel="incidents", text="x", metadata=metadata)
    channel_id = fake.channel("incidents").id
    plain = client.conversations_history(channel=channel_id)["messages"][0]
    assert "metadata" not in plain
    full = client.conversations_history(channel=channel_id, include_all_metadata=True)
    assert full["messages"][0]["metadata"] == metadata


def test_pins_and_reactions(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="incidents", text="summary")["ts"]
    client.pins_add(channel="incidents", timestamp=ts)
    assert fake.channel("incidents").pins == {ts}
    assert (
        error_of(lambda: client.pins_add(channel="incidents", timestamp=ts)).response["error"]
        == "already_pinned"
    )
    assert (
        error_of(lambda: client.pins_add(channel="incidents")).response["error"]
        == "no_item_specified"
    )
    assert (
        error_of(lambda: client.pins_add(channel="incidents", timestamp="9.9")).response["error"]
        == "message_not_found"
    )
    client.pins_remove(channel="incidents", timestamp=ts)
    assert fake.channel("incidents").pins == set()
    fake.scopes.add("reactions:write")  # Beacon never reacts, so its manifest lacks the scope
    client.reactions_add(channel="incidents", timestamp=ts, name="eyes")
    assert fake.messages("incidents")[0].reactions == {"eyes": ["UBEACONBOT"]}


# -- views --------------------------------------------------------------------


MODAL = {
    "type": "modal",
    "callback_id": "declare",
    "title": {"type": "plain_text", "text": "Declare incident"},
    "submit": {"type": "plain_text", "text": "Declare"},
    "blocks": [
        {
            "type": "input",
            "block_id": "title",
            "label": {"type": "plain_text", "text": "Title"},
            "element": {"type": "plain_text_input", "action_id": "title_input"},
        }
    ],
}


def test_views_open_trigger_is_single_use(fake: FakeSlack, client: WebClient) -> None:
    trigger = fake.issue_trigger_id()
    view = client.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert fake.views[view["id"]]["callback_id"] == "declare"
    reuse = error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL))
    assert reuse.response["error"] == "exchanged_trigger_id"
    updated = client.views_update(view_id=view["id"], view={**MODAL, "callback_id": "v2"})
    assert updated["view"]["id"] == view["id"]
    assert fake.views[view["id"]]["callback_id"] == "v2"


def test_expired_trigger_and_bad_title(fake: FakeSlack, client: WebClient) -> None:
    fake.trigger_ttl = 0.05
    trigger = fake.issue_trigger_id()
    time.sleep(0.1)
    assert (
        error_of(lambda: client.views_open(trigger_id=trigger, view=MODAL)).response["error"]
        == "expired_trigger_id"
    )
    bad = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    err = error_of(lambda: client.views_open(trigger_id=fake.issue_trigger_id(), view=bad))
    assert err.response["error"] == "invalid_arguments"
    assert "/view/title/text" in err.response["response_metadata"]["messages"][0]


def test_home_publish(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Open incidents: 0")]}
    first = client.views_publish(user_id="U0ANA", view=home)["view"]
    second = client.views_publish(user_id="U0ANA", view=home)["view"]
    assert first["id"] == second["id"]
    assert fake.home_views["U0ANA"]["blocks"] == [section("Open incidents: 0")]


# -- failure injection and rate limits ------------------------------------------


def test_injected_429_exposes_retry_after(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("chat.postMessage", status=429, retry_after=1)
    err = error_of(lambda: client.chat_postMessage(channel="incidents", text="x"))
    assert err.response.status_code == 429
    assert err.response.headers["Retry-After"] == "1"
    assert err.response["error"] == "ratelimited"
    assert fake.messages("incidents") == []


def test_rate_limit_retry_handler_recovers(fake: FakeSlack) -> None:
    client = WebClient(
        base_url=fake.url,
        token="xoxb-test",
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    fake.fail_next("chat.postMessage", status=429, retry_after=0)
    assert client.chat_postMessage(channel="incidents", text="x")["ok"]
    assert [c.status for c in fake.calls_to("chat.postMessage")] == [429, 200]
    assert len(fake.messages("incidents")) == 1


def test_injected_500_changes_nothing(fake: FakeSlack, client: WebClient) -> None:
    fake.fail_next("conversations.create", status=500)
    err = error_of(lambda: client.conversations_create(name="inc-500"))
    assert err.response.status_code == 500
    assert fake.channel_by_name("inc-500") is None
    retrying = WebClient(
        base_url=fake.url, token="xoxb-test", retry_handlers=[ServerErrorRetryHandler()]
    )
    fake.fail_next(None, status=500)
    assert retrying.conversations_create(name="inc-500")["ok"]
    assert fake.channel_by_name("inc-500") is not None


def test_fail_while_and_slack_level_errors(fake: FakeSlack, client: WebClient) -> None:
    with fake.fail_while("chat.postMessage", status=503):
        for _ in range(3):
            assert error_of(lambda: client.chat_postMessage(channel="incidents", text="x"))
    client.chat_postMessage(channel="incidents", text="x")
    fake.fail_next("chat.postMessage", status=200, error="channel_not_found")
    err = error_of(lambda: client.chat_postMessage(channel="incidents", text="x"))
    assert (err.response.status_code, err.response["error"]) == (200, "channel_not_found")
    assert len(fake.messages("incidents")) == 1
    with pytest.raises(ValueError):
        fake.fail_next("chat.postMesage")


def test_per_channel_rate_limit() -> None:
    with FakeSlack(channel_rate_limit=1.0, channel_burst=1.0) as fake:
        joined(fake)
        client = WebClient(base_url=fake.url, token="xoxb-test")
        client.chat_postMessage(channel="incidents", text="1")
        err = error_of(lambda: client.chat_postMessage(channel="incidents", text="2"))
        assert err.response.status_code == 429
        assert err.response.headers["Retry-After"] == "1"
        client.chat_postMessage(channel="cs-incidents", text="other channel is fine")
        assert [c.status for c in fake.calls_to("chat.postMessage")] == [200, 429, 200]
        time.sleep(1.05)
        client.chat_postMessage(channel="incidents", text="3")
        assert [m.text for m in fake.messages("incidents")] == ["1", "3"]


def test_workspace_rate_limit() -> None:
    with FakeSlack(workspace_rate_limit=2.0, channels=[f"c{i}" for i in range(4)]) as fake:
        joined(fake)
        client = WebClient(base_url=fake.url, token="xoxb-test")
        statuses = []
        for i in range(4):
            try:
                client.chat_postMessage(channel=f"c{i}", text="x")
                statuses.append(200)
            except SlackApiError as exc:
                statuses.append(exc.response.status_code)
        assert statuses == [200, 200, 429, 429]


# -- files, response_url, async and concurrency ---------------------------------


def test_files_upload_v2(fake: FakeSlack, client: WebClient) -> None:
    channel = fake.channel_by_name("incidents")
    assert channel is not None
    resp = client.files_upload_v2(
        channel=channel.id, content="timeline", filename="timeline.md", title="Timeline"
    )
    file_id = resp["file"]["id"]
    assert fake.files[file_id].content == b"timeline"
    assert fake.messages("incidents")[0].files[0]["title"] == "Timeline"


def test_response_url_records_bodies(fake: FakeSlack) -> None:
    url = fake.response_url("cmd-1")
    resp = WebhookClient(url).send(text="Incident declared", response_type="ephemeral")
    assert resp.status_code == 200
    assert fake.responses == [{"text": "Incident declared", "response_type": "ephemeral"}]
    assert fake.responses_to("cmd-1") == fake.responses


async def test_async_client_concurrency_with_latency() -> None:
    with FakeSlack(latency=0.05, rate_limits=RateLimits.off()) as fake:
        joined(fake)
        client = AsyncWebClient(base_url=fake.url, token="xoxb-test")
        started = time.perf_counter()
        await asyncio.gather(
            *(client.chat_postMessage(channel="incidents", text=str(i)) for i in range(50))
        )
        elapsed = time.perf_counter() - started
        assert len(fake.messages("incidents")) == 50
        assert elapsed < 1.0, elapsed
        fake.latency = 0
        assert (await client.auth_test())["ok"]


async def test_socket_mode_stub(fake: FakeSlack) -> None:
    url = WebClient(base_url=fake.url).apps_connections_open(app_token="xapp-1-x")["url"]
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        assert (await ws.receive_json())["type"] == "hello"
        envelope = {"envelope_id": "e1", "type": "events_api", "payload": {}}
        sent = await asyncio.to_thread(fake.socket_send, envelope)
        assert sent == 1
        assert (await ws.receive_json())["envelope_id"] == "e1"
        await ws.send_json({"envelope_id": "e1"})
        deadline = time.monotonic() + 2
        while not fake.socket_received and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
    assert fake.socket_received == [{"envelope_id": "e1"}]


# -- signing and payload builders -----------------------------------------------


def test_signer_matches_slack_sdk_verifier() -> None:
    body = slash_command_body(
        "declare sev1 db down",
        user_id="U0ANA",
        channel_id="C1",
        response_url="http://127.0.0.1/response_url/x",
    )
    headers = sign(body, "s3cret")
    verifier = SignatureVerifier("s3cret")
    assert verifier.is_valid_request(body, headers)
    assert not SignatureVerifier("other").is_valid_request(body, headers)
    stale = sign(body, "s3cret", timestamp=int(time.time()) - 301)
    assert not verifier.is_valid_request(body, stale)
    form = parse_qs(body.decode())
    assert form["command"] == ["/incident"] and form["text"] == ["declare sev1 db down"]
    assert form["team_id"] == ["T0BEACON"] and form["trigger_id"][0]


def test_payload_builders() -> None:
    actions = block_actions_payload(action_id="ack", value="INC-1", channel_id="C1")
    decoded = json.loads(parse_qs(interaction_body(actions).decode())["payload"][0])
    assert decoded["actions"][0]["action_id"] == "ack"
    assert decoded["team"]["id"] == "T0BEACON" and decoded["api_app_id"] == "A0BEACON"
    submission = view_submission_payload(
        callback_id="declare",
        state_values={"title": {"t": text_value("DB down")}, "sev": {"s": select_value("sev1")}},
    )
    assert submission["view"]["state"]["values"]["sev"]["s"]["selected_option"]["value"] == "sev1"
    event = json.loads(event_body({"type": "app_home_opened", "user": "U0ANA"}, event_id="Ev1"))
    assert event["type"] == "event_callback" and event["event_id"] == "Ev1"
    headers = signed_headers(b"{}", "s", content_type="application/json", retry_num=1)
    assert headers["X-Slack-Retry-Num"] == "1" and headers["Content-Type"] == "application/json"


def test_bolt_app_end_to_end(fake: FakeSlack) -> None:
    from slack_bolt import App, BoltRequest

    app = App(
        client=WebClient(base_url=fake.url, token="xoxb-test"),
        signing_secret="s3cret",
        process_before_response=True,
    )

    @app.command("/incident")
    def declare(ack: Any, respond: Any, client: WebClient, command: dict[str, Any]) -> None:
        ack()
        client.chat_postMessage(channel="#incidents", text=f"Declared: {command['text']}")
        respond("Declared.")

    body = slash_command_body(
        "db down", user_id="U0ANA", channel_id="C1", response_url=fake.response_url("r1")
    )
    headers: dict[str, str | Sequence[str]] = dict(signed_headers(body, "s3cret"))
    response = app.dispatch(BoltRequest(body=body.decode(), headers=headers))
    assert response.status == 200
    assert [m.text for m in fake.messages("incidents")] == ["Declared: db down"]
    assert fake.responses_to("r1")[0]["text"] == "Declared."
    assert fake.calls_to("auth.test")
