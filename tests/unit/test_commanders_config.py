"""`workspace.commanders`, `workspace.mitigations` and the `commander` page target (SPEC 3, 5.10)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.routing.assessment import RoutingIndex, assess
from app.routing.targets import page_targets
from tests.unit.test_catalog import _errors, _write

COMMANDERS = "  execs: [U0EXEC]\n"


def _with(tmp_path: Path, policy: tuple[str, str]) -> Path:
    return _write(tmp_path, {"policy": policy})


ROSTER_TEAM = """\
  command:
    name: Incident command
    oncall:
      timezone: Europe/London
      handoff: "mon 09:00"
      start: "2026-01-05"
      rotation: [U0CMD1, U0CMD2]
services:
"""


def test_a_team_roster_pages_its_on_call_as_commander(tmp_path: Path) -> None:
    directory = _write(
        tmp_path,
        {
            "policy": ("page: [oncall, manager, exec]}", "page: [oncall, commander]}"),
            "services": ("services:\n", ROSTER_TEAM),
        },
    )
    policy = directory / "policy.yaml"
    policy.write_text(
        policy.read_text().replace(
            COMMANDERS, COMMANDERS + "  commanders: team:command\n  mitigations: {expires: 45m}\n"
        )
    )
    catalog = load_catalog(directory)
    workspace = catalog.policy.workspace
    assert workspace.commanders_team == "command"
    assert workspace.mitigation_expires == timedelta(minutes=45)
    assert not [w for w in catalog.warnings if "owns no service" in w]  # a roster
    impact = assess(RoutingIndex.build(catalog), "SEV1", ["auth"], [])
    week_one, week_two = (
        page_targets(catalog, impact, datetime(2026, 1, day, 12, tzinfo=UTC)) for day in (6, 13)
    )
    assert week_one.target("U0CMD1") is not None and week_one.target("U0CMD2") is None
    assert week_two.target("U0CMD2") is not None
    assert "on-call commander (Incident command)" in week_two.target("U0CMD2").reasons  # type: ignore[union-attr]


def test_commanders_listed_by_person(tmp_path: Path) -> None:
    catalog = load_catalog(
        _with(tmp_path, (COMMANDERS, COMMANDERS + "  commanders: [U0BOSS, ic@example.com]\n"))
    )
    assert catalog.policy.workspace.commanders == ("U0BOSS", "ic@example.com")
    assert catalog.policy.workspace.commanders_team is None
    assert catalog.policy.workspace.mitigation_expires == timedelta(minutes=30)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        pytest.param(
            "  commanders: team:comand\n",
            "policy.yaml:7: unknown team `comand`",
            id="unknown-team",
        ),
        pytest.param(
            "  commanders: team:storefront\n",
            "policy.yaml:7: team `storefront` has no on-call rotation: it cannot be the"
            " commanders roster",
            id="team-without-rotation",
        ),
        pytest.param(
            "  commanders: incident-command\n",
            "policy.yaml:7: `workspace.commanders`: `incident-command` is not a roster:"
            " write `team:<team id>` or a list of people",
            id="not-a-roster",
        ),
        pytest.param(
            "  commanders: [bob]\n",
            "policy.yaml:7: `workspace.commanders`: `bob` is not a person",
            id="not-a-person",
        ),
        pytest.param(
            "  mitigations: {expires: soon}\n",
            "policy.yaml:7: `workspace.mitigations.expires`: malformed duration `soon`",
            id="expires",
        ),
    ],
)
def test_roster_errors_name_file_and_line(tmp_path: Path, policy: str, expected: str) -> None:
    errors = _errors(_with(tmp_path, (COMMANDERS, COMMANDERS + policy)))
    assert len(errors) == 1 and errors[0].startswith(expected), errors


def test_commander_target_needs_a_roster_team(tmp_path: Path) -> None:
    errors = _errors(
        _with(tmp_path, ("page: [oncall, manager, exec]}", "page: [oncall, commander]}"))
    )
    assert errors == [
        "policy.yaml:9: page target `commander` needs `workspace.commanders: team:<id>`"
        " (its on-call is the commander paged)"
    ]
