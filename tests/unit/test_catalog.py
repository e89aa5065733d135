"""Loading and validating the configuration: every problem as ``file:line: message``, all at once.

Each error case edits one line of a small valid configuration (below, so the line numbers in
the expectations can be checked by eye) and asserts the complete list of reported issues.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from app.catalog import fastyaml
from app.catalog.durations import format_duration, parse_duration
from app.catalog.errors import ConfigError, ConfigIssue
from app.catalog.loader import load_catalog
from app.catalog.sources import Source, _plain
from app.config_summary import summarize
from app.routing.impact import account_tier

ROOT = Path(__file__).resolve().parents[2]

POLICY = """\
workspace:
  announce_channel: "#incidents"
  cs_channel: "#cs-incidents"
  channel_prefix: inc
  approvers: [U0APPROVER]
  execs: [U0EXEC]
  remind_before: 5m
severities:
  SEV1: {label: Critical, ack_within: 5m, update_every: 30m, page: [oncall, manager, exec]}
  SEV2: {label: Major, ack_within: 15m, update_every: 1h, page: [oncall, manager]}
  SEV3: {label: Minor, ack_within: 1h, update_every: 4h, page: [oncall]}
  SEV4: {label: Low, ack_within: 4h, update_every: null, page: []}
impact_matrix:
  value: {high: 500000, medium: 100000}
  exposure: {high: 10000, medium: 1000}
  dependence: {critical: 3, high: 2, standard: 1}
  tiers: {1: 8, 2: 6, 3: 0}
tiers:
  1: {min_severity: SEV2, update_every: 15m, page: [liaison, exec_sponsor], thread: true}
  2: {update_every: 30m, page: [liaison], thread: true}
  3: {thread: false}
escalation:
  - {after: ack_within, page: [secondary, manager]}
  - {after: 10m, page: [exec]}
webhooks:
  - {url: "https://status.example.com/hooks/beacon", secret_env: STATUS_WEBHOOK_SECRET}
pagerduty:
  routing_key_env: PAGERDUTY_ROUTING_KEY
"""

SERVICES = """\
teams:
  identity:
    name: Identity
    manager: U0IDMGR
    oncall:
      timezone: America/New_York
      handoff: "tue 10:00"
      start: "2026-01-06"
      rotation: [U0ID1, U0ID2]
  payments:
    name: Payments
    manager: dana@example.com
    oncall:
      timezone: Europe/Berlin
      handoff: "mon 09:00"
      start: 2026-01-05
      rotation: [U0PAY1, U0PAY2, U0PAY3]
      overrides:
        - {user: U0PAY4, from: "2026-12-24T00:00", to: "2026-12-27T00:00"}
  storefront:
    name: Storefront
    manager: U0SHOPMGR
services:
  auth: {name: Sign-in, team: identity, depends_on: []}
  payments: {name: Payments, team: payments, depends_on: [auth], runbook: "https://wiki.example.com/p"}
  checkout: {name: Checkout, team: storefront, depends_on: [payments]}
  search:
    name: Product search
    team: storefront
    depends_on:
      - auth
"""

ACCOUNTS = """\
accounts:
  acme:
    name: Acme Corp
    arr: 1200000
    users: 25000
    dependence: critical
    uses: [checkout, payments]
    liaison: U0CS1
    exec_sponsor: U0VP1
    channel: "#acct-acme"
  globex:
    name: Globex
    arr: 200000
    users: 5000
    dependence: high
    uses: [search]
    liaison: U0CS2
  initech:
    name: Initech
    arr: 20000
    users: 300
    dependence: standard
    uses: [search]
"""

FILES = {"policy": POLICY, "services": SERVICES, "accounts": ACCOUNTS}
CYCLE_PATH = "auth -> checkout -> payments -> auth"


def _write(directory: Path, edits: dict[str, tuple[str, str]] | None = None) -> Path:
    """The base configuration in ``directory``, with ``{file: (old, new)}`` edits applied once."""
    for stem, text in FILES.items():
        if edits and stem in edits:
            old, new = edits[stem]
            assert text.count(old) == 1, old
            text = text.replace(old, new)
        (directory / f"{stem}.yaml").write_text(text)
    return directory


def _errors(directory: Path) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_catalog(directory)
    return [str(issue) for issue in raised.value.issues]


# The example configuration


def test_example_config_loads_and_is_summarised() -> None:
    catalog = load_catalog(ROOT / "config")
    assert len(catalog.services) == 8
    assert len(catalog.teams) == 6  # five owning services, and the incident-command roster
    assert catalog.policy.workspace.commanders_team == "incident-command"
    assert len(catalog.accounts) == 30
    assert catalog.warnings == ()
    matrix = catalog.policy.impact_matrix
    tier_one = sorted(a.id for a in catalog.accounts.values() if account_tier(a, matrix) == 1)
    assert tier_one == ["acme", "globex", "initech", "stark", "umbrella", "wayne"]
    summary = summarize(catalog, {})
    assert "services:   8" in summary
    assert "teams:      6 (6 with an on-call rotation)" in summary
    assert (
        "SEV1 Critical: ack within 5m, updates every 30m, pages oncall, manager, exec," in summary
    )
    assert "    Tier 1: 6\n    Tier 2: 9\n    Tier 3: 15" in summary
    assert "severities: 4" in summary
    assert "SEV4 Low: ack within 4h, no update cadence, pages nobody" in summary
    assert "announce #incidents, CS #cs-incidents (2 account(s) with their own)" in summary
    assert "Warnings" not in summary
    assert "PagerDuty configured but PAGERDUTY_ROUTING_KEY is unset" in summary
    keyed = summarize(catalog, {"PAGERDUTY_ROUTING_KEY": "r0ut1ng"})
    assert "PagerDuty configured, routing key from PAGERDUTY_ROUTING_KEY" in keyed
    assert "r0ut1ng" not in keyed


def test_base_config_loads_into_typed_objects(tmp_path: Path) -> None:
    catalog = load_catalog(_write(tmp_path))
    policy = catalog.policy
    assert [(s.id, s.rank) for s in policy.severities] == [
        ("SEV1", 0),
        ("SEV2", 1),
        ("SEV3", 2),
        ("SEV4", 3),
    ]
    assert policy.severity("SEV4").update_every is None
    assert policy.severity("SEV1").page == ("oncall", "manager", "exec")
    assert policy.impact_matrix.dependence == (("critical", 3), ("high", 2), ("standard", 1))
    assert policy.impact_matrix.tiers == ((1, 8), (2, 6), (3, 0))
    assert policy.tier_rule(1).min_severity == "SEV2"
    assert policy.tier_rule(1).update_every == timedelta(minutes=15)
    assert policy.tier_rule(3).thread is False
    assert [level.after for level in policy.escalation] == ["ack_within", timedelta(minutes=10)]
    assert policy.webhooks[0].secret_env == "STATUS_WEBHOOK_SECRET"
    assert policy.pagerduty is not None
    assert policy.workspace.remind_before == timedelta(minutes=5)
    oncall = catalog.teams["payments"].oncall
    assert oncall is not None
    assert (oncall.handoff_weekday, oncall.handoff_time) == (0, clock(9, 0))
    assert oncall.start == date(2026, 1, 5)
    assert oncall.overrides[0].start == datetime(2026, 12, 24)
    assert oncall.overrides[0].end == datetime(2026, 12, 27)
    assert catalog.teams["storefront"].oncall is None
    assert catalog.services["search"].depends_on == ("auth",)
    assert catalog.services["payments"].runbook == "https://wiki.example.com/p"
    assert catalog.accounts["acme"].channel == "#acct-acme"
    tiers = {a.id: account_tier(a, policy.impact_matrix) for a in catalog.accounts.values()}
    assert tiers == {"acme": 1, "globex": 2, "initech": 3}
    assert catalog.templates_dir is None
    assert catalog.warnings == (
        "services.yaml:20: team `storefront` has no on-call rotation: `oncall` pages reach nobody",
    )
    assert "Warnings (1):\n  services.yaml:20: team `storefront`" in summarize(catalog, {})


def test_templates_dir_is_found(tmp_path: Path) -> None:
    (_write(tmp_path) / "templates").mkdir()
    assert load_catalog(tmp_path).templates_dir == tmp_path / "templates"


# One problem at a time, with its line

DURATION_HELP = (
    "write whole numbers with units d, h, m, s, largest first, like 45s, 5m, 1h30m or 2d"
)
NOT_A_PERSON = "is not a person: use a Slack user id (U…/W…, e.g. U0123ABCD) or an email address"


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        pytest.param(
            "accounts",
            "    name: Acme Corp",
            "    name: [Acme Corp",
            [
                "accounts.yaml:4: not valid YAML: expected ',' or ']', but got ':'"
                " (while parsing a flow sequence started at line 3)"
            ],
            id="yaml-syntax",
        ),
        pytest.param(
            "services",
            "    manager: U0IDMGR\n",
            "    manager: U0IDMGR\n    manager: U0OTHER\n",
            ["services.yaml:5: duplicate key `manager`"],
            id="duplicate-key",
        ),
        pytest.param(
            "policy",
            "{label: Low,",
            "{label: Low, label: Lower,",
            ["policy.yaml:12: duplicate key `label`"],
            id="duplicate-key-found-by-ruamel",
        ),
        pytest.param(
            "policy",
            "severities:\n",
            "severities:\n  SEV0: {label: Outage, ack_within: 1m, colour: red}\n",
            [
                "policy.yaml:9: unknown key `colour` in `severities.SEV0`"
                " (allowed: label, ack_within, update_every, page)"
            ],
            id="unknown-key",
        ),
        pytest.param(
            "policy",
            "  channel_prefix: inc",
            "  channel_prefx: inc",
            [
                "policy.yaml:1: `workspace.channel_prefix` is required",
                "policy.yaml:4: unknown key `channel_prefx` in `workspace`."
                " Did you mean `channel_prefix` or `cs_channel`?",
            ],
            id="misspelt-key",
        ),
        pytest.param(
            "accounts",
            "    users: 25000\n",
            "",
            ["accounts.yaml:2: `accounts.acme.users` is required"],
            id="missing-key",
        ),
        pytest.param(
            "accounts",
            "    arr: 20000\n",
            "    arr: lots\n",
            ["accounts.yaml:20: `accounts.initech.arr`: expected a whole number, got `lots`"],
            id="wrong-type",
        ),
        pytest.param(
            "services",
            "rotation: [U0ID1, U0ID2]",
            "rotation: U0ID1",
            ["services.yaml:9: `teams.identity.oncall.rotation`: expected a list, got `U0ID1`"],
            id="wrong-type-list",
        ),
        pytest.param(
            "policy",
            "remind_before: 5m",
            "remind_before: 5 minutes",
            [
                "policy.yaml:7: `workspace.remind_before`: malformed duration `5 minutes`: "
                + DURATION_HELP
            ],
            id="duration",
        ),
        pytest.param(
            "policy",
            "ack_within: 15m",
            "ack_within: 15",
            [
                "policy.yaml:10: `severities.SEV2.ack_within`: malformed duration `15`:"
                " add a unit, e.g. 15m or 15s"
            ],
            id="duration-without-unit",
        ),
        pytest.param(
            "policy",
            "{after: 10m,",
            "{after: soon,",
            [
                "policy.yaml:24: `escalation[1].after`: malformed duration `soon`: "
                + DURATION_HELP
                + " (or ack_within: the severity's own ack time)"
            ],
            id="escalation-after",
        ),
        pytest.param(
            "policy",
            "approvers: [U0APPROVER]",
            "approvers: [U0APPROVER, bob]",
            [f"policy.yaml:5: `workspace.approvers[1]`: `bob` {NOT_A_PERSON}"],
            id="person-in-list",
        ),
        pytest.param(
            "services",
            "manager: U0SHOPMGR",
            "manager: shop manager",
            [f"services.yaml:22: `teams.storefront.manager`: `shop manager` {NOT_A_PERSON}"],
            id="person",
        ),
        pytest.param(
            "accounts",
            'channel: "#acct-acme"',
            'channel: "#Acct Acme"',
            [
                "accounts.yaml:10: `accounts.acme.channel`: `#Acct Acme` is not a channel:"
                " Slack names allow lowercase letters, digits, - and _ (at most 80)"
            ],
            id="channel-name",
        ),
        pytest.param(
            "policy",
            'announce_channel: "#incidents"',
            "announce_channel: incidents",
            [
                "policy.yaml:2: `workspace.announce_channel`: `incidents` is not a channel:"
                " use #name or a channel id (C…/G…)"
            ],
            id="channel",
        ),
        pytest.param(
            "policy",
            "min_severity: SEV2",
            "min_severity: SEV7",
            ["policy.yaml:19: unknown severity `SEV7`. Did you mean `SEV4` or `SEV3` or `SEV2`?"],
            id="min-severity",
        ),
        pytest.param(
            "policy",
            "page: [liaison], thread",
            "page: [liason], thread",
            [
                "policy.yaml:20: `tiers.2.page[0]`: page target `liason` is neither one of"
                " oncall, secondary, manager, exec, liaison, exec_sponsor, commander nor a person"
                " (Slack user id or email). Did you mean `liaison`?"
            ],
            id="page-target",
        ),
        pytest.param(
            "services",
            "team: storefront, depends_on: [payments]",
            "team: shop, depends_on: [payments]",
            ["services.yaml:26: unknown team `shop` (known: identity, payments, storefront)"],
            id="dangling-team",
        ),
        pytest.param(
            "services",
            "      - auth",
            "      - auht",
            ["services.yaml:31: unknown service `auht`. Did you mean `auth`?"],
            id="dangling-dependency",
        ),
        pytest.param(
            "accounts",
            "uses: [search]\n    liaison: U0CS2",
            "uses: [serch]\n    liaison: U0CS2",
            ["accounts.yaml:16: unknown service `serch`. Did you mean `search`?"],
            id="dangling-uses",
        ),
        pytest.param(
            "services",
            "depends_on: []}",
            "depends_on: [checkout]}",
            [f"services.yaml:24: dependency cycle: {CYCLE_PATH}"],
            id="cycle",
        ),
        pytest.param(
            "services",
            "timezone: Europe/Berlin",
            "timezone: Mars/Olympus",
            [
                "services.yaml:14: `teams.payments.oncall.timezone`: unknown time zone"
                " `Mars/Olympus`: use an IANA name such as Europe/Berlin"
            ],
            id="time-zone",
        ),
        pytest.param(
            "services",
            'handoff: "mon 09:00"',
            'handoff: "monday 9am"',
            [
                "services.yaml:15: `teams.payments.oncall.handoff`: handoff `monday 9am` must be"
                ' a three-letter weekday and a 24-hour time, e.g. "mon 09:00"'
            ],
            id="handoff",
        ),
        pytest.param(
            "services",
            'from: "2026-12-24T00:00", to: "2026-12-27T00:00"',
            'from: "2026-12-27T00:00", to: "2026-12-24T00:00"',
            [
                "services.yaml:19: `teams.payments.oncall.overrides[0]`: override `from`"
                " (2026-12-27T00:00) must be before `to` (2026-12-24T00:00)"
            ],
            id="override-order",
        ),
        pytest.param(
            "accounts",
            "dependence: standard",
            "dependence: vital",
            ["accounts.yaml:22: unknown dependence `vital`. Did you mean `critical`?"],
            id="dependence",
        ),
        pytest.param(
            "accounts",
            "    uses: [search]\n    liaison: U0CS2\n",
            "    uses: [search]\n    liaison: U0CS2\n    tier: 7\n",
            ["accounts.yaml:18: tier 7 is not defined in `impact_matrix.tiers`"],
            id="account-tier",
        ),
        pytest.param(
            "policy",
            "  3: {thread: false}",
            "  4: {thread: false}",
            ["policy.yaml:21: tier 4 is not defined in `impact_matrix.tiers`"],
            id="tier-rule",
        ),
        pytest.param(
            "policy",
            "value: {high: 500000",
            "value: {high: 50000",
            [
                "policy.yaml:14: `impact_matrix.value`: `high` (50000) must be at least"
                " `medium` (100000)"
            ],
            id="matrix-order",
        ),
        pytest.param(
            "policy",
            "  SEV4: {label: Low, ack_within: 4h, update_every: null, page: []}\n",
            "  SEV 4: {label: Low, ack_within: 4h, update_every: null, page: []}\n",
            [
                "policy.yaml:12: `severities.SEV 4`: `SEV 4` is not a valid id:"
                " use letters, digits, -, _ and . (no spaces)"
            ],
            id="id",
        ),
    ],
)
def test_each_error_names_file_and_line(
    tmp_path: Path, file: str, old: str, new: str, expected: list[str]
) -> None:
    assert _errors(_write(tmp_path, {file: (old, new)})) == expected


def test_people_may_be_emails_or_user_ids_and_page_literal_users(tmp_path: Path) -> None:
    directory = _write(
        tmp_path,
        {"policy": ("page: [exec]}", "page: [W0ONCALL, vp.ops@example.com]}")},
    )
    levels = load_catalog(directory).policy.escalation
    assert levels[1].page == ("W0ONCALL", "vp.ops@example.com")


def test_every_error_is_reported_in_one_pass(tmp_path: Path) -> None:
    directory = _write(
        tmp_path,
        {
            "policy": ("min_severity: SEV2", "min_severity: SEV7"),
            "services": ("depends_on: []}", "depends_on: [checkout]}"),
            "accounts": ("    arr: 20000\n", "    arr: lots\n"),
        },
    )
    (directory / "services.yaml").write_text(
        (directory / "services.yaml").read_text().replace("Europe/Berlin", "Mars/Olympus")
    )
    errors = _errors(directory)
    assert [error.split(": ", 1)[0] for error in errors] == [
        "policy.yaml:19",
        "services.yaml:14",
        "services.yaml:24",
        "accounts.yaml:20",
    ]


def test_a_broken_file_does_not_hide_the_others(tmp_path: Path) -> None:
    directory = _write(tmp_path, {"services": ("teams:\n", "teams: [\n")})
    (directory / "accounts.yaml").write_text(ACCOUNTS.replace("arr: 20000\n", "arr: -1\n"))
    errors = _errors(directory)
    assert len(errors) == 2
    assert errors[0].startswith("services.yaml:3: not valid YAML:")
    assert errors[1] == "accounts.yaml:20: `accounts.initech.arr`: must be at least 0, got `-1`"


def test_missing_files_are_named(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    (directory / "services.yaml").unlink()
    (directory / "accounts.yaml").unlink()
    errors = _errors(directory)
    assert errors == [
        f"services.yaml: file not found: {directory / 'services.yaml'}",
        f"accounts.yaml: file not found: {directory / 'accounts.yaml'}"
        " (or accounts.csv with the same columns)",
    ]
    assert _errors(tmp_path / "nowhere") == [
        f"{tmp_path / 'nowhere'}: configuration directory not found"
    ]


def test_issue_text() -> None:
    assert str(ConfigIssue("policy.yaml", 7, "bad")) == "policy.yaml:7: bad"
    assert str(ConfigIssue("policy.yaml", 0, "missing")) == "policy.yaml: missing"
    assert "policy.yaml:7: bad" in str(ConfigError([ConfigIssue("policy.yaml", 7, "bad")]))


def test_an_empty_file_is_reported(tmp_path: Path) -> None:
    (_write(tmp_path) / "policy.yaml").write_text("# nothing yet\n")
    assert _errors(tmp_path) == [
        "policy.yaml:1: the file: expected a mapping (key: value), got nothing"
    ]


# accounts.csv

CSV_HEADER = "id,name,arr,users,dependence,uses,liaison,tier\n"


def test_accounts_csv_instead_of_yaml(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    (directory / "accounts.yaml").unlink()
    (directory / "accounts.csv").write_text(
        CSV_HEADER
        + "umbrella,Umbrella Retail,800000,20000,critical,checkout;search,U0CS9,\n"
        + "\n"
        + 'hooli,"Hooli, Inc.",10,10,standard,search  auth,,2\n'
    )
    accounts = load_catalog(directory).accounts
    assert accounts["umbrella"].uses == ("checkout", "search")
    assert accounts["umbrella"].arr == 800000
    assert accounts["umbrella"].tier is None
    assert accounts["hooli"].name == "Hooli, Inc."
    assert accounts["hooli"].uses == ("search", "auth")
    assert accounts["hooli"].liaison is None
    assert accounts["hooli"].tier == 2


def test_accounts_csv_errors_carry_csv_lines(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    (directory / "accounts.csv").write_text(
        CSV_HEADER
        + "umbrella,Umbrella,lots,20000,critical,checkout;serch,bob,\n"
        + "\n"
        + "hooli,Hooli,10,10,vital,search,,\n"
        + "umbrella,Umbrella again,1,1,high,,,\n"
        + "globex,Globex twice,1,1,high,,,\n"
    )
    assert _errors(directory) == [
        "accounts.csv:2: `accounts.umbrella.arr`: expected a whole number, got `lots`",
        f"accounts.csv:2: `accounts.umbrella.liaison`: `bob` {NOT_A_PERSON}",
        "accounts.csv:2: unknown service `serch`. Did you mean `search`?",
        "accounts.csv:4: unknown dependence `vital`. Did you mean `critical`?",
        "accounts.csv:5: duplicate account `umbrella` (first at line 2)",
        "accounts.csv:6: duplicate account `globex` (also defined at accounts.yaml:11)",
    ]


def test_accounts_csv_unknown_column(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    (directory / "accounts.csv").write_text("id,name,colour\nx,X,red\n")
    assert _errors(directory) == [
        "accounts.csv:1: unknown column `colour` (columns: id, name, arr, users, dependence,"
        " uses, liaison, exec_sponsor, channel, tier, contacts)"
    ]


def test_accounts_from_yaml_and_csv_are_merged(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    (directory / "accounts.csv").write_text(CSV_HEADER + "hooli,Hooli,10,10,standard,search,,\n")
    assert sorted(load_catalog(directory).accounts) == ["acme", "globex", "hooli", "initech"]


# The fast reader must read exactly what ruamel reads


def _ruamel(text: str) -> tuple[object, dict[tuple[object, ...], int]]:
    source = Source("x.yaml", None)
    source.data = _plain(YAML(typ="rt").load(text), (), source.lines)
    return source.data, dict(source.lines)


@pytest.mark.parametrize(
    "text",
    [
        POLICY,
        ACCOUNTS,
        *(ROOT / "config" / name for name in ("policy.yaml", "accounts.yaml")),
        "a:\n  - x # comment\n  - 'it''s'\n  - \"#q\"\nb: {k: [1, -2, 3.5], 'q': true}\nc: ~\n",
        "a:\n- x\n- y\nb: 2\nc: # nothing\nd: 2026-01-05\ne: https://x.example/a#b\n",
    ],
)
def test_fast_reader_agrees_with_ruamel(text: str | Path) -> None:
    if isinstance(text, Path):
        text = text.read_text()
    data, lines = fastyaml.load(text)
    assert (data, dict(lines)) == _ruamel(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: b: c\n",
        "a: [1, 2\n",
        "a: &x 1\nb: *x\n",
        "a:\n\t- x\n",
        "- a\n",
        "n: 012\n",
        "c: 1_000\n",
        "b: 2026-01-05T10:00:00\n",
        "a: |\n  block\n",
        "a: plain\n  continued\n",
        "a:\n  - k: v\n",
    ],
)
def test_fast_reader_hands_the_unusual_and_the_invalid_to_ruamel(text: str) -> None:
    with pytest.raises(fastyaml.Unsupported):
        fastyaml.load(text)


def test_fast_reader_reports_a_repeated_key_itself() -> None:
    with pytest.raises(fastyaml.DuplicateKey) as raised:
        fastyaml.load("a:\n  b: 1\n  c: 2\n  b: 3\n")
    assert (raised.value.key, raised.value.line) == ("b", 4)


def test_anchors_and_merge_keys_still_load(tmp_path: Path) -> None:
    directory = _write(tmp_path)
    (directory / "accounts.yaml").write_text(
        "accounts:\n"
        "  a1: &small {name: A1, arr: 1, users: 1, dependence: standard}\n"
        "  a2:\n"
        "    <<: *small\n"
        "    name: A2\n"
        "    arr: [1]\n"
    )
    assert _errors(directory) == [
        "accounts.yaml:6: `accounts.a2.arr`: expected a whole number, got a list"
    ]


def test_ten_thousand_accounts_load(tmp_path: Path) -> None:
    """How fast is bench/routing.py's business; the suite checks that every row arrives."""
    rows = ["accounts:"]
    for n in range(10_000):
        rows += [
            f"  acct-{n}:",
            f"    name: Account {n}",
            f"    arr: {n * 37 % 900_000}",
            f"    users: {n * 13 % 20_000}",
            "    dependence: high",
            "    uses: [checkout, search]",
            f"    liaison: U0CS{n % 9}",
            '    channel: "#acct-x"' if n % 10 == 0 else "    exec_sponsor: vp@example.com",
        ]
    _write(tmp_path)
    (tmp_path / "accounts.yaml").write_text("\n".join(rows) + "\n")
    catalog = load_catalog(tmp_path)
    assert len(catalog.accounts) == 10_000
    assert catalog.accounts["acct-10"].channel == "#acct-x"


# Durations


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45s", timedelta(seconds=45)),
        ("5m", timedelta(minutes=5)),
        ("1h", timedelta(hours=1)),
        ("1h30m", timedelta(minutes=90)),
        ("2d", timedelta(days=2)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_parse_and_format_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected
    assert format_duration(expected) == text


def test_format_duration_normalises() -> None:
    assert format_duration(timedelta(minutes=90)) == "1h30m"
    assert format_duration(timedelta(seconds=59.9)) == "59s"
    assert format_duration(timedelta(0)) == "0s"
    assert format_duration(timedelta(minutes=-5)) == "-5m"


@pytest.mark.parametrize(
    "text", ["", " ", "5", "m5", "5 m", "5min", "1h1h", "30m1h", "-5m", "1.5h", "0m", "1H"]
)
def test_malformed_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="duration `"):
        parse_duration(text)
