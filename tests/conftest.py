from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import backends, prepare

# Bolt turns on OAuth when these are set; tests are single-workspace.
for variable in ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"):
    os.environ.pop(variable, None)


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield prepare(request.param, tmp_path)


@pytest.fixture(autouse=True)
def root_logging() -> Iterator[None]:
    """CLI tests configure logging as ``beacon`` does, with a handler on that test's captured
    stderr; left in place, every later log line would be a "Logging error" on a closed file."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
