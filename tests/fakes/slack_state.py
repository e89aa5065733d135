"""Re-export of :mod:`app.sandbox.slack_state`: the fake Slack is the sandbox Beacon ships, one
implementation for tests, benchmarks and `beacon serve` without a token."""

from app.sandbox.slack_state import *  # noqa: F403
