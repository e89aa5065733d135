"""Resolving and reopening: what `/incident resolve` takes, the recovery checklist, and the
24-hour reopen window. Pure rules, no Slack or database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.commands import USAGE
from app.domain.errors import UsageError
from app.domain.segments import split_segments

RESOLVE_KEYS = ("fix", "residual_risk", "customer_steps")
REOPEN_WINDOW = timedelta(hours=24)
REOPEN_STATUSES = ("investigating", "monitoring")

CHECKLIST: tuple[tuple[str, str], ...] = (
    ("restoration", "Restoration confirmed with customer"),
    ("data_integrity", "Data integrity confirmed"),
    ("review_shared", "Post-incident review shared"),
)
"""The CS recovery checklist posted in every account thread on resolve (SPEC 5.4)."""
CHECKLIST_ITEMS = tuple(item for item, _ in CHECKLIST)
CHECKLIST_LABELS = dict(CHECKLIST)


@dataclass(frozen=True)
class ResolveInput:
    fix: str | None = None
    residual_risk: str | None = None
    customer_steps: str | None = None
    summary: str = ""

    @property
    def complete(self) -> bool:
        """The fix is the one thing a resolution must say; without it the form opens."""
        return bool(self.fix)


def parse_resolve(text: str) -> ResolveInput:
    usage = USAGE["resolve"]
    summary, segments = split_segments(text, RESOLVE_KEYS, usage=usage)
    for key, value in segments.items():
        if not value:
            raise UsageError(f"`{key}:` is empty; say something or leave it out.", usage=usage)
    return ResolveInput(
        fix=segments.get("fix") or (summary or None),
        residual_risk=segments.get("residual_risk"),
        customer_steps=segments.get("customer_steps"),
        summary=summary,
    )


def reopen_status(args: str) -> str:
    word = args.strip().lower() or "monitoring"
    if word not in REOPEN_STATUSES:
        raise UsageError(
            f"Reopen to `investigating` or `monitoring`, not `{word}`.", usage=USAGE["reopen"]
        )
    return word


def check_reopen(ref: str, status: str, resolved_at: datetime | None, now: datetime) -> None:
    if status != "resolved" or resolved_at is None:
        raise UsageError(f"{ref} is not resolved; there is nothing to reopen.")
    if now - resolved_at > REOPEN_WINDOW:
        raise UsageError(
            f"{ref} was resolved more than 24 hours ago ({resolved_at:%Y-%m-%d %H:%M} UTC), so it"
            " can no longer be reopened. Declare a new incident and mention it.",
            usage=USAGE["declare"],
        )
