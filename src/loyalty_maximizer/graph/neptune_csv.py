"""Graph rows as Amazon Neptune bulk-load CSV (the ``opencypher`` format), and back.

One node file per label (``nodes-<Label>.csv``) and one relationship file per type
(``edges-<TYPE>.csv``), RFC 4180 and UTF-8 as the loader requires. Node files start with
``id:ID`` (the node id, also stored as the ``id`` property the queries read) and ``:LABEL``;
relationship files with ``:ID,:START_ID,:END_ID,:TYPE`` and an ``id:String`` property,
because Neptune keeps a relationship's ``:ID`` only as its system id. Property columns
follow ``schema.columns_of`` (String, Long, Double, Bool). An empty field is an absent
property (null); strings are always quoted, so an empty string is ``""`` and stays one.

``read_neptune_csv`` is the inverse: the embedded engine and the local Neptune endpoint load
exactly the files that go to Neptune's loader.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loyalty_maximizer.errors import LoyaltyError
from loyalty_maximizer.graph.build import EdgeRow, GraphRows, NodeRow
from loyalty_maximizer.graph.embedded import write_knowledge_base
from loyalty_maximizer.graph.schema import (
    EDGE_TABLES,
    NODE_TABLES,
    Column,
    ColumnType,
    columns_of,
)

NODE_PREFIX = "nodes-"
EDGE_PREFIX = "edges-"

_NEPTUNE_TYPE: dict[ColumnType, str] = {
    "STRING": "String",
    "INT64": "Long",
    "DOUBLE": "Double",
    "BOOLEAN": "Bool",
}
# Neptune's type names are case-insensitive; narrower numeric types read as our wider ones.
_COLUMN_TYPE: dict[str, ColumnType] = {
    "string": "STRING",
    "byte": "INT64",
    "short": "INT64",
    "int": "INT64",
    "long": "INT64",
    "float": "DOUBLE",
    "double": "DOUBLE",
    "bool": "BOOLEAN",
    "boolean": "BOOLEAN",
}

_NODE_COLUMNS = {t.label: columns_of(t.model) for t in NODE_TABLES}
_EDGE_COLUMNS = {t.label: columns_of(t.model) if t.model else () for t in EDGE_TABLES}
_EDGE_PAIRS = {t.label: t.pairs for t in EDGE_TABLES}

# A quoted field (quotes doubled inside, newlines allowed) or an unquoted one.
_FIELD = re.compile(r'"([^"]*(?:""[^"]*)*)"|([^,"\r\n]*)')


class NeptuneCsvError(LoyaltyError):
    """A bulk-load CSV file that cannot be written or read back as graph rows."""

    code = "neptune_csv"


# Writing.


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _field(column: Column, value: Any) -> str:
    """The CSV field of a property: strings quoted (so "" is an empty string), null empty."""
    if value is None:
        return ""
    match column.type:
        case "STRING":
            return _quote(str(value))
        case "BOOLEAN":
            return "true" if value else "false"
        case "DOUBLE" if not math.isfinite(value):
            raise NeptuneCsvError(f"{column.name}: {value} is not a number Neptune can load")
    return str(value)


def _property_headers(columns: tuple[Column, ...]) -> list[str]:
    return [f"{c.name}:{_NEPTUNE_TYPE[c.type]}" for c in columns]


def _write(path: Path, header: list[str], records: list[list[str]]) -> None:
    # Header names hold no separators, so they are written bare, as Neptune's examples are.
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(header) + "\n")
        handle.writelines(",".join(record) + "\n" for record in records)


def write_neptune_csv(rows: GraphRows, directory: Path) -> list[Path]:
    """Write ``rows`` as Neptune bulk-load files in ``directory``; return the files written.

    ``directory`` is the loader's source prefix: files of an earlier write that this one
    does not replace are removed, so it holds exactly one graph. Tables without rows get no
    file. The same rows always give byte-identical files.
    """
    unknown = sorted({n.label for n in rows.nodes} - _NODE_COLUMNS.keys()) + sorted(
        {e.label for e in rows.edges} - _EDGE_COLUMNS.keys()
    )
    if unknown:
        raise NeptuneCsvError(f"labels not in the graph schema: {', '.join(unknown)}")
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for label, columns in _NODE_COLUMNS.items():
        nodes = sorted((n for n in rows.nodes if n.label == label), key=lambda n: n.id)
        if not nodes:
            continue
        path = directory / f"{NODE_PREFIX}{label}.csv"
        _write(
            path,
            ["id:ID", ":LABEL", *_property_headers(columns)],
            [
                [_quote(n.id), _quote(n.label), *(_field(c, n.properties[c.name]) for c in columns)]
                for n in nodes
            ],
        )
        written.append(path)
    for label, columns in _EDGE_COLUMNS.items():
        edges = sorted((e for e in rows.edges if e.label == label), key=lambda e: e.id)
        if not edges:
            continue
        path = directory / f"{EDGE_PREFIX}{label}.csv"
        _write(
            path,
            [":ID", ":START_ID", ":END_ID", ":TYPE", "id:String", *_property_headers(columns)],
            [
                [
                    *map(_quote, (e.id, e.from_id, e.to_id, e.label, e.id)),
                    *(_field(c, e.properties[c.name]) for c in columns),
                ]
                for e in edges
            ],
        )
        written.append(path)
    for stale in directory.glob("*.csv"):
        if stale.name.startswith((NODE_PREFIX, EDGE_PREFIX)) and stale not in written:
            stale.unlink()
    return written


# Reading.

Field = str | None  # None: an unquoted empty field, which Neptune reads as no property


def _records(path: Path) -> Iterator[tuple[int, list[Field]]]:
    """(line number, fields) of each record of an RFC 4180 file."""
    with path.open(encoding="utf-8", newline="") as handle:  # keep \r\n inside values
        text = handle.read().removeprefix("\ufeff")
    pos, line = 0, 1
    while pos < len(text):
        start, fields = line, []
        while True:
            match = _FIELD.match(text, pos)
            assert match is not None  # the unquoted branch matches the empty string
            quoted, bare = match.groups()
            fields.append(quoted.replace('""', '"') if quoted is not None else bare or None)
            line += match.group().count("\n")
            pos = match.end()
            if not text.startswith(",", pos):
                break
            pos += 1
        if text.startswith("\r\n", pos):
            pos += 2
        elif text.startswith(("\n", "\r"), pos):
            pos += 1
        elif pos < len(text):
            raise NeptuneCsvError(
                f"{path}:{line}: unexpected {text[pos]!r} in field {len(fields)}: quote a "
                'value that holds a quote, and double the quotes inside it ("")'
            )
        line += 1
        yield start, fields


@dataclass(frozen=True)
class _Header:
    system: dict[str, int]  # ":ID", ":LABEL", ... -> position
    properties: list[tuple[int, str, ColumnType]]  # position, name, type


_SYSTEM_COLUMNS = frozenset({":ID", ":LABEL", ":START_ID", ":END_ID", ":TYPE"})


def _header(path: Path, fields: list[Field]) -> _Header:
    system: dict[str, int] = {}
    properties: list[tuple[int, str, ColumnType]] = []
    for position, field in enumerate(fields):
        name, _, kind = (field or "").rpartition(":")
        if not name and f":{kind}" in _SYSTEM_COLUMNS:
            system[f":{kind}"] = position
        elif name and kind == "ID":
            # ``name:ID``: the node id, also stored as the property ``name``.
            system[":ID"] = position
            properties.append((position, name, "STRING"))
        elif name and kind.lower() in _COLUMN_TYPE:
            properties.append((position, name, _COLUMN_TYPE[kind.lower()]))
        else:
            raise NeptuneCsvError(
                f"{path}:1: column {position + 1} ({field!r}): want one of "
                f"{', '.join(sorted(_SYSTEM_COLUMNS))} or name:Type with Type one of String, "
                "Long, Double, Bool"
            )
    return _Header(system, properties)


def _value(kind: ColumnType, text: str) -> Any:
    try:
        match kind:
            case "STRING":
                return text
            case "INT64":
                return int(text)
            case "DOUBLE":
                return float(text)
            case "BOOLEAN":
                return {"true": True, "false": False}[text.lower()]
    except (KeyError, ValueError) as exc:
        want = _NEPTUNE_TYPE[kind]
        raise NeptuneCsvError(f"{text!r} is not a {want}") from exc


def _properties(
    path: Path, line: int, header: _Header, fields: list[Field], columns: tuple[Column, ...]
) -> dict[str, Any]:
    expected = {c.name: c.type for c in columns}
    result: dict[str, Any] = dict.fromkeys(expected)
    for position, name, kind in header.properties:
        if name not in expected:
            raise NeptuneCsvError(f"{path}:1: property {name} is not in the graph schema")
        if kind != expected[name]:
            raise NeptuneCsvError(
                f"{path}:1: property {name} has type {_NEPTUNE_TYPE[kind]}; the graph schema "
                f"wants {_NEPTUNE_TYPE[expected[name]]}"
            )
        text = fields[position]
        try:
            result[name] = None if text is None else _value(kind, text)
        except NeptuneCsvError as exc:
            raise NeptuneCsvError(f"{path}:{line}: {name}: {exc}") from exc
    return result


def _required(path: Path, line: int, header: _Header, fields: list[Field], name: str) -> str:
    position = header.system.get(name)
    if position is None:
        raise NeptuneCsvError(f"{path}:1: the header has no {name} column")
    value = fields[position]
    if not value:
        raise NeptuneCsvError(f"{path}:{line}: {name} is empty")
    return value


def _check_id_property(path: Path, line: int, value: Any, system_id: str) -> None:
    # The queries read ``n.id`` and ``e.id``; on Neptune only a property holds them.
    if value != system_id:
        raise NeptuneCsvError(
            f"{path}:{line}: property id is {value!r}; it must equal the :ID {system_id!r}"
        )


@dataclass(frozen=True)
class _PendingEdge:
    path: Path
    line: int
    label: str
    id: str
    from_id: str
    to_id: str
    properties: dict[str, Any]


def _read_file(path: Path, nodes: dict[str, NodeRow], edges: list[_PendingEdge]) -> None:
    records = _records(path)
    first = next(records, None)
    if first is None:
        raise NeptuneCsvError(f"{path}: empty file; a bulk-load file starts with its header")
    header = _header(path, first[1])
    is_edges = ":START_ID" in header.system
    for line, fields in records:
        if len(fields) != len(first[1]):
            raise NeptuneCsvError(
                f"{path}:{line}: {len(fields)} fields where the header has {len(first[1])}"
            )
        if is_edges:
            label = _required(path, line, header, fields, ":TYPE")
            if label not in _EDGE_COLUMNS:
                raise NeptuneCsvError(f"{path}:{line}: relationship type {label} is unknown")
            edge_id = _required(path, line, header, fields, ":ID")
            columns = (Column("id", "STRING"), *_EDGE_COLUMNS[label])
            properties = _properties(path, line, header, fields, columns)
            _check_id_property(path, line, properties.pop("id"), edge_id)
            edges.append(
                _PendingEdge(
                    path,
                    line,
                    label,
                    edge_id,
                    _required(path, line, header, fields, ":START_ID"),
                    _required(path, line, header, fields, ":END_ID"),
                    properties,
                )
            )
        else:
            label = _required(path, line, header, fields, ":LABEL")
            if label not in _NODE_COLUMNS:
                raise NeptuneCsvError(f"{path}:{line}: node label {label} is unknown")
            node_id = _required(path, line, header, fields, ":ID")
            columns = (Column("id", "STRING"), *_NODE_COLUMNS[label])
            properties = _properties(path, line, header, fields, columns)
            _check_id_property(path, line, properties.pop("id"), node_id)
            if node_id in nodes:
                raise NeptuneCsvError(f"{path}:{line}: node {node_id} appears twice")
            nodes[node_id] = NodeRow(label, node_id, properties)


def _resolve(edge: _PendingEdge, nodes: dict[str, NodeRow]) -> EdgeRow:
    ends = []
    for role, node_id in (("start", edge.from_id), ("end", edge.to_id)):
        node = nodes.get(node_id)
        if node is None:
            raise NeptuneCsvError(
                f"{edge.path}:{edge.line}: relationship {edge.id}: no node file holds its "
                f"{role} node {node_id}"
            )
        ends.append(node.label)
    if (ends[0], ends[1]) not in _EDGE_PAIRS[edge.label]:
        raise NeptuneCsvError(
            f"{edge.path}:{edge.line}: {edge.label} does not go from {ends[0]} to {ends[1]}"
        )
    return EdgeRow(edge.label, edge.id, ends[0], edge.from_id, ends[1], edge.to_id, edge.properties)


def read_neptune_csv(directory: Path) -> GraphRows:
    """The graph rows of every ``*.csv`` bulk-load file in ``directory``, sorted by id.

    Files are told apart by their header (a ``:START_ID`` column makes a relationship file),
    not by name, as Neptune's loader does.
    """
    paths = sorted(directory.glob("*.csv"))
    if not paths:
        raise NeptuneCsvError(f"{directory} holds no .csv bulk-load files")
    nodes: dict[str, NodeRow] = {}
    pending: list[_PendingEdge] = []
    for path in paths:
        _read_file(path, nodes, pending)
    edges: dict[str, EdgeRow] = {}
    for edge in pending:
        if edge.id in edges:
            raise NeptuneCsvError(f"{edge.path}:{edge.line}: relationship {edge.id} appears twice")
        edges[edge.id] = _resolve(edge, nodes)
    return GraphRows(
        sorted(nodes.values(), key=lambda n: n.id), sorted(edges.values(), key=lambda e: e.id)
    )


def load_csv_into_knowledge_base(directory: Path, kb_dir: Path) -> dict[str, Any]:
    """Replace the embedded knowledge base in ``kb_dir`` with the graph of the CSV files."""
    return write_knowledge_base(kb_dir, read_neptune_csv(directory))
