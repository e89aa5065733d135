"""`status_page:`, `email:`, `contacts` and a tier's `email: true` (SPEC section 3): loaded as
written, and every mistake reported with its file and line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from app.catalog.loader import load_catalog
from tests.unit.test_catalog import _errors, _write

BLOCKS = """\
status_page:
  title: Northwind Cloud status
  public: false
  components: [checkout, auth]
  history: 7d
  secret_env: BEACON_STATUS_SECRET
  allow_origins: ["https://app.example.com"]
email:
  smtp_url_env: BEACON_SMTP_URL
  from: "Northwind status <status@example.com>"
"""
ANCHOR = "pagerduty:\n  routing_key_env: PAGERDUTY_ROUTING_KEY\n"
TIER = "  2: {update_every: 30m, page: [liaison], thread: true}"
CHANNEL = '    channel: "#acct-acme"\n'


def _config(
    tmp_path: Path,
    blocks: str = BLOCKS,
    tier: str = "thread: true, email: true}",
    contacts: str = "[ops@acme.example]",
) -> Path:
    directory = _write(
        tmp_path,
        {
            "policy": (ANCHOR, ANCHOR + blocks),
            "accounts": (CHANNEL, CHANNEL + f"    contacts: {contacts}\n"),
        },
    )
    policy = directory / "policy.yaml"
    policy.write_text(policy.read_text().replace(TIER, TIER.replace("thread: true}", tier)))
    return directory


def test_blocks_load_as_written(tmp_path: Path) -> None:
    catalog = load_catalog(_config(tmp_path))
    page = catalog.policy.status_page
    assert page is not None
    assert (page.title, page.public, page.components) == (
        "Northwind Cloud status",
        False,
        ("checkout", "auth"),
    )
    assert page.history == timedelta(days=7)
    assert page.allow_origins == ("https://app.example.com",)
    assert catalog.policy.email is not None
    assert catalog.policy.email.sender == "Northwind status <status@example.com>"
    assert catalog.policy.tier_rule(2).email and not catalog.policy.tier_rule(1).email
    assert catalog.accounts["acme"].contacts == ("ops@acme.example",)


def _line(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_mistakes_are_reported_with_file_and_line(tmp_path: Path) -> None:
    blocks = (
        BLOCKS.replace("[checkout, auth]", "[checkout, autth]")
        .replace("https://app.example.com", "https://app.example.com/")
        .replace("7d", "7")
        .replace("Northwind status <status@example.com>", "not a sender")
    )
    directory = _config(tmp_path, blocks, contacts="[ops-at-acme]")
    policy, accounts = directory / "policy.yaml", directory / "accounts.yaml"
    errors = _errors(directory)
    assert errors == [
        f"policy.yaml:{_line(policy, 'autth')}: unknown service `autth`. Did you mean `auth`?",
        f"policy.yaml:{_line(policy, 'history')}: `status_page.history`: malformed duration"
        " `7`: add a unit, e.g. 7m or 7s",
        f"policy.yaml:{_line(policy, 'allow_origins')}: `status_page.allow_origins[0]`:"
        " `https://app.example.com/` is not an origin: write it like https://app.example.com",
        f"policy.yaml:{_line(policy, 'not a sender')}: `email.from`: `not a sender` is not a"
        ' sender: write "Name <address@example.com>"',
        f"accounts.yaml:{_line(accounts, 'contacts')}: `accounts.acme.contacts[0]`:"
        " `ops-at-acme` is not an email address",
    ]


def test_email_on_a_tier_needs_the_email_block(tmp_path: Path) -> None:
    directory = _config(tmp_path, BLOCKS.split("email:\n")[0])
    line = _line(directory / "policy.yaml", "email: true")
    assert _errors(directory) == [
        f"policy.yaml:{line}: tier 2 has `email: true` but policy.yaml has no `email:` block"
    ]
