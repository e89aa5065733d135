"""`beacon drill`: the shipped drills pass on the sandbox; a missed target fails the run."""

from __future__ import annotations

from pathlib import Path

import pytest

from app import cli
from app.drills.script import DrillError, parse_drill
from tests.fakes.slack_api import FakeSlack

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
    if path.stem == "auth-failure":
        pages_the_owners_and_tells_the_dependents(out)
    if path.stem == "customers-calling":
        monitoring_declares_without_a_person(out)


def monitoring_declares_without_a_person(out: str) -> None:
    """An alert and two accounts calling, no `declare` typed: customer_reports (SPEC 5.8)."""
    sections = {s.split("\n")[0]: s for s in out.split("\n== ")}
    card = " ".join(sections["#alerts"].split())
    assert "Signals on Reports and exports" in card and "declared as INC-1" in card
    assert "reported by Umbrella Retail (Tier 1, liaison @Malik)" in card
    assert "reported by Hooli (Tier 3, liaison @Lena)" in card
    monitoring = next(s for h, s in sections.items() if h.startswith("Monitoring"))
    assert monitoring.count("> sent") == 2 and "resolved reporting" in monitoring
    channel = next(s for h, s in sections.items() if h.startswith("#inc-1-reports-and-exports"))
    assert "Signal resolved on reporting: Export jobs p95 latency" in channel  # one line
    assert "met    declared_within" in out and "first signal to declaration  " in out
    typed = [line for line in out.splitlines() if "> you" in line]
    assert sum("/incident report" in line for line in typed) == 2
    assert not any("/incident declare" in line for line in typed)


def pages_the_owners_and_tells_the_dependents(out: str) -> None:
    """Sign-in is named: Identity is paged; Payments, Storefront… only depend on it (SPEC 5.2)."""
    people = out.split("\n== ")
    identity = next(p for p in people if "on call now, Identity (U0NWID3)" in p.split("\n")[0])
    assert "DM             :pager: INC-1" in identity and "on-call for Identity" in identity
    for team in ("Payments", "Storefront"):
        (person,) = [p for p in people if f"on call now, {team}" in p.split("\n")[0]]
        assert ":pager:" not in person and "FYI for " + team in person
        assert "depends on Sign-in" in person
    assert "manager of Payments" not in out


def shows_each_person_what_they_saw(out: str) -> None:
    assert "== Dana — manager, Payments (U0DANA)" in out
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
        (
            {
                "steps": [
                    {"as": "ic", "command": "x", "at": "5m"},
                    {"as": "ic", "command": "y", "at": "1m"},
                ]
            },
            "in the order",
        ),
        (
            {"steps": [{"as": "ic", "command": "list"}], "targets": {"ack_in": "5m"}},
            "unknown target",
        ),
        ({"steps": [{"signal": "checkout is down"}]}, "takes a mapping"),
        ({"steps": [{"signal": {"service": "checkout"}}]}, "needs summary"),
        ({"steps": [{"signal": {"service": "x", "summary": "y", "status": "up"}}]}, "not 'up'"),
        ({"steps": [{"signal": {"service": "x", "summary": "y", "sevrity": "P1"}}]}, "sevrity"),
    ],
)
def test_drill_files_are_checked(raw: dict[str, object], problem: str) -> None:
    with pytest.raises(DrillError, match=problem):
        parse_drill(raw)


def test_live_drill_runs_in_the_workspace_marked_as_a_drill(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    drill = tmp_path / "live.yaml"
    drill.write_text(
        "name: Live rehearsal\n"
        "steps:\n"
        "  - {at: 0s, as: U0SANDBOX, command: 'declare SEV3 Reports are slow services: reporting'}\n"
        "  - {at: 2s, as: 'oncall:insights', click: Acknowledge}\n"
        "targets: {ack_within: 1m}\n"
    )
    workspace = ("general", "incidents", "cs-incidents", "acct-acme", "acct-umbrella")
    with FakeSlack(channels=workspace, users={"dana@northwind.example": "U0DANA"}) as real:
        monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-real-workspace")
        monkeypatch.setenv("SLACK_API_URL", real.url)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
        code = cli.main(["drill", "--live", "--as", "U0ME", str(drill)])
        out = capsys.readouterr()
        assert code == 0, out.out + out.err
        assert "LIVE drill" in out.err
        channel = real.channel_by_name("inc-1-drill-reports-are-slow")
        assert channel is not None and "U0ME" in channel.members
        announced = real.messages("incidents")[0]
        assert "[DRILL]" in announced.text + str(announced.blocks)
    assert "met    ack_within" in out.out


def test_a_drill_can_fill_the_declaration_form(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    drill = tmp_path / "form.yaml"
    drill.write_text(
        "name: Declared through the form\n"
        "steps:\n"
        "  - {at: 0s, as: U0SANDBOX, command: declare}\n"
        "  - at: 5s\n"
        "    as: U0SANDBOX\n"
        "    submit: {title: Search is slow, severity: SEV3, services: [search]}\n"
        "  - {at: 1m, as: 'oncall:storefront', click: Acknowledge}\n"
        "targets: {ack_within: 5m}\n"
    )
    assert cli.main(["drill", str(drill)]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "Search is slow" in out and "INC-1 (SEV2)" in out  # raised by Tier 1 accounts
