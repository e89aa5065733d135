"""Re-export of :mod:`app.sandbox.block_kit`: the fake Slack is the sandbox Beacon ships, one
implementation for tests, benchmarks and `beacon serve` without a token."""

from app.sandbox.block_kit import *  # noqa: F403
