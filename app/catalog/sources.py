"""Configuration files read into plain data plus the line of every key, item and CSV row.

Validation reports locations as paths (``accounts.acme.uses[1]``); ``Source.line`` maps a path
to the nearest line that exists, so a missing key points at the mapping that lacks it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from app.catalog import fastyaml
from app.catalog.errors import ConfigIssue
from app.catalog.locations import Location
from app.catalog.schema import ACCOUNT_COLUMNS


@dataclass
class Source:
    file: str
    data: Any
    lines: MutableMapping[Location, int] = field(default_factory=lambda: {(): 1})

    def line(self, path: Sequence[Any]) -> int:
        """Line of the deepest existing key or item along ``path``."""
        location = tuple(path)
        for end in range(len(location), 0, -1):
            line = self.lines.get(location[:end])
            if line is not None:
                return line
        return self.lines.get((), 1)

    def issue(self, path: Sequence[Any], message: str) -> ConfigIssue:
        return ConfigIssue(self.file, self.line(path), message)

    def describe(self, path: Sequence[Any]) -> str:
        """``escalation[0].page[1]``: list positions as indexes, everything else as keys."""
        text, node = "", self.data
        for step in path:
            if isinstance(node, list) and isinstance(step, int):
                text += f"[{step}]"
                node = node[step] if 0 <= step < len(node) else None
            else:
                text += f".{step}" if text else str(step)
                node = node.get(step) if isinstance(node, dict) else None
        return text


def read_yaml(path: Path, issues: list[ConfigIssue]) -> Source | None:
    """The file's data, or None after recording why it could not be read."""
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        issues.append(ConfigIssue(name, 0, f"file not found: {path}"))
        return None
    except (OSError, UnicodeDecodeError) as error:
        issues.append(ConfigIssue(name, 0, f"cannot read {path}: {error}"))
        return None
    try:
        data, lines = fastyaml.load(text)
        return Source(name, data, lines)
    except fastyaml.DuplicateKey as error:
        issues.append(ConfigIssue(name, error.line, f"duplicate key `{error.key}`"))
        return None
    except fastyaml.Unsupported:
        pass
    try:
        document = YAML(typ="rt").load(text)
    except YAMLError as error:
        issues.append(ConfigIssue(name, _error_line(error, text), _error_message(error)))
        return None
    source = Source(name, None)
    source.data = _plain(document, (), source.lines)
    return source


def _plain(node: Any, path: Location, lines: MutableMapping[Location, int]) -> Any:
    """ruamel's round-trip types to plain ones, recording 1-based lines on the way."""
    if isinstance(node, CommentedMap):
        result: dict[Any, Any] = {}
        for key, value in node.items():
            plain_key = _plain(key, path, lines)
            lines[(*path, plain_key)] = _line(node, key)
            result[plain_key] = _plain(value, (*path, plain_key), lines)
        return result
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, value in enumerate(node):
            lines[(*path, index)] = _line(node, index)
            items.append(_plain(value, (*path, index), lines))
        return items
    for kind in (bool, str, int, float):
        if isinstance(node, kind):
            return kind(node)
    return node


def _line(node: CommentedMap | CommentedSeq, key: Any) -> int:
    """Keys merged in with ``<<: *anchor`` have no position of their own: use the mapping's."""
    position = node.lc.data.get(key)
    return int(position[0] if position else node.lc.line or 0) + 1


def _error_line(error: YAMLError, text: str) -> int:
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            return int(mark.line) + 1
    position = getattr(error, "position", None)
    return text.count("\n", 0, position) + 1 if isinstance(position, int) else 1


def _error_message(error: YAMLError) -> str:
    if isinstance(error, DuplicateKeyError):
        key = re.search(r'duplicate key "(.*?)" with value', str(error.problem))
        if key:
            return f"duplicate key `{key.group(1)}`"
    if isinstance(error, MarkedYAMLError) and error.problem:
        message = f"not valid YAML: {error.problem}"
        mark = error.context_mark
        if error.context and mark is not None and mark != error.problem_mark:
            message += f" ({error.context} started at line {mark.line + 1})"
        return message
    return f"not valid YAML: {' '.join(str(error).split())}"


def read_accounts_csv(path: Path, issues: list[ConfigIssue]) -> Source | None:
    """accounts.csv as if it were ``accounts:`` in YAML; ``uses`` and ``contacts`` split
    on ';' or spaces.

    Empty cells count as absent, so optional columns may be left blank.
    """
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        issues.append(ConfigIssue(name, 0, f"cannot read {path}: {error}"))
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [column.strip() for column in next(reader, [])]
    source = Source(name, {"accounts": {}}, {(): 1, ("accounts",): 1})
    problems = [
        ConfigIssue(name, 1, f"unknown column `{column}` (columns: {', '.join(ACCOUNT_COLUMNS)})")
        for column in header
        if column not in ACCOUNT_COLUMNS
    ]
    if "id" not in header:
        problems.append(ConfigIssue(name, 1, "missing column `id` (the account id)"))
    if problems:
        issues.extend(problems)
        return None
    accounts: dict[str, dict[str, str | list[str]]] = source.data["accounts"]
    previous_end = reader.line_num
    for row in reader:
        number, previous_end = previous_end + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            issues.append(ConfigIssue(name, number, f"{len(row)} cells, header has {len(header)}"))
            continue
        cells: dict[str, str | list[str]] = {
            col: cell.strip() for col, cell in zip(header, row, strict=False) if cell.strip()
        }
        account_id = str(cells.pop("id", ""))
        if not account_id:
            issues.append(ConfigIssue(name, number, "`id` is required"))
            continue
        if account_id in accounts:
            first = source.lines[("accounts", account_id)]
            issues.append(
                ConfigIssue(
                    name, number, f"duplicate account `{account_id}` (first at line {first})"
                )
            )
            continue
        for column in ("uses", "contacts"):
            if isinstance(listed := cells.get(column), str):
                cells[column] = listed.replace(";", " ").split()
        accounts[account_id] = cells
        source.lines[("accounts", account_id)] = number
    return source
