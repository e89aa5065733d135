"""`/incident mitigate <action> [reason: …]` and the life of an authorised mitigation (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.commands import USAGE
from app.domain.errors import UsageError

_REASON = re.compile(r"\breason:", re.IGNORECASE)
MAX_ACTION = 500
"""What is asked for must fit a Slack section with room to spare."""


@dataclass(frozen=True)
class MitigationRequest:
    action: str
    reason: str | None = None


def parse_mitigate(args: str) -> MitigationRequest:
    action, found, reason = (part.strip() for part in _partition(args))
    if not action:
        raise UsageError("Say what the mitigation is.", usage=USAGE["mitigate"])
    if len(action) > MAX_ACTION or len(reason) > MAX_ACTION:
        raise UsageError(
            f"Keep the action and the reason under {MAX_ACTION} characters each.",
            usage=USAGE["mitigate"],
        )
    return MitigationRequest(action, reason if found and reason else None)


def _partition(args: str) -> tuple[str, str, str]:
    match = _REASON.search(args)
    if match is None:
        return args, "", ""
    return args[: match.start()], "reason:", args[match.end() :]


def reminder_at(expires_at: datetime, expires: timedelta, remind_before: timedelta) -> datetime:
    """When the IC is reminded that a mitigation is about to lapse: ``remind_before`` ahead,
    but never in the first half of its life (a short ``expires`` still gets a useful nudge)."""
    return expires_at - min(remind_before, expires / 2)
