"""Domain errors carry the sentence the user reads; handlers turn them into ephemeral replies."""

from __future__ import annotations


class BeaconError(Exception):
    """Something the user asked for cannot be done; ``message`` says why, ``usage`` how."""

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage

    def __str__(self) -> str:
        return self.message if not self.usage else f"{self.message}\n{self.usage}"


class UsageError(BeaconError):
    """The command text is malformed or names things that do not exist."""


class NotFound(BeaconError):
    """The incident (or other record) the command refers to does not exist."""


class Forbidden(BeaconError):
    """The caller may not do this; recorded in the audit log by the service that refuses."""
