"""Account pages: reachable only with the right token, showing only that account; the banner
feed's CORS and cache headers; the link for the liaison and from the CLI."""

from __future__ import annotations

import pytest

from app import cli
from app.publishing.tokens import account_token
from tests.e2e.publishing.conftest import SECRET
from tests.e2e.publishing.support import WORDS, approve, declare, post_update
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually

CHANNEL = "inc-1-token-signer-broke-logins"
ORIGIN = "https://app.example.com"


def _path(account: str, secret: str = SECRET) -> str:
    return f"/status/a/{account_token(secret, account)}"


def _approved(published: RunningBeacon, slack: FakeSlack) -> str:
    channel = declare(
        published, slack, "declare P3 Token signer broke logins services: auth", CHANNEL
    )
    return approve(published, channel, post_update(published, slack, channel))


def test_wrong_token_other_secret_and_rotation_are_404(
    published: RunningBeacon, slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    http = published.http
    good = _path("acme")
    assert http.get(good).status_code == 200
    assert http.get(good + ".json").status_code == 200
    for bad in (
        "/status/a/acme",
        "/status/a/acme.json",
        _path("acme", "another-secret"),
        good[:-1] + ("A" if good[-1] != "A" else "B"),
        _path("no-such-account"),
    ):
        assert http.get(bad).status_code == 404, bad
        assert http.get(bad + ".json").status_code == 404, bad
    monkeypatch.setenv("BEACON_STATUS_SECRET", "rotated")
    assert http.get(good).status_code == 404
    assert http.get(_path("acme", "rotated") + ".json").status_code == 200


def test_an_account_page_shows_only_incidents_affecting_that_account(
    published: RunningBeacon, slack: FakeSlack
) -> None:
    text = _approved(published, slack)
    http = published.http
    eventually(lambda: http.get(_path("globex") + ".json").json()["banner"])
    globex = http.get(_path("globex") + ".json").json()
    assert globex["banner"]["text"] == text
    assert [c["name"] for c in globex["components"]] == ["Checkout"]
    initech = http.get(_path("initech") + ".json").json()
    assert initech["banner"] is None and initech["incidents"] == []
    assert WORDS not in http.get(_path("initech")).text
    assert initech["components"] == [
        {"name": "Product search", "status": "operational", "label": "Operational"}
    ]


def test_banner_feed_cors_for_allowed_origins_only_and_cheap_polling(
    published: RunningBeacon,
) -> None:
    http = published.http
    url = _path("acme") + ".json"
    allowed = http.get(url, headers={"Origin": ORIGIN})
    assert allowed.headers["access-control-allow-origin"] == ORIGIN
    assert "ETag" in allowed.headers["access-control-expose-headers"]
    other = http.get(url, headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in other.headers
    assert (
        "access-control-allow-origin"
        not in http.get("/status.json", headers={"Origin": ORIGIN}).headers
    )
    preflight = http.options(
        url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == ORIGIN

    etag = allowed.headers["etag"]
    assert "max-age=" in allowed.headers["cache-control"]
    assert allowed.headers["referrer-policy"] == "no-referrer"
    again = http.get(url, headers={"If-None-Match": etag, "Origin": ORIGIN})
    assert again.status_code == 304 and again.content == b""
    public = http.get("/status.json")
    assert (
        http.get("/status.json", headers={"If-None-Match": public.headers["etag"]}).status_code
        == 304
    )


def test_the_etag_changes_when_a_notice_is_approved(
    published: RunningBeacon, slack: FakeSlack
) -> None:
    http = published.http
    before = http.get("/status.json").headers["etag"]
    _approved(published, slack)
    eventually(lambda: http.get("/status.json").headers["etag"] != before)
    fresh = http.get("/status.json", headers={"If-None-Match": before})
    assert fresh.status_code == 200 and fresh.json()["incidents"]


def test_liaison_sees_the_link_in_incident_accounts_and_others_do_not(
    published: RunningBeacon, slack: FakeSlack
) -> None:
    link = "https://status.example.com" + _path("acme")
    published.command("accounts acme", user="U0CS1")
    published.command("accounts acme", user="U0BYSTANDER")

    def replies() -> list[str]:
        return [str(r) for r in slack.responses if "Acme Corp" in str(r)]

    seen = eventually(lambda: len(replies()) >= 2 and replies())
    assert [link in reply for reply in seen].count(True) == 1
    assert all(r.get("response_type", "ephemeral") == "ephemeral" for r in slack.responses)


def test_status_link_cli_prints_the_link(
    published: RunningBeacon, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEACON_CONFIG_DIR", str(published.settings.beacon_config_dir))
    monkeypatch.setenv("BEACON_PUBLIC_URL", "https://status.example.com")
    assert cli.main(["status-link", "acme"]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == "https://status.example.com" + _path("acme")
    assert published.http.get(printed.removeprefix("https://status.example.com")).status_code == 200
    assert cli.main(["status-link", "acmee"]) == 2
    assert "Did you mean `acme`?" in capsys.readouterr().err
