"""One-line YAML flow mappings read as JSON, one row at a time or a whole block of rows at once.

A flow mapping of double-quoted strings (no escapes), whole numbers, plain words and flat lists
is JSON once its plain words are quoted or resolved. A generated ``accounts.yaml`` is 100,000
such rows under one key; reading them row by row (a regex match, three substitutions and a
JSON decode each) took seconds, so :func:`read_rows` turns a block of rows into one JSON text
with whole-text substitutions and decodes it once. Its checks only let through text that JSON
and YAML read alike; anything else gives None, and the caller reads the rows one by one.
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

PLAIN_WORD = r"[A-Za-z_][A-Za-z0-9_.-]*"
GAP = "\x00"
"""Joins the parts of a text outside its double quotes, which never hold it."""
JSON = json.JSONDecoder(strict=False)
"""YAML's double quotes take tabs and other control characters that strict JSON refuses."""
KEY_OPEN = re.compile(rf"(?<![A-Za-z0-9_.-])(?={PLAIN_WORD} *: )")
KEY_CLOSE = re.compile(r"(?<=[A-Za-z0-9_.-])(?= *: )")
"""Where quotes go around a word key: empty matches, so ``sub`` runs without a template."""
_VALUE_WORDS = re.compile(rf"(?<![A-Za-z0-9_.-])({PLAIN_WORD})(?=[ ,\]}}\x00]|$)")

_OUTSIDE = re.compile(r"[^A-Za-z0-9_. ,:{}\[\]\n\x00-]")
"""A character outside quotes that a row of the subset does not have (``#``, ``'``, ``&``,
``!``, ``|``, tabs...): YAML may read it differently from JSON."""
_ROW_KEY = re.compile(rf"\{{ *(?={PLAIN_WORD} *:)")
_NEXT_KEY = re.compile(rf", *(?={PLAIN_WORD} *:)")
"""A word key after ``{`` or ``,``: replaced by ``{"`` or ``, "`` (a literal, so C-speed);
spaces are insignificant in JSON. Both start with a literal, which the regex engine skips to."""
_VALUE_START = re.compile(r"[:\[,] *-?(?:[0-9]+[.eE]|[A-Za-z_])")
"""A value that is a plain word, or a number JSON would read as a float (or a YAML string)."""
_NOT_INT = re.compile(r"[:\[,] *(?:-?[0-9]+[.eE]|-[A-Za-z_])")
"""``1.5``, ``1e3`` or ``-Infinity``: JSON's float reading differs from YAML's resolver."""


class Resolver(Protocol):
    """How plain scalars resolve (``fastyaml``'s, which follows ruamel's YAML 1.2 rules)."""

    def __call__(self, text: str) -> Any: ...

    def is_text(self, text: str) -> bool: ...


def words_as_json(outside: str, scalar: Resolver) -> str | None:
    """``outside`` with its plain value words as JSON values; None when one resolves to
    something but a string, a boolean or null (JSON has no YAML dates or floats)."""
    refused = False

    def as_json(match: re.Match[str]) -> str:
        nonlocal refused
        value = scalar(match.group(1))
        if isinstance(value, str):
            return f'"{value}"'
        refused = refused or not (value is None or value is True or value is False)
        return "null" if refused else json.dumps(value)

    if _VALUE_WORDS.search(outside):
        outside = _VALUE_WORDS.sub(as_json, outside)
    return None if refused else outside


def read_rows(block: str, scalar: Resolver) -> dict[Any, dict[Any, Any]] | None:
    """Rows ``key: {flow mapping}``, one per line of ``block`` (no blank or comment lines),
    as key -> mapping, exactly as YAML reads them; None whenever that is not certain.

    Newlines become ``},{`` in a JSON list of one-key objects, so a row must be a complete
    value on its own line to decode. Counting colons (one per key, each followed by a space,
    each opened by a word key or a quoted one) catches a key repeated inside a row, which JSON
    would silently merge; a row key repeated or taken by a non-string is left to the caller.
    """
    count = block.count("\n") + 1
    if "\\" in block or GAP in block or "\r" in block:
        return None
    parts = block.split('"')
    outside = GAP.join(parts[::2])
    colons = outside.count(":")
    if (
        len(parts) % 2 == 0
        or outside.count("\n") != count - 1
        or outside.count("{") != count
        or colons != outside.count(": ")
        or _OUTSIDE.search(outside)
    ):
        return None
    text, opened = _ROW_KEY.subn('{"', "[{" + outside.replace("\n", "},{") + "}]")
    text, more = _NEXT_KEY.subn(', "', text)
    if opened + more + outside.count(GAP + ":") != colons:
        return None
    text = text.replace(":", '":') if " :" not in outside else KEY_CLOSE.sub('"', text)
    if _VALUE_START.search(text):
        words = None if _NOT_INT.search(text) else words_as_json(text, scalar)
        if words is None:
            return None
        text = words
    parts[::2] = text.split(GAP)
    try:
        listed = JSON.decode('"'.join(parts))
    except ValueError:
        return None
    rows: dict[Any, dict[Any, Any]] = {}
    for row in listed:
        if row.__class__ is not dict or len(row) != 1:
            return None
        rows.update(row)
    if len(rows) != count or not all(value.__class__ is dict for value in rows.values()):
        return None
    keys = set(rows).union(*rows.values())
    if colons != count + sum(map(len, rows.values())) or not all(map(scalar.is_text, keys)):
        return None
    return rows
