""" "Did you mean" suggestions for names typed at 3 a.m."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

MAX_WORD = 64
"""No name Beacon knows is this long; a longer word gets no suggestions (difflib's cost grows
with both lengths)."""


def suggestions(word: str, choices: Iterable[str], *, limit: int = 3) -> list[str]:
    if len(word) > MAX_WORD:
        return []
    lowered = {choice.lower(): choice for choice in choices}
    needle = word.lower()
    close = difflib.get_close_matches(needle, list(lowered), n=limit, cutoff=0.6)
    starts = (
        [key for key in lowered if key.startswith(needle) and key not in close] if needle else []
    )
    return [lowered[key] for key in (close + starts)[:limit]]


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    found = suggestions(word, choices)
    if not found:
        return ""
    return " Did you mean " + " or ".join(f"`{choice}`" for choice in found) + "?"
