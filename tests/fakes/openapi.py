"""Re-export of :mod:`app.sandbox.openapi`: the fake Slack is the sandbox Beacon ships, one
implementation for tests, benchmarks and `beacon serve` without a token."""

from app.sandbox.openapi import *  # noqa: F403
