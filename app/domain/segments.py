"""``key: value`` segments in command text, as in ``… services: checkout accounts: acme``.

Only known keys (and near misses of them, reported as errors) split the text, so a title such as
"Checkout failing: EU cards" keeps its colon.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from app.catalog.suggest import suggestions
from app.domain.errors import UsageError

_KEY = re.compile(r"(?<!\S)([A-Za-z_]+):(?=\s|$)")


def split_segments(text: str, keys: Iterable[str], *, usage: str) -> tuple[str, dict[str, str]]:
    """Return the free text before the first key and the value of each key."""
    known = tuple(keys)
    found: list[tuple[str, int, int]] = []
    for match in _KEY.finditer(text):
        word = match.group(1).lower()
        if word in known:
            found.append((word, match.start(), match.end()))
        elif (close := suggestions(word, known, limit=1)) and (
            word.rstrip("s") == close[0].rstrip("s") or len(word) > 3
        ):
            raise UsageError(f"Unknown key `{word}:`. Did you mean `{close[0]}:`?", usage=usage)
    free_end = found[0][1] if found else len(text)
    values: dict[str, str] = {}
    for index, (word, _start, end) in enumerate(found):
        stop = found[index + 1][1] if index + 1 < len(found) else len(text)
        if word in values:
            raise UsageError(f"`{word}:` is given twice.", usage=usage)
        values[word] = text[end:stop].strip()
    return text[:free_end].strip(), values


def split_list(value: str) -> list[str]:
    return [item for item in re.split(r"[,\s]+", value) if item]
