"""Loading and validating the YAML configuration; every error names its file and line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from app.catalog.durations import format_duration, parse_duration
from app.catalog.errors import ConfigError
from app.catalog.loader import load_catalog
from app.catalog.summary import summarize

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "config"


def _copy(tmp_path: Path, **replace: tuple[str, str]) -> Path:
    """The fixture config with ``file=(old, new)`` text substitutions."""
    for source in FIXTURE.iterdir():
        text = source.read_text()
        if source.stem in replace:
            old, new = replace[source.stem]
            assert old in text, old
            text = text.replace(old, new)
        (tmp_path / source.name).write_text(text)
    return tmp_path


def _errors(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_catalog(directory)
    return [str(issue) for issue in raised.value.issues]


def test_example_config_is_valid_and_summarised() -> None:
    catalog = load_catalog(ROOT / "config")
    assert len(catalog.services) == 8
    assert len(catalog.teams) == 5
    assert len(catalog.accounts) == 30
    summary = summarize(catalog)
    assert "Tier 1: 6" in summary and "Tier 2: 9" in summary and "Tier 3: 15" in summary


def test_fixture_loads_into_typed_objects() -> None:
    catalog = load_catalog(FIXTURE)
    assert [s.id for s in catalog.policy.severities] == ["P1", "P2", "P3", "P4"]
    assert catalog.policy.severity("P4").update_every is None
    assert catalog.policy.escalation[0].after == "ack_within"
    assert catalog.policy.escalation[1].after == timedelta(minutes=10)
    assert catalog.teams["payments"].oncall is not None
    assert catalog.teams["payments"].oncall.handoff_weekday == 0
    assert catalog.services["checkout"].depends_on == ("payments",)
    assert catalog.accounts["acme"].channel == "#acct-acme"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("policy", "  remind_before: 5m", "  remind_before: 5 minutes",
         "policy.yaml:8: `workspace.remind_before`: malformed duration"),
        ("policy", "  channel_prefix: inc", "  channel_prefx: inc", "policy.yaml:5: unknown key `channel_prefx`"),
        ("policy", 'announce_channel: "#incidents"', 'announce_channel: "#Incidents!"',
         "policy.yaml:3: `#Incidents!` is not a channel"),
        ("policy", "approvers: [U0APPROVER]", "approvers: [bob]", "policy.yaml:6: `bob` is not a person"),
        ("policy", "min_severity: P2", "min_severity: P7", "policy.yaml:20: unknown severity `P7`"),
        ("policy", "page: [liaison], thread", "page: [liason], thread",
         "policy.yaml:21: page target `liason` is neither"),
        ("policy", "{after: 10m,", "{after: soon,", "policy.yaml:25: `after`: malformed duration"),
        ("services", "    manager: U0IDMGR\n", "    manager: U0IDMGR\n    manager: U0OTHER\n",
         "services.yaml:5: duplicate key `manager`"),
        ("services", "timezone: America/New_York", "timezone: Mars/Olympus",
         "services.yaml:6: unknown time zone `Mars/Olympus`"),
        ("services", 'handoff: "tue 10:00"', 'handoff: "tuesday 10am"', "services.yaml:7: handoff"),
        ("services", "team: storefront, depends_on: [payments]", "team: shop, depends_on: [payments]",
         "services.yaml:29: unknown team `shop`"),
        ("services", "depends_on: [payments]}", "depends_on: [paymnts]}",
         "services.yaml:29: unknown service `paymnts`. Did you mean `payments`?"),
        ("services", "depends_on: []}", "depends_on: [checkout]}",
         "services.yaml:27: dependency cycle: auth -> checkout -> payments -> auth"),
        ("accounts", "uses: [search]", "uses: [serch]", "accounts.yaml:23: unknown service `serch`"),
        ("accounts", "dependence: standard", "dependence: vital", "accounts.yaml:22: unknown dependence `vital`"),
        ("accounts", "    arr: 20000\n", "    arr: lots\n", "accounts.yaml:20: `accounts.initech.arr`"),
        ("accounts", "    users: 300\n", "", "accounts.yaml:18: `accounts.initech.users` is required"),
        ("accounts", "channel: \"#acct-acme\"", "channel: acct acme", "accounts.yaml:10: `acct acme` is not a channel"),
        ("accounts", "    liaison: U0CS2", "    liaison: U0CS2\n    tier: 7", "accounts.yaml:18: tier 7 is not defined"),
        ("accounts", "    name: Acme Corp", "    name: [Acme", "accounts.yaml:4: not valid YAML"),
    ],
)
def test_each_error_names_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, expected: str
) -> None:
    errors = _errors(_copy(tmp_path, **{file: (old, new)}))
    assert any(error.startswith(expected) for error in errors), errors


def test_all_errors_are_reported_together(tmp_path: Path) -> None:
    directory = _copy(
        tmp_path,
        policy=("min_severity: P2", "min_severity: P7"),
        accounts=("uses: [search]", "uses: [serch]"),
    )
    errors = _errors(directory)
    assert len(errors) == 2


def test_override_must_end_after_it_starts(tmp_path: Path) -> None:
    directory = _copy(
        tmp_path,
        services=(
            "rotation: [U0PAY1, U0PAY2, U0PAY3]",
            "rotation: [U0PAY1, U0PAY2, U0PAY3]\n      overrides:\n"
            '        - {user: U0PAY4, from: "2026-12-27T00:00", to: "2026-12-24T00:00"}',
        ),
    )
    assert any("services.yaml:19: override `from` must be before `to`" in e for e in _errors(directory))


def test_missing_file_is_named(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "services.yaml").unlink()
    assert any(e.startswith("services.yaml:1: missing") for e in _errors(directory))


def test_accounts_csv_is_accepted(tmp_path: Path) -> None:
    directory = _copy(tmp_path)
    (directory / "accounts.csv").write_text(
        "id,name,arr,users,dependence,uses,liaison\n"
        "umbrella,Umbrella,800000,20000,critical,checkout;search,U0CS9\n"
        "hooli,Hooli,10,10,standard,serch,\n"
    )
    errors = _errors(directory)
    assert errors == ["accounts.csv:3: unknown service `serch`. Did you mean `search`?"]
    (directory / "accounts.csv").write_text(
        "id,name,arr,users,dependence,uses,liaison\n"
        "umbrella,Umbrella,800000,20000,critical,checkout;search,U0CS9\n"
    )
    catalog = load_catalog(directory)
    assert catalog.accounts["umbrella"].uses == ("checkout", "search")
    assert len(catalog.accounts) == 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [("45s", timedelta(seconds=45)), ("5m", timedelta(minutes=5)), ("1h", timedelta(hours=1)),
     ("1h30m", timedelta(minutes=90)), ("2d", timedelta(days=2))],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert format_duration(expected) == text


@pytest.mark.parametrize("text", ["", "5", "m5", "5 m", "1h1h", "30m1h", "0m", "-5m", "1.5h"])
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(text)
