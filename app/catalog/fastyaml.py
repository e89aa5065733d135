"""A fast reader for the plain subset of YAML that configuration files are written in.

ruamel.yaml is pure Python here and needs seconds for an ``accounts.yaml`` with thousands of
rows (measured: ~12 s round-trip, ~2 s just to tokenize 10,000 accounts). This reader handles
block mappings and sequences, one-line flow collections, plain and quoted scalars and comments,
and records the line of every key and item (:class:`~app.catalog.locations.Lines`). Runs of
one-line flow mapping rows, the shape of a generated ``accounts.yaml``, are decoded as one JSON
text (:mod:`~app.catalog.flowjson`) when its checks vouch for them, and row by row otherwise.
Anything else (anchors, tags, block scalars, multi-line scalars, syntax errors) raises
``Unsupported`` and the caller falls back to ruamel, so the result is always what ruamel would
have produced, and errors keep ruamel's messages.
The one error reported here is a repeated key in a block mapping, the typical slip in a long
generated file, so that it does not cost a slow full re-parse.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

from app.catalog.flowjson import (
    GAP,
    JSON,
    KEY_CLOSE,
    KEY_OPEN,
    PLAIN_WORD,
    read_rows,
    words_as_json,
)
from app.catalog.locations import Lines, Location

_ENTRY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_.-]*):(?: +(.*))?")
_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_FLOAT = re.compile(r"[-+]?[0-9]+\.[0-9]+")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_BAD_PLAIN_START = frozenset("&*!|>%@`,]}#?:-")
_QUOTED = r'"[^"\\\n]*"'
_SCALAR = rf"(?:{_QUOTED}|-?(?:0|[1-9][0-9]*)|{PLAIN_WORD})"
_ENTRY_RE = (
    rf"(?:{_QUOTED}|{PLAIN_WORD}) *: +(?:{_SCALAR}|\[ *(?:{_SCALAR} *(?:, *{_SCALAR} *)*)?\])"
)
_FLAT = re.compile(rf"\{{ *(?:{_ENTRY_RE} *(?:, *{_ENTRY_RE} *)*)?\}}")
"""A one-line flow mapping of scalars and flat lists of scalars, no escapes and no comment:
a generated ``accounts.yaml`` row. Its double-quoted scalars and ints are JSON already."""
_ROW_START = frozenset('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"')
"""How a line may start (after its indentation) to be read with its neighbours as a block."""
_FLOW_STOP = frozenset(",[]{}")


class Unsupported(Exception):
    """The text is outside the subset (or invalid): let the full parser read it."""


class DuplicateKey(Exception):
    def __init__(self, key: Any, line: int) -> None:
        super().__init__(f"line {line}: duplicate key {key!r}")
        self.key, self.line = key, line


class _Scalars:
    """Resolves plain scalars exactly as ruamel's YAML 1.2 resolver tags them."""

    def __init__(self) -> None:
        self._resolver = VersionedResolver()
        self._cache: dict[str, Any] = {}
        self._first_chars = frozenset(self._resolver.versioned_resolver) - {None}
        """Text starting with any other character can only be a string (most names, ids)."""

    def __call__(self, text: str) -> Any:
        try:
            return self._cache[text]
        except KeyError:
            value = self._cache[text] = self._resolve(text)
            return value

    def is_text(self, text: str) -> bool:
        """Whether a plain ``text`` reads as a string; most ids and names are told apart by
        their first character, without a look-up."""
        return not text or text[0] not in self._first_chars or isinstance(self(text), str)

    def _resolve(self, text: str) -> Any:
        if text[0] not in self._first_chars:
            return text
        if _INT.fullmatch(text):
            return int(text)
        tag = str(self._resolver.resolve(ScalarNode, text, (True, False)))
        kind = tag.rsplit(":", 1)[-1]
        if kind == "str":
            return text
        if kind == "null":
            return None
        if kind == "bool":
            return text.lower() == "true"
        if kind == "int" and _INT.fullmatch(text):
            return int(text)
        if kind == "float" and _FLOAT.fullmatch(text):
            return float(text)
        if kind == "timestamp" and _DATE.fullmatch(text):
            return date.fromisoformat(text)
        raise Unsupported(text)


class _Frame:
    __slots__ = ("indent", "node", "path")

    def __init__(self, indent: int, node: dict[Any, Any] | list[Any], path: Location) -> None:
        self.indent, self.node, self.path = indent, node, path


def load(text: str) -> tuple[Any, Lines]:
    """(data, line of each key and sequence item by path); raises Unsupported."""
    return _Reader(text).read()


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text.removeprefix("\ufeff")
        self.lines: dict[Location, int] = {(): 1}
        self.rows: dict[Location, dict[Any, int]] = {}
        """Values written whole on one line, by parent: see :class:`Lines`."""
        self.scalar = _Scalars()
        self._key_sets: dict[tuple[str, ...], bool] = {}
        self._rows_tried = 0
        """Lines before this were already part of a block that :meth:`block` could not read."""

    def read(self) -> tuple[Any, Lines]:
        root: dict[Any, Any] = {}
        stack = [_Frame(0, root, ())]
        pending: tuple[_Frame, Any, int] | None = None
        """A key whose value starts on a later line: (its mapping's frame, key, key indent)."""
        seen_content = False
        lines = self.text.split("\n")
        number = 0
        while number < len(lines):
            raw = lines[number]
            number += 1
            line = raw.removesuffix("\r")
            content = line.lstrip(" ")
            if not content or content[0] == "#":
                continue
            if "\t" in line[: len(line) - len(content)] or "\r" in content:
                raise Unsupported("tab or carriage return")
            indent = len(line) - len(content)
            if not seen_content and (indent or content.startswith(("---", "%", "- ", "[", "{"))):
                raise Unsupported("document does not start with a top-level mapping")
            seen_content = True
            is_item = content == "-" or content.startswith("- ")
            if pending is not None:
                frame, key, key_indent = pending
                pending = None
                if indent > key_indent or (indent == key_indent and is_item):
                    child: dict[Any, Any] | list[Any] = [] if is_item else {}
                    assert isinstance(frame.node, dict)
                    frame.node[key] = child
                    stack.append(_Frame(indent, child, (*frame.path, key)))
            while stack[-1].indent > indent or (
                stack[-1].indent == indent and isinstance(stack[-1].node, list) and not is_item
            ):
                stack.pop()
            top = stack[-1]
            if top.indent != indent:
                raise Unsupported(f"line {number}: unexpected indentation")
            if is_item:
                if not isinstance(top.node, list):
                    raise Unsupported(f"line {number}: item in a mapping")
                path = (*top.path, len(top.node))
                self.lines[path] = number
                top.node.append(self.value(content[2:], path, number))
            else:
                if not isinstance(top.node, dict):
                    raise Unsupported(f"line {number}: key in a sequence")
                if (
                    content[-1] == "}"
                    and number > self._rows_tried
                    and (taken := self.block(lines, number, top))
                ):
                    number += taken - 1
                    continue
                match = _ENTRY.fullmatch(content)
                if match is None:
                    raise Unsupported(f"line {number}: not a simple 'key: value'")
                key = self.scalar(match.group(1))
                if key in top.node:
                    raise DuplicateKey(key, number)
                path = (*top.path, key)
                self.lines[path] = number
                rest = (match.group(2) or "").strip()
                if not rest or rest[0] == "#":
                    top.node[key] = None
                    pending = (top, key, indent)
                else:
                    top.node[key] = self.value(rest, path, number)
        data = root if seen_content else None
        return data, Lines(data, self.lines, self.rows)

    def block(self, lines: list[str], number: int, top: _Frame) -> int:
        """Reads the rows ``key: {flow mapping}`` from line ``number`` on at the same indent
        in one go (:func:`~app.catalog.flowjson.read_rows`); how many lines it read, 0 when
        there is no such block or the rows must be read one by one (which then also reports
        a repeated key with its line)."""
        indent = top.indent
        end = number
        while (
            end < len(lines)
            and lines[end][indent : indent + 1] in _ROW_START
            and lines[end].rstrip(" \r").endswith("}")
            and not lines[end][:indent].strip(" ")
        ):  # a line of another shape ends the block, rather than making it fail whole
            end += 1
        self._rows_tried = end
        if end - number < 1:
            return 0
        block = "\n".join(lines[number - 1 : end])
        if "\r" in block:
            block = block.replace("\r\n", "\n").removesuffix("\r")
        rows = read_rows(block, self.scalar)
        node = top.node
        assert isinstance(node, dict)
        if rows is None or not node.keys().isdisjoint(rows):
            return 0
        node.update(rows)
        self.rows.setdefault(top.path, {}).update(zip(rows, range(number, end + 1), strict=True))
        return end - number + 1

    def value(self, text: str, path: Location, number: int) -> Any:
        text = text.strip()
        if not text or text[0] == "#":
            raise Unsupported(f"line {number}: empty item")
        if text[0] == "{" and (flat := self.flat_mapping(text, path, number)) is not None:
            return flat
        if text[0] in "[{\"'":
            value, end = self.node(text, 0, path, number, flow=text[0] in "[{")
            tail = text[end:]
            if tail.strip() and not re.match(r"\s+#", tail):
                raise Unsupported(f"line {number}: text after a value")
            return value
        cut = text.find(" #")
        plain = (text if cut < 0 else text[:cut]).rstrip()
        if _indicator_start(plain):
            raise Unsupported(f"line {number}: indicator")
        if ": " in plain or plain.endswith(":") or "\t" in plain:
            raise Unsupported(f"line {number}: ambiguous plain scalar")
        return self.scalar(plain)

    def flat_mapping(self, text: str, path: Location, number: int) -> dict[Any, Any] | None:
        """:data:`_FLAT` text read as JSON (its plain words quoted or resolved first), so a row
        costs two regex passes and a C parse; None for any other text, which :meth:`node` then
        reads char by char. Plain words go through the same resolver, so values are the same.
        What it holds is on line ``number``: it is recorded as one row (see :class:`Lines`)."""
        if _FLAT.fullmatch(text) is None:
            return None
        parts = text.split('"')
        outside = KEY_CLOSE.sub('"', KEY_OPEN.sub('"', GAP.join(parts[::2])))
        keys = outside.count(":")
        words = words_as_json(outside, self.scalar)
        if words is not None:
            parts[::2] = words.split(GAP)
        entries = None if words is None else JSON.decode('"'.join(parts))
        if (
            not isinstance(entries, dict)
            or len(entries) != keys
            or not self.string_keys(tuple(entries))
        ):
            return None  # a word that is no JSON value, a repeated key, a key like `true`
        self.rows.setdefault(path[:-1], {})[path[-1]] = number
        return entries

    def string_keys(self, keys: tuple[str, ...]) -> bool:
        """Whether every key reads as a string, as a plain word too (``true`` does not); rows
        of one file share a few key sets, so each set is resolved once."""
        known = self._key_sets.get(keys)
        if known is None:
            known = self._key_sets[keys] = all(isinstance(self.scalar(k), str) for k in keys if k)
        return known

    def node(self, text: str, at: int, path: Location, number: int, flow: bool) -> tuple[Any, int]:
        """One flow node starting at ``at``; returns (value, index after it)."""
        at = _skip(text, at)
        if at >= len(text):
            raise Unsupported(f"line {number}: unterminated flow collection")
        first = text[at]
        if first == '"':
            end = text.find('"', at + 1)
            if end < 0 or "\\" in text[at:end]:
                raise Unsupported(f"line {number}: double-quoted scalar")
            return text[at + 1 : end], end + 1
        if first == "'":
            end = at + 1
            while True:
                end = text.find("'", end)
                if end < 0:
                    raise Unsupported(f"line {number}: single-quoted scalar")
                if text.startswith("''", end):
                    end += 2
                    continue
                return text[at + 1 : end].replace("''", "'"), end + 1
        if first == "[":
            return self.sequence(text, at + 1, path, number)
        if first == "{":
            return self.mapping(text, at + 1, path, number)
        if not flow:
            raise Unsupported(f"line {number}: plain scalar")
        end = at
        while end < len(text):
            char = text[end]
            if char in _FLOW_STOP or (char == "#" and text[end - 1] == " "):
                break
            if char == ":" and (end + 1 == len(text) or text[end + 1] in " ,]}"):
                break
            end += 1
        plain = text[at:end].strip()
        if not plain or _indicator_start(plain) or ":" in plain:
            raise Unsupported(f"line {number}: flow scalar")
        return self.scalar(plain), end

    def sequence(self, text: str, at: int, path: Location, number: int) -> tuple[list[Any], int]:
        items: list[Any] = []
        at = _skip(text, at)
        if text.startswith("]", at):
            return items, at + 1
        while True:
            item_path = (*path, len(items))
            self.lines[item_path] = number
            item, at = self.node(text, at, item_path, number, flow=True)
            items.append(item)
            at = _skip(text, at)
            if text.startswith("]", at):
                return items, at + 1
            if not text.startswith(",", at) or text[_skip(text, at + 1) :].startswith("]"):
                raise Unsupported(f"line {number}: flow sequence")
            at += 1

    def mapping(
        self, text: str, at: int, path: Location, number: int
    ) -> tuple[dict[Any, Any], int]:
        entries: dict[Any, Any] = {}
        at = _skip(text, at)
        if text.startswith("}", at):
            return entries, at + 1
        while True:
            key, at = self.node(text, at, path, number, flow=True)
            if isinstance(key, dict | list) or key in entries or not text.startswith(": ", at):
                raise Unsupported(f"line {number}: flow mapping key")
            self.lines[(*path, key)] = number
            entries[key], at = self.node(text, at + 2, (*path, key), number, flow=True)
            at = _skip(text, at)
            if text.startswith("}", at):
                return entries, at + 1
            if not text.startswith(",", at) or text[_skip(text, at + 1) :].startswith("}"):
                raise Unsupported(f"line {number}: flow mapping")
            at += 1


def _indicator_start(plain: str) -> bool:
    """YAML indicators cannot start a plain scalar, except ``-`` glued to text (``-5``)."""
    if plain[0] == "-":
        return len(plain) == 1 or plain[1] == " "
    return plain[0] in _BAD_PLAIN_START


def _skip(text: str, at: int) -> int:
    while at < len(text) and text[at] == " ":
        at += 1
    return at
