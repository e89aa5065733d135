"""`beacon check-config` on the `signals:` block (SPEC 3, 5.8): every mistake with its file:line,
run as an operator runs it, and `--slack` checks the triage channel like every other channel."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.conftest import FIXTURE_CONFIG
from tests.e2e.test_cli import beacon
from tests.fakes.slack_api import FakeSlack

GOOD = """\
signals:
  token_env: BEACON_SIGNALS_TOKEN
  triage_channel: "#alerts"
  group_within: 10m
  rules:
    - match: {alertname: CheckoutErrorRate}
      severity: P2
      declare: auto
    - match: {service: "~pay.*|auth"}
      severity: P1
  escalate:
    repeats: {count: 3, within: 30m}
    sustained: 15m
"""


RULE = '    - {match: {service: "~billing-.*"}, declare: sometimes}\n'


def configured(tmp_path: Path, block: str) -> Path:
    for source in FIXTURE_CONFIG.iterdir():
        if source.is_file():
            (tmp_path / source.name).write_text(source.read_text())
    policy = tmp_path / "policy.yaml"
    policy.write_text(policy.read_text() + block)
    return tmp_path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def test_a_good_block_is_summarised_with_what_it_lacks(tmp_path: Path) -> None:
    result = beacon("check-config", str(configured(tmp_path, GOOD)))
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "signals:    triage in #alerts, 2 rule(s), patterns: repeats, sustained,"
        " but BEACON_SIGNALS_TOKEN is unset" in result.stdout
    )
    with_token = beacon("check-config", str(tmp_path), BEACON_SIGNALS_TOKEN="s3cret")
    assert "patterns: repeats, sustained\n" in with_token.stdout
    assert "s3cret" not in with_token.stdout


def test_every_mistake_is_reported_at_its_line(tmp_path: Path) -> None:
    broken = (
        GOOD.replace('"#alerts"', '"alerts"')
        .replace("{alertname: CheckoutErrorRate}", "{service: chekout}")
        .replace("severity: P2", "severity: SEV2")
        .replace('"~pay.*|auth"', '"~pay(.*"')
        .replace("  escalate:", RULE + "  escalate:")
    )
    directory = configured(tmp_path, broken)
    policy = directory / "policy.yaml"
    result = beacon("check-config", str(directory))
    assert result.returncode == 1
    out = result.stdout + result.stderr
    assert "Traceback" not in out

    def reported(needle: str, *words: str) -> None:
        prefix = f"policy.yaml:{line_of(policy, needle)}:"
        lines = [line for line in out.splitlines() if line.startswith(prefix)]
        assert any(all(word in line for word in words) for line in lines), (prefix, words, out)

    reported('triage_channel: "alerts"', "is not a channel", "#name")
    reported("{service: chekout}", "unknown service `chekout`", "Did you mean `checkout`")
    reported("severity: SEV2", "unknown severity `SEV2`")
    reported("pay(.*", "bad regex")
    reported("billing-", "matches no service")
    reported("sometimes", "declare")


def test_check_slack_reports_a_triage_channel_beacon_cannot_post_in(tmp_path: Path) -> None:
    directory = configured(tmp_path, GOOD)
    channels = ("incidents", "cs-incidents", "acct-acme")
    with FakeSlack(channels=channels, users={"dana@example.com": "U0DANA"}) as slack:
        result = beacon(
            "check-config",
            "--slack",
            str(directory),
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_API_URL=slack.url,
        )
    assert result.returncode == 1, result.stdout
    where = f"policy.yaml:{line_of(directory / 'policy.yaml', 'triage_channel')}: channel #alerts"
    assert where in result.stdout and "Slack does not show it to Beacon" in result.stdout

    with FakeSlack(channels=(*channels, "alerts"), users={"dana@example.com": "U0DANA"}) as slack:
        result = beacon(
            "check-config",
            "--slack",
            str(directory),
            SLACK_BOT_TOKEN="xoxb-test",
            SLACK_API_URL=slack.url,
        )
    assert result.returncode == 0, result.stdout
