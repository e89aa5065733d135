"""Hostile input costs nothing (SPEC 6), tried from outside as an attacker or a careless client
would: oversized, forged, malformed and replayed requests, and input whose cost grows."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from app.catalog import suggest
from app.domain import declaration
from app.edge import MAX_BODY
from app.store.models import IncidentEvent, StatusUpdate
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.e2e.test_cli import serving
from tests.fakes.signing import block_actions_payload, interaction_body, sign, slash_command_body
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import SIGNING_SECRET, RunningBeacon, eventually, pinned_channel

FORM = "application/x-www-form-urlencoded"


def _raw_request(beacon: RunningBeacon, head: bytes, chunks: Iterator[bytes]) -> tuple[bytes, int]:
    """Send ``head`` then ``chunks`` until the server answers; what it answered, and how many
    more bytes of a 200 MB body it then took before closing the connection. The body is never
    finished, so an answer proves the server decided without reading it all."""
    host, port = beacon.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head)
        conn.setblocking(False)
        answer = b""
        for chunk in chunks:
            with contextlib.suppress(BlockingIOError, ConnectionError):
                conn.sendall(chunk)
            try:
                answer += conn.recv(65536)
            except BlockingIOError:
                continue
            if answer:
                break
        conn.setblocking(True)
        conn.settimeout(10)
        while b"\r\n\r\n" not in answer:
            answer += conn.recv(65536)
        taken = 0
        with contextlib.suppress(OSError):
            while taken < 200 * 1024 * 1024:
                conn.sendall(b"x" * 65536)
                taken += 65536
    return answer, taken


def test_a_body_declared_over_the_cap_is_refused_before_it_is_read(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: beacon\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 209715200\r\n\r\n"  # 200 MB announced, a few kB ever sent
    )
    answer, taken = _raw_request(beacon, head, iter([b"x" * 4096] * 16))
    assert answer.startswith(b"HTTP/1.1 413")
    assert taken < 50 * 1024 * 1024  # the connection closed: no 200 MB drained either
    assert slack.calls_to("conversations.create") == []


def test_a_chunked_body_is_refused_once_it_passes_the_cap(beacon: RunningBeacon) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: beacon\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    piece = 64 * 1024
    chunk = f"{piece:x}\r\n".encode() + b"x" * piece + b"\r\n"
    # The cap plus 32 chunks, and never the terminating zero-length chunk.
    answer, _ = _raw_request(beacon, head, iter([chunk] * (MAX_BODY // piece + 32)))
    assert answer.startswith(b"HTTP/1.1 413")


def test_a_forged_request_is_refused_and_its_body_never_logged(
    beacon: RunningBeacon, slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    # As an operator running LOG_LEVEL=debug would: Bolt logs a badly signed body at INFO.
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="slack_bolt.RequestVerification")
    marker = "FORGED-BODY-MARKER"
    body = slash_command_body(
        f"declare P2 {marker}",
        user_id="U0RESP1",
        channel_id="C0GENERAL",
        response_url=slack.response_url("forged"),
    )
    headers = {"Content-Type": FORM, **sign(body, "not-the-secret")}
    response = beacon.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert marker not in response.text
    assert marker not in caplog.text
    assert slack.calls_to("conversations.create") == []


def _signed(body: bytes, content_type: str = FORM, **overrides: str) -> dict[str, str]:
    return {"Content-Type": content_type, **sign(body, SIGNING_SECRET), **overrides}


MALFORMED: dict[str, tuple[bytes, dict[str, str] | None]] = {
    "invalid UTF-8": (b"command=%2Fincident&text=\xff\xfe", None),
    "non-numeric timestamp": (b"command=%2Fincident", {"X-Slack-Request-Timestamp": "soon"}),
    "JSON where a form is expected": (b'{"command": "/incident", "text": "help"}', None),
    "payload that is not JSON": (b"payload=%7Bnot-json", None),
    "payload that is a list": (b"payload=%5B1%2C2%5D", None),
    "nested beyond recursion": (b"payload=" + b"%5B" * 100_000, None),
    "empty body": (b"", None),
    "a slash command as JSON": (
        b'{"command": 5, "text": null}',
        {"Content-Type": "application/json"},
    ),
    "actions that are no list": (
        b"payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A5%7D",
        None,
    ),
    "an event without a type": (b'{"event": {}}', {"Content-Type": "application/json"}),
    "missing signature": (b"command=%2Fincident&text=help", {"X-Slack-Signature": ""}),
    "missing timestamp": (b"command=%2Fincident&text=help", {"X-Slack-Request-Timestamp": ""}),
    "signature of other characters": (b"command=%2Fincident", {"X-Slack-Signature": "v0=é"}),
    "an unexpected content type": (b"command=%2Fincident", {"Content-Type": "text/plain"}),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_requests_get_a_4xx_without_a_traceback(
    beacon: RunningBeacon, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    body, overrides = MALFORMED[case]
    headers = {**_signed(body), **(overrides or {})}
    sent = [(name.encode(), value.encode("latin-1")) for name, value in headers.items() if value]
    response = beacon.http.post("/slack/events", content=body, headers=sent)
    assert 400 <= response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert not [r for r in caplog.records if r.exc_info], caplog.text


def _declare(beacon: RunningBeacon, slack: FakeSlack, text: str, name: str) -> Any:
    beacon.command(text, user="U0RESP1")
    return pinned_channel(slack, name)


def _replay(beacon: RunningBeacon, body: bytes, times: int = 3) -> list[httpx.Response]:
    """The same signed request, sent ``times`` times at once, as one captured request replayed."""
    headers = _signed(body)
    with ThreadPoolExecutor(times) as pool:
        return list(
            pool.map(
                lambda _: beacon.http.post("/slack/events", content=body, headers=headers),
                range(times),
            )
        )


def _slow_search(beacon: RunningBeacon, slack: FakeSlack) -> Any:
    return _declare(
        beacon, slack, "declare P3 Search is slow services: search", "inc-1-search-is-slow"
    )


def _update(slack: FakeSlack, channel: Any, text: str, answer_to: str, trigger: str) -> bytes:
    return slash_command_body(
        f"update {text}",
        user_id="U0RESP1",
        channel_id=channel.id,
        response_url=slack.response_url(answer_to),
        trigger_id=trigger,
    )


def _update_drafts(beacon: RunningBeacon) -> int:
    with beacon.beacon.uow.read() as session:
        kinds = select(func.count()).where(StatusUpdate.kind == "update")
        return int(session.scalar(kinds.select_from(StatusUpdate)) or 0)


def test_a_replayed_update_makes_one_draft(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = _slow_search(beacon, slack)
    body = _update(
        slack,
        channel,
        "Still slow status: identified cause: a hot shard",
        "replayed-update",
        "1.2.r",
    )
    responses = _replay(beacon, body)
    assert [r.status_code for r in responses] == [200, 200, 200]
    eventually(lambda: slack.responses_to("replayed-update"))
    assert _update_drafts(beacon) == 1
    assert len(slack.responses_to("replayed-update")) == 1
    assert sum(not r.content for r in responses) >= 2  # the replays said nothing


def test_a_replayed_escalation_pages_once(beacon: RunningBeacon, slack: FakeSlack) -> None:
    channel = _declare(
        beacon, slack, "declare P2 Checkout failing services: checkout", "inc-1-checkout-failing"
    )
    body = slash_command_body(
        "escalate customers calling",
        user_id="U0RESP1",
        channel_id=channel.id,
        response_url=slack.response_url("replayed-escalate"),
        trigger_id="1.2.escalate",
    )
    assert [r.status_code for r in _replay(beacon, body)] == [200, 200, 200]
    # typed in the incident channel, the escalation notice there is the one answer
    eventually(lambda: any("Escalation level 1" in m.text for m in slack.messages(channel.id)))
    with beacon.beacon.uow() as session:
        escalations = session.scalars(
            select(IncidentEvent).where(IncidentEvent.kind == "escalated")
        ).all()
    assert len(escalations) == 1
    assert "U0EXEC" not in slack.ims  # the second level (the exec) was never reached


def test_a_request_replayed_after_a_restart_has_no_effect(
    database_url: str, slack: FakeSlack
) -> None:
    """Beacon on SQLite answers replays from memory: a restarted process must remember the
    requests its predecessor answered."""
    with RunningBeacon(database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG) as first:
        channel = _slow_search(first, slack)
        body = _update(slack, channel, "Still slow", "before-restart", "1.2.restart")
        headers = _signed(body)
        assert first.http.post("/slack/events", content=body, headers=headers).is_success
        eventually(lambda: slack.responses_to("before-restart"))
    with RunningBeacon(database_url=database_url, slack=slack, config_dir=FIXTURE_CONFIG) as second:
        assert second.http.post("/slack/events", content=body, headers=headers).is_success
        fresh = _update(slack, channel, "Still slow, a second look", "after-restart", "1.2.fresh")
        assert second.http.post("/slack/events", content=fresh, headers=_signed(fresh)).is_success
        eventually(lambda: slack.responses_to("after-restart"))
        assert _update_drafts(second) == 2
        assert len(slack.responses_to("before-restart")) == 1


@pytest.fixture
def big_catalog(tmp_path: Path) -> Path:
    """The fixture company with 10,000 more accounts."""
    for source in FIXTURE_CONFIG.iterdir():
        (tmp_path / source.name).write_text(source.read_text())
    with (tmp_path / "accounts.yaml").open("a") as accounts:
        for n in range(10_000):
            accounts.write(
                f"  customer-{n:05d}: {{name: Customer {n:05d}, arr: 1000, users: 10,"
                f" dependence: standard, uses: [search], liaison: U0CS2}}\n"
            )
    return tmp_path


def test_suggestions_for_many_unknown_accounts_never_hold_up_others(
    database_url: str, slack: FakeSlack, big_catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While one person's 500 mistyped accounts are being checked, others are answered. The
    check is held at its first suggestion until they are: were it on the event loop, nobody
    else could be answered and this test would fail instead of finishing."""
    started, release = threading.Event(), threading.Event()
    calls: list[str] = []
    real = suggest.did_you_mean

    def held(word: str, choices: Any) -> str:
        calls.append(word)
        started.set()
        release.wait(30)
        return real(word, choices)

    monkeypatch.setattr(declaration, "did_you_mean", held)
    names = ",".join(f"x{n}" for n in range(500))  # 500 names inside the 4000 characters
    with (
        RunningBeacon(database_url=database_url, slack=slack, config_dir=big_catalog) as app,
        ThreadPoolExecutor(1) as pool,
    ):
        mistyped = pool.submit(app.command, f"declare P3 Search is slow accounts: {names}")
        assert started.wait(10)
        help_reply = app.command("help", user="U0OTHER")
        health = app.http.get("/healthz")
        assert not mistyped.done()
        release.set()
        reply = app.replies_to(mistyped.result(timeout=30))
    assert "/incident declare" in app.replies_to(help_reply)
    assert health.json() == {"ok": True, "database": "ok"}
    assert reply.count("Unknown account") == declaration.MAX_SUGGESTED
    assert f"and {500 - declaration.MAX_SUGGESTED} more unknown account names" in reply
    assert len(calls) == declaration.MAX_SUGGESTED
    assert slack.calls_to("conversations.create") == []


@pytest.mark.parametrize(
    ("text", "user", "expected"),
    [
        ("declare P2 Checkout\x00down", "U0RESP1", "NUL"),
        ("help", "U" + "A" * 300, "user_id"),
        ("assign commander <@U" + "A" * 300 + ">", "U0RESP1", "/incident assign"),
        ("page <@U" + "A" * 300 + ">", "U0RESP1", "/incident page"),
        ("update " + "x" * 5000, "U0RESP1", "over 4000 characters"),
        ("INC-99999999999999999999 status", "U0RESP1", "no such incident"),
        ("update Slow eta: 999999999d999999999h", "U0RESP1", "longer than anything"),
    ],
)
def test_nul_bytes_and_overlong_fields_are_refused_privately(
    beacon: RunningBeacon, slack: FakeSlack, text: str, user: str, expected: str
) -> None:
    _declare(beacon, slack, "declare P3 Search is slow services: search", "inc-1-search-is-slow")
    channel = slack.channel_by_name("inc-1-search-is-slow")
    assert channel is not None
    response = beacon.command(text, user=user, channel=channel.id)
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    assert expected in body["text"]
    assert "internal error" not in body["text"]


def test_a_click_carrying_a_nul_byte_or_an_overlong_id_is_refused(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    for payload in (
        block_actions_payload(action_id="page_ack", value="1\x00", user_id="U0RESP1"),
        block_actions_payload(action_id="page_ack", value="1", user_id="U" + "A" * 300),
    ):
        body = interaction_body(payload)
        response = beacon.http.post("/slack/events", content=body, headers=_signed(body))
        assert response.status_code == 400
    assert slack.responses == []


def test_private_incidents_stay_out_of_public_counts(
    beacon: RunningBeacon, slack: FakeSlack
) -> None:
    _declare(beacon, slack, "declare private P3 Quiet leak services: search", "inc-1-quiet-leak")
    beacon.command("declare P4 Public hiccup services: search", user="U0RESP1")
    eventually(lambda: slack.channel_by_name("inc-2-public-hiccup"))
    beacon.command("stats 7d", user="U0OTHER")
    stats = eventually(lambda: [r for r in slack.responses if "Response targets" in r["text"]])
    assert "*All*: 1 incident(s)" in stats[0]["text"]

    def scraped() -> str:
        text = beacon.http.get("/metrics").text
        return text if 'beacon_open_incidents{severity="P4"} 1.0' in text else ""

    assert 'beacon_open_incidents{severity="P3"} 0.0' in eventually(scraped)


def test_socket_mode_refuses_a_nul_byte_privately(tmp_path: Path) -> None:
    """Socket Mode's requests never pass the HTTP guard; the same refusal comes from Bolt."""
    with FakeSlack() as slack, serving(slack, tmp_path, SLACK_APP_TOKEN="xapp-test"):
        eventually(lambda: slack.socket_connections, timeout=15)
        envelope = {
            "envelope_id": "env-nul",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": {
                "command": "/incident",
                "text": "declare P2 Checkout\x00down",
                "user_id": "U0RESP1",
                "channel_id": "C0GENERAL",
                "team_id": "T0BEACON",
                "api_app_id": "A0BEACON",
                "response_url": slack.response_url("socket-nul"),
                "trigger_id": "1.2.socketnul",
            },
        }
        assert slack.socket_send(envelope) == 1
        eventually(lambda: slack.socket_received, timeout=15)
    (ack,) = slack.socket_received
    assert "NUL character" in ack["payload"]["text"]
    assert slack.calls_to("conversations.create") == []
