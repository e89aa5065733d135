"""The Web API index the package ships must match Slack's full OpenAPI spec."""

from __future__ import annotations

import json

import pytest

from app.sandbox.compact_spec import compact
from app.sandbox.openapi import PACKAGED_METHODS, full_spec_path, load_spec


def test_packaged_index_matches_the_full_spec() -> None:
    spec = full_spec_path()
    if not spec.exists():
        pytest.skip(f"full spec not present at {spec}")
    packaged = json.loads(PACKAGED_METHODS.read_text())
    assert packaged["methods"] == compact(spec)["methods"], (
        "regenerate: python -m app.sandbox.compact_spec " + str(spec)
    )


def test_packaged_index_knows_what_beacon_calls() -> None:
    index = load_spec()
    assert index.get("chat.postMessage") is not None
    assert index.missing_required("views.open", {}) == ["trigger_id", "view"]
    assert index.get("bookmarks.add") is not None  # newer than the spec, added by hand
