"""Regenerates ``web_api_methods.json`` from Slack's full OpenAPI spec.

Run it when the spec in ``shared/slack/`` changes::

    python -m app.sandbox.compact_spec ../shared/slack/web-api-openapi.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from app.sandbox.openapi import PACKAGED_METHODS, index_openapi, methods_to_json


def compact(spec_path: Path) -> dict[str, Any]:
    with spec_path.open(encoding="utf-8") as fh:
        raw = json.load(fh)
    return {
        "source": "Slack Web API OpenAPI 2.0 spec: method names, parameters, required ones",
        "methods": methods_to_json(index_openapi(raw)),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    data = compact(Path(argv[0]))
    PACKAGED_METHODS.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(data['methods'])} methods to {PACKAGED_METHODS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
