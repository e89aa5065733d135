"""`beacon check-config --slack` against a strict fake workspace seeded wrong in every way."""

from __future__ import annotations

from app.sandbox.scopes import manifest_scopes
from tests.e2e.conftest import FIXTURE_CONFIG
from tests.e2e.test_cli import beacon
from tests.fakes.slack_api import FakeSlack


def check(slack: FakeSlack) -> tuple[int, str]:
    result = beacon(
        "check-config",
        "--slack",
        str(FIXTURE_CONFIG),
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_API_URL=slack.url,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout


def test_a_workspace_set_up_right_passes() -> None:
    with FakeSlack(
        channels=("incidents", "cs-incidents", "acct-acme"), users={"dana@example.com": "U0DANA"}
    ) as slack:
        code, out = check(slack)
    assert code == 0, out
    assert "every person an active member" in out


def test_each_problem_is_reported_where_it_is_configured_with_its_fix() -> None:
    with FakeSlack(
        channels=("incidents",), users={}, scopes=manifest_scopes() - {"im:history"}
    ) as slack:
        slack.add_channel("cs-incidents", is_private=True)  # Beacon never invited
        slack.add_user("cs1@example.com", "U0CS1", is_restricted=True)
        slack.add_user("vp1@example.com", "U0VP1", deleted=True)
        slack.add_user("exec@example.com", "U0EXEC", is_bot=True)
        code, out = check(slack)
    assert code == 1
    lines = out.splitlines()

    def problem(prefix: str) -> str:
        found = [i for i, line in enumerate(lines) if line.startswith(prefix)]
        assert found, f"no `{prefix}` in:\n{out}"
        return lines[found[0]] + "\n" + lines[found[0] + 1]

    assert "lacks the scope(s) im:history" in problem("manifest.yml:")
    private = problem("policy.yaml:4: channel #cs-incidents")
    assert "`/invite @Beacon` in #cs-incidents" in private
    assert "create it or correct the name" in problem("accounts.yaml:10: channel #acct-acme")
    unknown = problem("services.yaml:12: dana@example.com (manager of Payments)")
    assert "not an active member" in unknown and "fix:" in unknown
    assert "a guest account" in problem("accounts.yaml:8: U0CS1 (liaison of Acme Corp)")
    assert "a deactivated account" in problem("accounts.yaml:9: U0VP1")
    assert "a bot user" in problem("policy.yaml:7: U0EXEC")
