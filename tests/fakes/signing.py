"""Re-export of :mod:`app.sandbox.signing`: the fake Slack is the sandbox Beacon ships, one
implementation for tests, benchmarks and `beacon serve` without a token."""

from app.sandbox.signing import *  # noqa: F403
