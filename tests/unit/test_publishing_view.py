"""What customers see, decided from published incidents alone (pure; SPEC 5.9)."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, datetime, timedelta

from app.catalog.models import StatusPage
from app.publishing.site import StatusSite
from app.publishing.tokens import TokenIndex, account_token
from app.publishing.view import Notice, Page, Published, banner, page
from tests.unit.catalog_builders import spec_catalog

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
CATALOG = spec_catalog()


def _incident(
    number: int,
    rank: int,
    services: tuple[str, ...],
    *,
    status: str = "investigating",
    kinds: tuple[str, ...] = ("update",),
    resolved_ago: timedelta | None = None,
    accounts: tuple[str, ...] = ("acme",),
) -> Published:
    notices = tuple(
        Notice(kind, f"INC-{number} notice {i}", NOW - timedelta(hours=number, minutes=10 - i))
        for i, kind in enumerate(kinds)
    )
    return Published(
        number=number,
        severity_rank=rank,
        status=status,
        services=services,
        accounts=accounts,
        started_at=NOW - timedelta(hours=number + 1),
        resolved_at=NOW - resolved_ago if resolved_ago is not None else None,
        notices=notices,
    )


def _page(*incidents: Published) -> Page:
    return page(
        CATALOG,
        incidents,
        now=NOW,
        history=timedelta(days=30),
        components=("checkout", "payments", "auth"),
        title="Status",
        url="https://status.example.com/status",
    )


def test_each_component_takes_the_worst_open_incident_touching_it() -> None:
    shown = _page(
        _incident(1, 2, ("payments", "checkout")),
        _incident(2, 0, ("checkout",)),
        _incident(3, 1, ("auth",), status="monitoring"),
    )
    states = {c.name: c.state for c in shown.components}
    assert states == {"Checkout": "major_outage", "Payments": "degraded", "Sign-in": "degraded"}
    assert [i.id for i in shown.open] == ["INC-1", "INC-2", "INC-3"]


def test_resolved_for_customers_only_once_the_resolution_notice_is_approved() -> None:
    pending = _incident(1, 0, ("checkout",), resolved_ago=timedelta(hours=1))
    done = _incident(
        2, 0, ("payments",), kinds=("update", "resolution"), resolved_ago=timedelta(hours=1)
    )
    old = _incident(3, 0, ("auth",), kinds=("resolution",), resolved_ago=timedelta(days=31))
    shown = _page(pending, done, old)
    assert [i.id for i in shown.open] == ["INC-1"]
    assert [i.id for i in shown.resolved] == ["INC-2"]
    (resolved,) = shown.resolved
    assert resolved.notices[0].text == "INC-2 notice 1" and resolved.status == "resolved"
    states = {c.name: c.state for c in shown.components}
    assert states == {
        "Checkout": "major_outage",
        "Payments": "operational",
        "Sign-in": "operational",
    }


def test_the_banner_is_the_most_severe_open_incident_latest_words() -> None:
    shown = _page(
        _incident(1, 2, ("payments",), kinds=("initial", "update")),
        _incident(2, 1, ("checkout",), kinds=("initial", "update")),
    )
    top = banner(shown)
    assert top is not None
    assert (top.severity, top.text) == ("partial_outage", "INC-2 notice 1")
    assert banner(_page()) is None


def test_tokens_are_per_secret_and_not_guessable() -> None:
    index = TokenIndex("secret", CATALOG.accounts)
    token = account_token("secret", "acme")
    assert index.account(token) == "acme"
    assert index.account(account_token("other", "acme")) is None
    assert index.account("acme") is None and index.account("") is None
    assert "acme" not in token and len(token) >= 43


def test_no_public_page_when_switched_off() -> None:
    """``public: false``: only account pages exist; nothing is read from the database."""
    config = StatusPage(secret_env="BEACON_STATUS_SECRET", public=False)
    catalog = dataclasses.replace(
        CATALOG, policy=dataclasses.replace(CATALOG.policy, status_page=config)
    )
    site = StatusSite(catalog=catalog, uow=None, clock=lambda: NOW, public_url="http://x")  # type: ignore[arg-type]
    for kind in ("html", "json", "atom"):
        assert asyncio.run(site.public(kind)) is None
