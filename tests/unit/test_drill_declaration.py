"""`declare drill …`: a rehearsal, marked in its title so nobody mistakes it for an outage."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.catalog.models import Catalog
from app.domain.declaration import from_form, parse_declare

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "config"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(FIXTURE)


@pytest.mark.parametrize(
    ("text", "private"),
    [
        ("drill P2 Checkout down", False),
        ("private drill P2 Checkout down", True),
        ("drill private P2 Checkout down", True),
        ("DRILL P2 [DRILL] Checkout down", False),  # never prefixed twice
    ],
)
def test_a_drill_is_flagged_and_titled(catalog: Catalog, text: str, private: bool) -> None:
    declaration = parse_declare(text, catalog)
    assert declaration.drill
    assert declaration.private is private
    assert declaration.title == "[DRILL] Checkout down"


def test_a_real_incident_is_not_a_drill(catalog: Catalog) -> None:
    declaration = parse_declare("P2 drill press jammed", catalog)
    assert not declaration.drill
    assert declaration.title == "drill press jammed"


def test_the_form_keeps_the_drill_flag(catalog: Catalog) -> None:
    declaration = from_form(
        catalog,
        title="Checkout down",
        severity="P2",
        services=[],
        accounts=[],
        summary="",
        private=False,
        customer_visible=True,
        drill=True,
    )
    assert declaration.drill and declaration.title == "[DRILL] Checkout down"
