"""Durations as people write them in configuration and commands: ``45s``, ``5m``, ``1h30m``, ``2d``.

A deliberately small grammar (whole numbers, units from largest to smallest, each at most once)
so that a typo such as ``1m30h`` or ``5 min`` is rejected instead of silently meaning something
else. Zero is refused too: a zero ``update_every`` or ``ack_within`` would fire continuously.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
_PATTERN = re.compile(r"(?:(\d{1,9})d)?(?:(\d{1,9})h)?(?:(\d{1,9})m)?(?:(\d{1,9})s)?")
"""Nine digits per unit: beyond them Python refuses the number or timedelta overflows."""
_EXAMPLES = "45s, 5m, 1h30m or 2d"


def parse_duration(text: str) -> timedelta:
    """Parse ``1h30m``-style text; raises ValueError naming the bad input and the expected form."""
    if not isinstance(text, str):
        raise ValueError(f"malformed duration `{text}`: write it like {_EXAMPLES}")
    stripped = text.strip()
    match = _PATTERN.fullmatch(stripped)
    if not stripped or match is None:
        raise ValueError(
            f"malformed duration `{text}`: write whole numbers with units d, h, m, s, "
            f"largest first, like {_EXAMPLES}"
        )
    seconds = sum(
        int(amount) * factor
        for amount, (_, factor) in zip(match.groups(), _UNITS, strict=True)
        if amount is not None
    )
    if seconds == 0:
        raise ValueError(f"duration `{text}` must be longer than zero")
    try:
        return timedelta(seconds=seconds)
    except OverflowError:
        raise ValueError(f"duration `{text}` is longer than anything Beacon can keep") from None


def format_duration(delta: timedelta) -> str:
    """Canonical text, largest units first, that parse_duration reads back (``1h30m``).

    Fractions of a second are dropped. A negative span gets a leading ``-`` rather than an
    exception, so a message about an overdue deadline can never crash the job sending it.
    """
    if delta < timedelta(0):
        return "-" + format_duration(-delta)
    total = int(delta.total_seconds())
    parts: list[str] = []
    for unit, factor in _UNITS:
        amount, total = divmod(total, factor)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts) or "0s"
