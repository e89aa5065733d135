"""Method existence and required-argument checks driven by Slack's OpenAPI 2.0 spec.

The fake rejects calls the real Web API would reject before doing any work: an
unknown method name, or a missing required parameter. Using the published spec
(rather than a hand-kept list) keeps typos in method or argument names from
passing silently in tests.

The full spec (1.2 MB) lives outside the repository, so the package ships
``web_api_methods.json``: the same index (method names, parameters, required
parameters) extracted from it by :mod:`app.sandbox.compact_spec`. A test checks
the two agree whenever the full spec is at hand.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: Newer methods the frozen 2020 spec lacks, with the arguments Slack requires.
EXTRA_METHODS: dict[str, frozenset[str]] = {
    "bookmarks.add": frozenset({"channel_id", "title", "type"}),
    "bookmarks.edit": frozenset({"channel_id", "bookmark_id"}),
    "bookmarks.list": frozenset({"channel_id"}),
    "files.getUploadURLExternal": frozenset({"filename", "length"}),
    "files.completeUploadExternal": frozenset({"files"}),
    "apps.connections.open": frozenset(),
}

#: The index shipped with the package, so the sandbox runs from a fresh clone.
PACKAGED_METHODS = Path(__file__).with_name("web_api_methods.json")

# Tokens travel in the Authorization header; the spec still lists them as params.
_IGNORED_PARAMS = frozenset({"token"})


@dataclass(frozen=True)
class MethodSpec:
    """What the fake needs to know about one Web API method."""

    name: str
    params: frozenset[str]
    required: frozenset[str]


@dataclass(frozen=True)
class ApiSpec:
    """Index of Web API methods by name (e.g. ``"chat.postMessage"``)."""

    methods: Mapping[str, MethodSpec]

    def get(self, method: str) -> MethodSpec | None:
        return self.methods.get(method)

    def missing_required(self, method: str, args: Mapping[str, Any]) -> list[str]:
        """Required parameter names absent (or null) in ``args``, sorted for stable errors."""
        spec = self.methods.get(method)
        if spec is None:
            return []
        return sorted(name for name in spec.required if args.get(name) is None)


def full_spec_path() -> Path:
    """``$SLACK_OPENAPI_SPEC`` or ``<repo parent>/shared/slack/web-api-openapi.json``."""
    env = os.environ.get("SLACK_OPENAPI_SPEC")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared/slack/web-api-openapi.json"


def load_spec(path: Path | str | None = None) -> ApiSpec:
    """The index from a full OpenAPI file when given one (or ``$SLACK_OPENAPI_SPEC``),
    otherwise from the packaged extract; parsed once per process."""
    if path is None and os.environ.get("SLACK_OPENAPI_SPEC"):
        path = full_spec_path()
    if path is None:
        return _load_packaged(PACKAGED_METHODS)
    return _load_full(Path(path).resolve())


def index_openapi(raw: Mapping[str, Any]) -> dict[str, MethodSpec]:
    """Every method of a parsed OpenAPI 2.0 document, without :data:`EXTRA_METHODS`."""
    methods: dict[str, MethodSpec] = {}
    for route, operations in raw.get("paths", {}).items():
        name = route.lstrip("/")
        params: set[str] = set()
        required: set[str] = set()
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for param in operation.get("parameters", []):
                pname = param.get("name")
                if not pname or pname in _IGNORED_PARAMS:
                    continue
                params.add(pname)
                if param.get("required"):
                    required.add(pname)
        methods[name] = MethodSpec(name, frozenset(params), frozenset(required))
    return methods


def methods_to_json(methods: Mapping[str, MethodSpec]) -> dict[str, Any]:
    """The packaged file's shape: sorted, so regenerating it gives a stable diff."""
    return {
        name: {"params": sorted(spec.params), "required": sorted(spec.required)}
        for name, spec in sorted(methods.items())
    }


def methods_from_json(data: Mapping[str, Any]) -> dict[str, MethodSpec]:
    return {
        name: MethodSpec(name, frozenset(entry["params"]), frozenset(entry["required"]))
        for name, entry in data.items()
    }


def _with_extras(methods: dict[str, MethodSpec]) -> ApiSpec:
    for name, extra_required in EXTRA_METHODS.items():
        methods.setdefault(name, MethodSpec(name, extra_required, extra_required))
    return ApiSpec(methods)


@functools.cache
def _load_full(spec_path: Path) -> ApiSpec:
    with spec_path.open(encoding="utf-8") as fh:
        return _with_extras(index_openapi(json.load(fh)))


@functools.cache
def _load_packaged(path: Path) -> ApiSpec:
    with path.open(encoding="utf-8") as fh:
        return _with_extras(methods_from_json(json.load(fh)["methods"]))
