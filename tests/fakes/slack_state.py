"""Alias of :mod:`app.sandbox.slack_state`: the fake Slack is the sandbox Beacon ships, one
implementation for tests, drills, benchmarks and `beacon serve` without a token.

The module object itself is shared (not a copy of its names), so every name, private ones
included, and every monkeypatch behave exactly as on the original."""

import sys
from typing import TYPE_CHECKING

from app.sandbox import slack_state

if TYPE_CHECKING:  # what mypy reads: the alias below is invisible to it
    from app.sandbox.slack_state import *  # noqa: F403

sys.modules[__name__] = slack_state
