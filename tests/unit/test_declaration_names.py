"""Services and accounts typed in a declaration: resolved by id or name in any case, from the
catalog's word tables, with "did you mean" only where the caller can afford it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from app.catalog.loader import load_catalog
from app.catalog.models import Catalog
from app.domain.declaration import UnknownName, parse_declare, resolve_services
from app.domain.errors import UsageError

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "config"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(FIXTURE)


def test_names_resolve_by_id_or_name_in_any_case(catalog: Catalog) -> None:
    declaration = parse_declare(
        "P2 Checkout down services: SIGN-IN, checkout, auth accounts: ACME, Globex", catalog
    )
    assert declaration.services == ("auth", "checkout")
    assert declaration.accounts == ("acme", "globex")


def test_an_id_wins_over_another_service_named_like_it(catalog: Catalog) -> None:
    services = {**catalog.services, "auth": replace(catalog.services["auth"], name="Checkout")}
    renamed = replace(catalog, services=services)
    assert resolve_services(["checkout"], renamed) == ("checkout",)
    assert resolve_services(["checkout"], catalog) == ("checkout",)


def test_a_mistyped_name_gets_suggestions_only_when_asked(catalog: Catalog) -> None:
    with pytest.raises(UsageError, match="Did you mean `checkout`"):
        parse_declare("P2 Checkout down services: chekout", catalog)
    with pytest.raises(UnknownName) as quick:
        parse_declare("P2 Checkout down services: chekout", catalog, suggest=False)
    assert quick.value.message == "Unknown service `chekout`."
