"""YAML read with the line of every key and item, so any later check can name its line.

libyaml composes the node tree in C (thousands of accounts load fast); one Python walk over
the nodes records lines and catches duplicate keys, which plain YAML loading silently merges.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from app.catalog.errors import ConfigIssue

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - libyaml is in the PyYAML wheels we install
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

PathKey = tuple[str, ...]


@dataclass
class Document:
    file: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line(self, *path: object) -> int:
        """Line of the deepest part of ``path`` that exists in the file (1 if none)."""
        key = tuple(str(part) for part in path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return 1

    def issue(self, message: str, *path: object) -> ConfigIssue:
        return ConfigIssue(self.file, self.line(*path), message)


def _walk(node: yaml.Node, path: PathKey, doc: Document, issues: list[ConfigIssue]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*path, key)
            if key in seen:
                issues.append(
                    ConfigIssue(doc.file, key_node.start_mark.line + 1, f"duplicate key `{key}`")
                )
            seen.add(key)
            doc.lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, doc, issues)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            child = (*path, str(index))
            doc.lines[child] = item.start_mark.line + 1
            _walk(item, child, doc, issues)


def read_yaml(path: Path, issues: list[ConfigIssue]) -> Document | None:
    name = path.name
    try:
        loader = Loader(path.read_text(encoding="utf-8"))
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        issues.append(ConfigIssue(name, line, f"not valid YAML: {error.problem or error}"))
        return None
    except (OSError, UnicodeDecodeError) as error:
        issues.append(ConfigIssue(name, 1, f"cannot read the file: {error}"))
        return None
    doc = Document(name, data if data is not None else {})
    if node is not None:
        _walk(node, (), doc, issues)
    if not isinstance(doc.data, dict):
        issues.append(ConfigIssue(name, 1, "the file must be a mapping of keys to values"))
        return None
    return doc
