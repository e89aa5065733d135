"""`beacon drill`: the shipped drills pass on the sandbox; a missed target fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli
from app.drills.script import DrillError, parse_drill

ROOT = Path(__file__).resolve().parents[2]
DRILLS = sorted((ROOT / "config" / "drills").glob("*.yaml"))


@pytest.fixture(autouse=True)
def _example_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BEACON_CONFIG_DIR", str(ROOT / "config"))
    monkeypatch.chdir(tmp_path)  # no .env of the developer's


def test_two_drills_ship() -> None:
    assert {p.name for p in DRILLS} >= {"payments-outage.yaml", "auth-failure.yaml"}


@pytest.mark.parametrize("path", DRILLS, ids=lambda p: p.stem)
def test_shipped_drill_passes(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drill", str(path)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "Drill passed" in out
    assert "== Metrics" in out and "time to acknowledge" in out
    assert "MISSED" not in out
    if path.stem == "payments-outage":
        shows_each_person_what_they_saw(out)


def shows_each_person_what_they_saw(out: str) -> None:
    assert "== Dana — manager of Payments (U0DANA)" in out
    assert "DM             :pager: INC-1" in out  # her page
    assert "== #acct-acme" in out  # Acme's own account thread got the approved update
    assert "> you          click Acknowledge" in out


def test_a_missed_target_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    drill = tmp_path / "nobody-acks.yaml"
    drill.write_text(
        "name: Nobody acknowledges\n"
        "steps:\n"
        "  - {at: 0s, as: U0SANDBOX, command: 'declare SEV3 Slow reports services: reporting'}\n"
        "run_until: 2m\n"
        "targets: {ack_within: 1m}\n"
    )
    assert cli.main(["drill", str(drill)]) == 1
    out = capsys.readouterr().out
    assert "MISSED ack_within" in out and "never" in out


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ({"steps": []}, "at least one step"),
        ({"steps": [{"as": "ic"}]}, "exactly one of command:, click:, submit:"),
        ({"steps": [{"command": "list"}]}, "needs `as:`"),
        ({"steps": [{"as": "ic", "command": "list", "at": "5 min"}]}, "malformed duration"),
        ({"steps": [{"as": "ic", "command": "x", "at": "5m"}, {"as": "ic", "command": "y", "at": "1m"}]}, "in the order"),
        ({"steps": [{"as": "ic", "command": "list"}], "targets": {"ack_in": "5m"}}, "unknown target"),
    ],
)
def test_drill_files_are_checked(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(DrillError, match=problem):
        parse_drill(raw)
