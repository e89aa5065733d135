"""Incident channel names under Slack's rules: lowercase letters, digits, ``-`` and ``_``, <= 80."""

from __future__ import annotations

import re
import unicodedata

MAX_CHANNEL_NAME = 80


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def channel_name(prefix: str, number: int, title: str, *, suffix: int | None = None) -> str:
    """``inc-42-checkout-failing`` trimmed on a word boundary so a suffix always fits."""
    head = f"{slugify(prefix) or 'inc'}-{number}"
    tail = f"-{suffix}" if suffix else ""
    room = MAX_CHANNEL_NAME - len(head) - len(tail) - 1
    slug = slugify(title)[: max(room, 0)]
    if len(slugify(title)) > len(slug) and "-" in slug:
        slug = slug.rsplit("-", 1)[0]
    slug = slug.strip("-")
    return f"{head}-{slug}{tail}" if slug else f"{head}{tail}"
