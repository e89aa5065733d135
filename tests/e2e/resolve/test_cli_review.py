"""`beacon review INC-<n>` and `beacon report` against the database a running Beacon wrote."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.resolve.support import declare
from tests.e2e.test_cli import beacon as run_beacon
from tests.fakes.slack_api import FakeSlack
from tests.support.harness import RunningBeacon, eventually


def test_review_and_report_verbs(
    beacon: RunningBeacon, slack: FakeSlack, database_url: str, tmp_path: Path
) -> None:
    channel = declare(beacon, slack, "declare P2 Sign-in errors services: auth")
    beacon.command("resolve fix: rolled back the key rotation", user="U0IC", channel=channel.id)
    eventually(lambda: slack.channel(channel.name).topic.startswith("P2 · Resolved"))
    env = {
        "DATABASE_URL": database_url,
        "BEACON_CONFIG_DIR": str(beacon.settings.beacon_config_dir),
    }

    review = run_beacon("review", "INC-1", **env)
    assert review.returncode == 0, review.stderr
    assert review.stdout.startswith("# INC-1 · Sign-in errors — post-incident review")
    assert "**Fix:** rolled back the key rotation" in review.stdout
    assert run_beacon("review", "INC-9", **env).returncode == 1
    assert run_beacon("review", "nine", **env).returncode == 2

    out = tmp_path / "report"
    report = run_beacon("report", "--since", "90d", "--out", str(out), **env)
    assert report.returncode == 0, report.stderr
    text = (out / "report.md").read_text()
    assert "# Incident report — last 90d" in text and "| INC-1 | P2 |" in text
    for chart in ("targets-by-tier.png", "response-times.png"):
        assert (out / chart).read_bytes().startswith(b"\x89PNG")


def test_review_and_report_say_in_one_line_when_there_is_nothing_to_read(tmp_path: Path) -> None:
    out = tmp_path / "report"
    (tmp_path / "empty.db").touch()  # an SQLite database with no table
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    for url, said in (
        (f"sqlite:///{tmp_path / 'nothing.db'}", "There is no database at"),
        (empty, "has no Beacon schema"),
    ):
        for verb in (("review", "INC-1"), ("report", "--out", str(out))):
            result = run_beacon(*verb, DATABASE_URL=url)
            assert result.returncode == 1
            assert result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
            assert said in result.stderr and "DATABASE_URL=sqlite:///./sandbox.db" in result.stderr
    assert not out.exists() and not (tmp_path / "nothing.db").exists()
    assert run_beacon("db", "upgrade", DATABASE_URL=empty).returncode == 0
    for verb in (("review", "INC-1"), ("report", "--out", str(out))):
        result = run_beacon(*verb, DATABASE_URL=empty)
        assert result.returncode == 1 and "holds no incident yet" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()
