"""What a responder types into `/incident update`, and which status changes it may make.

Resolving is its own command (it drafts the resolution notice and starts the checklist), so
``status: resolved`` is refused here with a pointer to it instead of being taken quietly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.catalog.durations import format_duration, parse_duration
from app.catalog.suggest import did_you_mean
from app.domain.commands import USAGE
from app.domain.errors import UsageError
from app.domain.segments import split_segments
from app.domain.wording import join_words

UPDATE_KEYS = ("status", "impact", "cause", "action", "next", "workaround", "eta")
STATUSES = ("investigating", "identified", "monitoring")
"""Open statuses in the order an incident moves through them."""


@dataclass(frozen=True)
class UpdateInput:
    summary: str = ""
    status: str | None = None
    impact: str | None = None
    cause: str | None = None
    action: str | None = None
    next: str | None = None
    workaround: str | None = None
    eta: timedelta | None = None

    @property
    def eta_text(self) -> str | None:
        return format_duration(self.eta) if self.eta else None


def parse_update(text: str) -> UpdateInput:
    usage = USAGE["update"]
    summary, segments = split_segments(text, UPDATE_KEYS, usage=usage)
    for key, value in segments.items():
        if not value:
            raise UsageError(f"`{key}:` is empty; say something or leave it out.", usage=usage)
    if not summary and not segments:
        raise UsageError("Say what changed: a summary, or at least one `key:` value.", usage=usage)
    status = segments.get("status")
    if status is not None:
        status, summary = _status_and_summary(status, summary)
        if status == "resolved":
            raise UsageError(
                "Resolving is its own command, so the customer notice and checklist follow.",
                usage=USAGE["resolve"],
            )
        if status not in STATUSES:
            raise UsageError(
                f"Unknown status `{status}`.{did_you_mean(status, STATUSES)} Statuses:"
                f" {join_words(f'`{s}`' for s in STATUSES)}; the words after one are the"
                " summary.",
                usage=usage,
            )
    eta = None
    if "eta" in segments:
        try:
            eta = parse_duration(segments["eta"])
        except ValueError as error:
            raise UsageError(f"`eta:` {error}.", usage=usage) from None
    return UpdateInput(
        summary=summary,
        status=status,
        impact=segments.get("impact"),
        cause=segments.get("cause"),
        action=segments.get("action"),
        next=segments.get("next"),
        workaround=segments.get("workaround"),
        eta=eta,
    )


def _status_and_summary(value: str, summary: str) -> tuple[str, str]:
    """``status: monitoring still watching``: the first word is the status, the words after it
    join the summary, as people type it."""
    first, _, rest = value.strip().partition(" ")
    status = first.strip(".,;:").lower()
    return status, " ".join(part for part in (summary, rest.strip()) if part)


def check_transition(current: str, new: str) -> None:
    """Forward only, one step or more (investigating may jump to monitoring); staying is fine."""
    if current not in STATUSES:
        raise UsageError(f"The incident is {current}; updates need an open incident.")
    if STATUSES.index(new) < STATUSES.index(current):
        raise UsageError(
            f"The incident is already {current}; it cannot go back to {new}."
            " If the cause turned out wrong, say so in the update text.",
            usage=USAGE["update"],
        )
