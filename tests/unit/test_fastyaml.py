"""The fast reader's block path: rows of one-line flow mappings read as one JSON text.

Whatever it reads must be exactly what ruamel reads, lines included; whatever it cannot vouch
for goes row by row (or to ruamel), so these tests compare against ruamel throughout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from app.catalog import fastyaml, flowjson
from app.catalog.errors import ConfigError
from app.catalog.loader import load_catalog
from app.catalog.locations import Lines
from app.catalog.sources import Source, _plain
from tests.unit.test_catalog import POLICY, SERVICES


def _ruamel(text: str) -> tuple[object, dict[tuple[object, ...], int]]:
    source = Source("x.yaml", None)
    source.data = _plain(YAML(typ="rt").load(text), (), source.lines)
    return source.data, dict(source.lines)


def _agrees(text: str) -> None:
    data, lines = fastyaml.load(text)
    assert (data, dict(lines)) == _ruamel(text)
    assert lines == _ruamel(text)[1]


ROWS = "accounts:\n" + "".join(
    f"  {key}: {row}\n"
    for key, row in [
        ("a1", '{name: "Acme, Inc: #1", arr: 53646, users: 0, dependence: "critical"}'),
        ("a2", '{name: Globex, arr: -5, uses: [checkout, "search", 7], liaison: U0CS15}'),
        ("a3", "{flag: true, other: False, none: null, tilde: NULL, yes_word: yes, on: off}"),
        ("a4", '{name: "tab\there", uses: []}'),
        ("a5", '{ "quoted key": 1 ,  spaced :  2, dotted.key-x: a.b-c }'),
        ("a6", "{}"),
        ("a_7", "{nested: [[1, 2], [x]], n: Nan, inf: Infinity, zero: -0}"),
    ]
)


@pytest.mark.parametrize(
    "text",
    [
        ROWS,
        ROWS.replace("\n", "\r\n"),
        ROWS.replace("accounts:\n", "accounts:\n  first: {a: 1}\n\n"),
        'top1: {a: 1, b: [x]}\ntop2: {c: "d"}\nafter:\n  - {e: f}\n  - {g: h}\n',
        "a:\n  b:\n    r1: {k: 1}\n    r2: {k: 2}\n  c: 3\n",
        "a:\n  r1: {k: 1}\n  r2: {k: 2}\n  r3: {k: 3} # note\n  r4: {k: 4}\n  r5: {k: [5]}\n",
        "a:\n  r1: {k: 1}\n  r2: {k: 2}\n  r3:\n    k: 3\n  r4: {k: 4}\n  r5: {k: [5]}\n",
    ],
)
def test_a_block_of_rows_reads_as_ruamel_reads_it(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks: list[object] = []

    def spy(block: str, scalar: flowjson.Resolver) -> object:
        blocks.append(flowjson.read_rows(block, scalar))
        return blocks[-1]

    monkeypatch.setattr(fastyaml, "read_rows", spy)
    _agrees(text)
    assert blocks and None not in blocks, "read as a block, not row by row"


@pytest.mark.parametrize(
    "row",
    [
        "{a: 1.5}",  # a float: JSON and YAML may differ, not read as a block
        "{a: 1e3}",  # a string to YAML 1.2, a float to JSON
        "{a: -Infinity}",  # a string to YAML, -inf to JSON
        "{a: [1.0, 2]}",
        "{a: 1} # a comment",
        "{a: 'single'}",
        '{a: "esc\\"aped"}',
        "{a: two words}",
        "{a:1}",  # one plain scalar `a:1` to YAML
        "{a: 1, a: 2}",  # a repeated key inside a row: ruamel refuses it
        "{a: 012}",
        "{a: &x 1}",
        "{true: 1}",  # a boolean key
        "{2fa: on}",
        "[1, 2]",  # not a flow mapping
        "5",
        "{a: {b: 1}}",
        "{a: {}}",
    ],
)
def test_rows_outside_the_block_subset_are_read_row_by_row_or_by_ruamel(row: str) -> None:
    text = f"accounts:\n  r0: {{a: 0}}\n  r1: {row}\n  r2: {{b: 2}}\n"
    try:
        expected = _ruamel(text)
    except YAMLError:
        with pytest.raises(fastyaml.Unsupported):
            fastyaml.load(text)
        return
    try:
        data, lines = fastyaml.load(text)
    except fastyaml.Unsupported:
        return  # ruamel reads it
    assert (data, dict(lines)) == expected


def test_block_reader_refuses_what_it_cannot_vouch_for() -> None:
    scalar = fastyaml._Scalars()
    assert flowjson.read_rows("  a: {x: 1}\n  b: {y: [z]}", scalar) == {
        "a": {"x": 1},
        "b": {"y": ["z"]},
    }
    for block in [
        "  a: {x: 1\n  b: 2}",  # a flow mapping over two lines
        "  a: {x: 1}, b: {y: 2}",  # two rows on a line
        "  a: {x: 1}\n  a: {x: 2}",  # the caller reports the repeated row key
        "  a: {x: 1, x: 2}\n  b: {y: 2}",
        "  a: {x: 1}\n  b: 2",
        '  a: {x: "multi\n  line"}',
    ]:
        assert flowjson.read_rows(block, scalar) is None, block


def test_a_repeated_row_key_in_a_block_is_reported_with_its_line() -> None:
    with pytest.raises(fastyaml.DuplicateKey) as raised:
        fastyaml.load("accounts:\n  a: {x: 1}\n  b: {x: 2}\n  a: {x: 3}\n")
    assert (raised.value.key, raised.value.line) == ("a", 4)
    with pytest.raises(fastyaml.DuplicateKey) as raised:
        fastyaml.load("accounts:\n  a:\n    x: 1\n  b: {x: 2}\n  a: {x: 3}\n")
    assert (raised.value.key, raised.value.line) == ("a", 5)


def test_lines_inside_a_row_are_derived_from_the_row() -> None:
    _, lines = fastyaml.load(ROWS)
    assert isinstance(lines, Lines)
    assert lines[("accounts", "a2")] == 3
    assert lines[("accounts", "a2", "uses", 2)] == 3
    assert lines.get(("accounts", "a2", "uses", 3)) is None
    assert lines.get(("accounts", "a2", "nope")) is None
    assert lines.get(("accounts", "a1", "name", 0)) is None  # a string holds no items
    assert Source("x.yaml", None, lines).line(("accounts", "a2", "missing", 1)) == 3
    lines[("accounts", "a2")] = 9
    assert lines[("accounts", "a2")] == 9


_WORDS = ["acme", "true", "False", "null", "NULL", "yes", "no", "on", "x.y-z", "_u", "Nan"]
_SCALARS = st.one_of(
    st.sampled_from(_WORDS),
    st.integers(-(10**12), 10**12).map(str),
    st.sampled_from(["1.5", "-0", "007", "1e3", "-x"]),
    st.text("ab :,#{}[]'\t-", max_size=6).map(lambda text: f'"{text}"'),
)
_VALUES = st.one_of(_SCALARS, st.lists(_SCALARS, max_size=3).map(lambda xs: f"[{', '.join(xs)}]"))
_KEYS = st.sampled_from(["name", "arr", "uses", "true", '"quoted"', "k.1", "liaison"])
_ROWS = st.lists(
    st.lists(st.tuples(_KEYS, _VALUES), max_size=4).map(
        lambda pairs: "{" + ", ".join(f"{key}: {value}" for key, value in pairs) + "}"
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=300)
@given(_ROWS, st.sampled_from(["", "  "]))
def test_generated_rows_read_as_ruamel_reads_them(rows: list[str], indent: str) -> None:
    head = "accounts:\n" if indent else ""
    text = head + "".join(f"{indent}r{n}: {row}\n" for n, row in enumerate(rows))
    try:
        expected = _ruamel(text)
    except YAMLError:
        expected = None
    try:
        data, lines = fastyaml.load(text)
    except fastyaml.Unsupported:
        return  # the loader falls back to ruamel
    assert (data, dict(lines)) == expected


def test_a_schema_error_inside_a_block_names_its_line(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(POLICY)
    (tmp_path / "services.yaml").write_text(SERVICES)
    (tmp_path / "accounts.yaml").write_text(
        "accounts:\n"
        '  acme: {name: "Acme", arr: 1, users: 1, dependence: standard, uses: [checkout]}\n'
        '  globex: {name: "Globex", arr: -1, users: 1, dependence: standard}\n'
        '  hooli: {name: "Hooli", arr: 1, users: 1, dependence: standard, uses: [nope]}\n'
    )
    with pytest.raises(ConfigError) as raised:
        load_catalog(tmp_path)
    problems = [str(issue) for issue in raised.value.issues]
    assert "accounts.yaml:3: `accounts.globex.arr`: must be at least 0, got `-1`" in problems
    assert any(
        problem.startswith("accounts.yaml:4: unknown service `nope`") for problem in problems
    )
