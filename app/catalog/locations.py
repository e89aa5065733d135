"""Where each key and item of a configuration file is: its line, by path from the root.

Errors name a ``file:line``, so the reader records a line for every key and item. A generated
``accounts.yaml`` holds 100,000 one-line rows of six keys and a list each; a tuple per key and
item was a million paths, a large share of the load time and of its peak memory. Everything
inside a one-line value is on that value's line, so such a value is recorded once, as a row
of its parent, and the lines of what it contains are derived when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

Location = tuple[Any, ...]
"""Keys and list indexes from the document root to a node."""


class Lines(MutableMapping[Location, int]):
    """Line of every key and item by path, as a mapping equal to one listing each of them."""

    def __init__(
        self, data: Any, paths: dict[Location, int], rows: dict[Location, dict[Any, int]]
    ) -> None:
        self._data = data
        self._paths = paths
        """Lines recorded one by one (block mappings, sequences, multi-line values)."""
        self._rows = rows
        """Parent path -> key or index -> line, for values written whole on that line."""

    def __getitem__(self, path: Location) -> int:
        line = self._paths.get(path)
        if line is not None:
            return line
        for cut in range(len(path), 0, -1):
            row = self._rows.get(path[: cut - 1], {}).get(path[cut - 1])
            if row is not None:
                if _holds(self._node(path[:cut]), path[cut:]):
                    return row
                break
        raise KeyError(path)

    def __setitem__(self, path: Location, line: int) -> None:
        self._paths[path] = line

    def __delitem__(self, path: Location) -> None:
        del self._paths[path]

    def __iter__(self) -> Iterator[Location]:
        yield from self._paths
        for parent, rows in self._rows.items():
            for key in rows:
                path = (*parent, key)
                if path not in self._paths:
                    yield path
                yield from _inside(self._node(path), path)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _node(self, path: Location) -> Any:
        node = self._data
        for step in path:
            node = node[step]
        return node


def _holds(node: Any, steps: Location) -> bool:
    """Whether ``steps`` lead from ``node`` to something it contains (keys and list indexes
    compare as the keys of a dict of paths would)."""
    for step in steps:
        if isinstance(node, dict) and step in node:
            node = node[step]
        elif isinstance(node, list) and step in range(len(node)):
            node = node[int(step)]
        else:
            return False
    return True


def _inside(node: Any, path: Location) -> Iterator[Location]:
    """The paths of everything ``node`` contains, depth first."""
    items: Iterable[tuple[Any, Any]] = ()
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    for key, child in items:
        yield (*path, key)
        yield from _inside(child, (*path, key))
