"""How Beacon's sentences read: lists as people write them, sentences with a capital, and "none"
typed into a field understood as nothing to say."""

from __future__ import annotations

from collections.abc import Iterable

NOTHING = frozenset({"none", "nothing", "n/a", "na", "no", "-", "—", "nil", "nope"})


def join_words(items: Iterable[str], last: str = "and") -> str:
    """``A``, ``A and B``, ``A, B and C`` (``last="or"`` for choices)."""
    words = list(items)
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} {last} {words[-1]}"


def sentence(text: str | None) -> str | None:
    """Capitalise what a responder typed in lower case ("retry in a minute") for a reader who
    sees it as a sentence; the rest is left as typed (ids, product names)."""
    if not text:
        return text
    stripped = text.strip()
    return stripped[:1].upper() + stripped[1:]


def says_nothing(text: str | None) -> bool:
    """``customer_steps: none`` means there is nothing to say, not the word "none"."""
    return not text or text.strip().strip(".!").lower() in NOTHING
