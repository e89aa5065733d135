"""`/incident update` parsing, status transitions and the briefs drafted from it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app.briefs.drafting import Drafter, Scrubber
from app.briefs.view import AccountLine, IncidentView, ServiceLine
from app.domain.errors import UsageError
from app.domain.updates import UpdateInput, check_transition, parse_update
from app.domain.wording import join_words, says_nothing, sentence

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DUE = NOW + timedelta(minutes=15)
NAMES = {"auth": "Sign-in", "payments": "Payments", "checkout-api": "Checkout"}


def view(**changes: object) -> IncidentView:
    base = IncidentView(
        ref="INC-7",
        number=7,
        title="auth tokens rejected",
        severity="SEV2",
        severity_label="Major",
        declared_severity="SEV3",
        raised_because=(),
        status="identified",
        private=False,
        customer_visible=True,
        commander="U0IC",
        comms_lead=None,
        declared_by="U0IC",
        declared_at=NOW,
        summary="",
        services=(
            ServiceLine("auth", "Sign-in", True),
            ServiceLine("checkout-api", "Checkout", False),
        ),
        accounts=(AccountLine("acme", "Acme Corp", 1),),
        next_update_due=DUE,
        channel_id="C1",
        channel_name="inc-7-auth",
    )
    return IncidentView(**{**base.__dict__, **changes})


def test_parse_update_reads_every_key_and_the_summary() -> None:
    update = parse_update(
        "Logins fail status: Identified impact: EU users cause: expired key action: rotating"
        " next: verify workaround: retry eta: 1h30m"
    )
    assert update == UpdateInput(
        summary="Logins fail",
        status="identified",
        impact="EU users",
        cause="expired key",
        action="rotating",
        next="verify",
        workaround="retry",
        eta=timedelta(minutes=90),
    )
    assert update.eta_text == "1h30m"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "Say what changed"),
        ("status: identifed", "Did you mean `identified`"),
        ("status: resolved", "its own command"),
        ("impact:", "`impact:` is empty"),
        ("eta: soon", "`eta:` malformed duration"),
        ("Fixing it caus: bad deploy", "Did you mean `cause:`"),
    ],
)
def test_parse_update_errors(text: str, expected: str) -> None:
    with pytest.raises(UsageError) as error:
        parse_update(text)
    assert expected in str(error.value)


def test_status_moves_forward_only() -> None:
    check_transition("investigating", "monitoring")
    check_transition("identified", "identified")
    with pytest.raises(UsageError, match="cannot go back to investigating"):
        check_transition("monitoring", "investigating")
    with pytest.raises(UsageError, match="resolved"):
        check_transition("resolved", "identified")


def test_scrubber_replaces_whole_ids_only() -> None:
    scrub = Scrubber(NAMES)
    assert scrub("auth and checkout-api down; author ok") == "Sign-in and Checkout down; author ok"
    assert scrub(None) is None


def test_customer_brief_has_public_names_and_no_internal_ids() -> None:
    update = parse_update(
        "auth rejects tokens cause: bad key in auth action: rolling back payments workaround:"
        " retry eta: 45m"
    )
    drafter = Drafter(None, NAMES)
    internal = drafter.internal(view(), update, now=NOW, next_update_due=DUE)
    customer = drafter.customer(view(), update, now=NOW, next_update_due=DUE)
    assert "bad key in auth" in internal and "auth, checkout-api" in internal
    assert "Service disruption: Sign-in and Checkout" in customer and "12:15 UTC" in customer
    assert "*Expected resolution:* by 12:45 UTC" in customer and "within about" not in customer
    assert "*Workaround:* Retry" in customer, "a customer reads a sentence with a capital"
    assert "*ETA:* 45m (by 12:45 UTC)" in internal
    assert not re.search(r"\b(auth|checkout-api)\b", customer)
    assert "Rolling back payments" in customer, "an id that is its public name stays as typed"
    assert "bad key" not in customer, "the technical cause stays internal"


def test_initial_notice_names_capabilities_and_next_update() -> None:
    notice = Drafter(None, NAMES).initial_notice(
        view(summary="auth down"), now=NOW, next_update_due=DUE
    )
    assert "Sign-in and Checkout" in notice and "Sign-in down" in notice and "12:15 UTC" in notice


def test_resolution_notice_says_nothing_to_do_in_words() -> None:
    drafter = Drafter(None, NAMES)
    nothing = drafter.resolution(view(), now=NOW, fix="rolled back auth", customer_steps="none")
    assert "What you may need to do" not in nothing and "none" not in nothing
    assert "You do not need to do anything." in nothing
    assert "*What we did:* Rolled back Sign-in" in nothing
    steps = drafter.resolution(view(), now=NOW, fix=None, customer_steps="sign in again")
    assert "*What you may need to do:* Sign in again" in steps


def test_lists_read_as_sentences() -> None:
    assert join_words([]) == "" and join_words(["A"]) == "A"
    assert join_words(["A", "B"]) == "A and B" and join_words(["A", "B", "C"]) == "A, B and C"
    assert join_words(["`7d`", "`30d`", "`90d`"], "or") == "`7d`, `30d` or `90d`"
    assert sentence("retry in a minute") == "Retry in a minute" and sentence(None) is None
    assert says_nothing("None.") and says_nothing("n/a") and not says_nothing("sign in again")


def test_override_templates_replace_built_ins_and_broken_ones_are_reported(tmp_path: Path) -> None:
    (tmp_path / "customer.j2").write_text("Hello {{ capabilities }}")
    drafter = Drafter(tmp_path, NAMES)
    assert drafter.problems() == []
    assert drafter.customer(view(), parse_update("x"), now=NOW, next_update_due=DUE) == (
        "Hello Sign-in and Checkout"
    )
    (tmp_path / "customer.j2").write_text("line one\n{% if update.summary %}unclosed")
    (tmp_path / "internal.j2").write_text("{{ no_such_variable }}")
    problems = {(Path(p.file).name, p.line): p.message for p in Drafter(tmp_path).problems()}
    assert set(problems) == {("customer.j2", 2), ("internal.j2", 0)}
    assert "no_such_variable" in problems[("internal.j2", 0)]
