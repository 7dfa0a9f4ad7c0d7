"""Neptune bulk-load CSV: the files' format, the round trip back to graph rows, and the
embedded knowledge base loaded from the same files."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from loyalty_maximizer.facts.models import Airport, FactModel, Route
from loyalty_maximizer.graph.build import EdgeRow, GraphRows, NodeRow, graph_rows
from loyalty_maximizer.graph.embedded import graph_stats, open_knowledge_base, write_knowledge_base
from loyalty_maximizer.graph.neptune_csv import (
    NeptuneCsvError,
    load_csv_into_knowledge_base,
    read_neptune_csv,
    write_neptune_csv,
)
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.graph.schema import columns_of

pytestmark = pytest.mark.integration

AIRPORT_COLUMNS = [c.name for c in columns_of(Airport)]
ROUTE_COLUMNS = [c.name for c in columns_of(Route)]

TRICKY = [
    "plain",
    "comma, inside",
    'a "quoted" word',
    'ends with a quote"',
    "two\nlines",
    "windows\r\nline",
    "",
    " leading and trailing spaces ",
    "Zürich – 東京 ✈ ",
    '""',
    ",",
    '"\n,"',
]


def _airport(airport_id: str, **values: object) -> NodeRow:
    properties: dict[str, object] = dict.fromkeys(AIRPORT_COLUMNS)
    properties |= {"airportId": airport_id, **values}
    return NodeRow("Airport", f"airport:{airport_id}", properties)


def _route(origin: str, destination: str, **values: object) -> EdgeRow:
    properties: dict[str, object] = dict.fromkeys(ROUTE_COLUMNS)
    properties |= {"origin": origin, "destination": destination, **values}
    return EdgeRow(
        "FLIES",
        f"FLIES:airport:{origin}->airport:{destination}:x",
        "Airport",
        f"airport:{origin}",
        "Airport",
        f"airport:{destination}",
        properties,
    )


@pytest.fixture
def sample_rows(sample_facts: list[FactModel]) -> GraphRows:
    return graph_rows(sample_facts)


@pytest.fixture
def tricky_rows() -> GraphRows:
    nodes = [
        _airport(f"T{i:02d}", name=text, city=None if i % 2 else text, latitude=-33.946111)
        for i, text in enumerate(TRICKY)
    ]
    nodes.append(_airport("NUM", latitude=1e-07, longitude=-1.5e300, name=None))
    nodes.append(_airport('Q"X,Y', name="id with a quote and a comma"))
    edges = [
        _route("T00", "T01", bidirectional=True, cabins='["economy","business"]'),
        _route("T01", "T00", bidirectional=False, airlineId=""),
        _route("NUM", 'Q"X,Y', bidirectional=None, effectiveDate="2025-01-01"),
    ]
    return GraphRows(sorted(nodes, key=lambda n: n.id), sorted(edges, key=lambda e: e.id))


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


# Round trips


def test_round_trip__sample_knowledge__gives_the_same_rows(
    sample_rows: GraphRows, tmp_path: Path
) -> None:
    # WHEN the sample's graph rows are written as CSV and read back
    write_neptune_csv(sample_rows, tmp_path)
    back = read_neptune_csv(tmp_path)

    # THEN every node and edge comes back equal, labels and property types included
    assert back == sample_rows


def test_round_trip__tricky_values__survive(tricky_rows: GraphRows, tmp_path: Path) -> None:
    # WHEN rows with separators, quotes, newlines, unicode, "" and null are written and read
    write_neptune_csv(tricky_rows, tmp_path)
    back = read_neptune_csv(tmp_path)

    # THEN they come back exactly: an empty string stays "", null stays null
    assert back == tricky_rows
    by_id = {n.id: n for n in back.nodes}
    assert by_id["airport:T06"].properties["name"] == ""
    assert by_id["airport:T06"].properties["city"] == ""
    assert by_id["airport:T01"].properties["city"] is None
    assert by_id["airport:NUM"].properties["longitude"] == -1.5e300


def test_write__fields_parse_with_a_standard_rfc4180_reader(
    tricky_rows: GraphRows, tmp_path: Path
) -> None:
    # GIVEN the tricky rows written as CSV
    write_neptune_csv(tricky_rows, tmp_path)

    # WHEN a standard CSV reader (not ours) reads the node file
    with (tmp_path / "nodes-Airport.csv").open(encoding="utf-8", newline="") as handle:
        header, *records = list(csv.reader(handle, strict=True))

    # THEN it sees one record per node with each name intact, as Neptune's loader would
    names = [dict(zip(header, r, strict=True))["name:String"] for r in records]
    expected = [n.properties["name"] or "" for n in tricky_rows.nodes]
    assert names == expected


# Format


def test_write__headers_are_neptune_opencypher_headers(
    sample_rows: GraphRows, tmp_path: Path
) -> None:
    # WHEN the sample is written
    paths = write_neptune_csv(sample_rows, tmp_path)

    # THEN node files start with id:ID and :LABEL, relationship files with :ID, :START_ID,
    # :END_ID, :TYPE, and properties are name:Type with Neptune's type names
    assert (tmp_path / "nodes-Airport.csv").read_text(encoding="utf-8").splitlines()[0] == (
        "id:ID,:LABEL,sourceDocumentId:String,airportId:String,name:String,city:String,"
        "country:String,latitude:Double,longitude:Double,metroCode:String"
    )
    assert (tmp_path / "edges-TRANSFERS_TO.csv").read_text(encoding="utf-8").splitlines()[0] == (
        ":ID,:START_ID,:END_ID,:TYPE,id:String,sourceDocumentId:String,effectiveDate:String,"
        "expirationDate:String,fromProgramId:String,toProgramId:String,ratioFrom:Long,"
        "ratioTo:Long,minimumTransfer:Long,transferIncrement:Long,blockBonus:String,"
        "transferTime:String"
    )
    assert (tmp_path / "edges-MEMBER_OF.csv").read_text(encoding="utf-8").splitlines()[0] == (
        ":ID,:START_ID,:END_ID,:TYPE,id:String"
    )
    assert "perSegment:Bool" in (tmp_path / "nodes-AwardPrice.csv").read_text(encoding="utf-8")
    # one file per label and type that has rows, nothing else
    labels = {n.label for n in sample_rows.nodes}
    types = {e.label for e in sample_rows.edges}
    assert sorted(p.name for p in paths) == sorted(
        [f"nodes-{label}.csv" for label in labels] + [f"edges-{t}.csv" for t in types]
    )


def test_write__values__strings_quoted_others_bare_null_empty(
    tricky_rows: GraphRows, tmp_path: Path
) -> None:
    # WHEN the tricky rows are written
    write_neptune_csv(tricky_rows, tmp_path)
    lines = (tmp_path / "edges-FLIES.csv").read_text(encoding="utf-8").splitlines()

    # THEN strings are quoted ("" for empty), booleans and numbers bare, null an empty field
    header = lines[0].split(",")
    record = dict(
        zip(header, next(line for line in lines if "T01->" in line).split(","), strict=True)
    )
    assert record["airlineId:String"] == '""'
    assert record["bidirectional:Bool"] == "false"
    assert record["effectiveDate:String"] == ""
    number_line = (tmp_path / "nodes-Airport.csv").read_text(encoding="utf-8").splitlines()
    assert any(",1e-07,-1.5e+300," in line for line in number_line)


def test_write__twice__gives_byte_identical_files(sample_rows: GraphRows, tmp_path: Path) -> None:
    # GIVEN the same rows, once in the order graph_rows gives and once reversed
    reversed_rows = GraphRows(sample_rows.nodes[::-1], sample_rows.edges[::-1])

    # WHEN each is written to its own directory, and the first one written again
    write_neptune_csv(sample_rows, tmp_path / "a")
    first = _files(tmp_path / "a")
    write_neptune_csv(sample_rows, tmp_path / "a")
    write_neptune_csv(reversed_rows, tmp_path / "b")

    # THEN all three writes are byte for byte the same
    assert first
    assert _files(tmp_path / "a") == first
    assert _files(tmp_path / "b") == first


def test_write__over_an_earlier_graph__removes_its_stale_files(
    sample_rows: GraphRows, tricky_rows: GraphRows, tmp_path: Path
) -> None:
    # GIVEN the sample written in a directory
    write_neptune_csv(sample_rows, tmp_path)

    # WHEN a graph with only airports and routes is written to the same directory
    write_neptune_csv(tricky_rows, tmp_path)

    # THEN the directory holds exactly that graph
    assert sorted(_files(tmp_path)) == ["edges-FLIES.csv", "nodes-Airport.csv"]
    assert read_neptune_csv(tmp_path) == tricky_rows


# The embedded knowledge base from the same files


def test_load_csv_into_knowledge_base__same_graph_as_a_direct_load(
    sample_rows: GraphRows, sample_kb_dir: Path, tmp_path: Path
) -> None:
    # GIVEN the sample as Neptune CSV files
    write_neptune_csv(sample_rows, tmp_path / "csv")

    # WHEN the files are loaded into an embedded knowledge base
    summary = load_csv_into_knowledge_base(tmp_path / "csv", tmp_path / "kb")

    # THEN its counts and the facts the tools read equal those of the knowledge base
    # built straight from the rows
    with (
        open_knowledge_base(tmp_path / "kb") as from_csv,
        open_knowledge_base(sample_kb_dir) as direct,
    ):
        assert graph_stats(from_csv) == graph_stats(direct) == summary
        csv_repo, direct_repo = KnowledgeRepository(from_csv), KnowledgeRepository(direct)
        assert csv_repo.programs == direct_repo.programs
        assert csv_repo.passages == direct_repo.passages
        ids = list(direct_repo.programs)
        assert csv_repo.transfers_touching(ids) == direct_repo.transfers_touching(ids)
        assert csv_repo.earning_rules_of_programs(ids) == direct_repo.earning_rules_of_programs(ids)


def test_load_csv_into_knowledge_base__tricky_values__read_back_from_the_graph(
    tricky_rows: GraphRows, tmp_path: Path
) -> None:
    # GIVEN the tricky rows as CSV, loaded into an embedded knowledge base
    write_neptune_csv(tricky_rows, tmp_path / "csv")
    load_csv_into_knowledge_base(tmp_path / "csv", tmp_path / "kb")

    # WHEN the names are queried
    with open_knowledge_base(tmp_path / "kb") as graph:
        rows = graph.query("MATCH (n:Airport) RETURN n.id AS id, n.name AS name ORDER BY n.id")

    # THEN the graph holds exactly the written strings ("" and null distinct)
    assert rows == [{"id": n.id, "name": n.properties["name"]} for n in tricky_rows.nodes]


def test_load_csv_into_knowledge_base__replaces_the_previous_graph(
    sample_rows: GraphRows, tricky_rows: GraphRows, tmp_path: Path
) -> None:
    # GIVEN a knowledge base of the sample
    write_knowledge_base(tmp_path / "kb", sample_rows)
    write_neptune_csv(tricky_rows, tmp_path / "csv")

    # WHEN the tricky CSV files are loaded into it
    load_csv_into_knowledge_base(tmp_path / "csv", tmp_path / "kb")

    # THEN only their nodes and edges are left
    with open_knowledge_base(tmp_path / "kb") as graph:
        stats = graph_stats(graph)
    assert stats["nodesByType"] == {"Airport": len(tricky_rows.nodes)}
    assert stats["edgesByType"] == {"FLIES": len(tricky_rows.edges)}


# Files that do not read back


def _write_file(directory: Path, name: str, text: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


NODE_HEADER = "id:ID,:LABEL,airportId:String,latitude:Double\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (NODE_HEADER + '"airport:A","Airport","A","x"y",1.0\n', r"nodes\.csv:2: unexpected"),
        (NODE_HEADER + '"airport:A","Airport","A","1.0\n', r"nodes\.csv:2: unexpected"),
        (NODE_HEADER + '"airport:A","Airport","A"\n', r"nodes\.csv:2: 3 fields where"),
        (NODE_HEADER + '"airport:A","Airport","A",north\n', r"nodes\.csv:2: latitude: 'north'"),
        (NODE_HEADER + '"airport:A","Planet","A",1.0\n', r"nodes\.csv:2: node label Planet"),
        (NODE_HEADER + ',"Airport","A",1.0\n', r"nodes\.csv:2: :ID is empty"),
        (
            'id:ID,:LABEL,latitude:Long\n"airport:A","Airport",1\n',
            r"nodes\.csv:1: property latitude has type Long; the graph schema wants Double",
        ),
        (
            'id:ID,:LABEL,colour:String\n"airport:A","Airport","red"\n',
            r"nodes\.csv:1: property colour is not in the graph schema",
        ),
        ("id:ID,:LABEL,name:Text\n", r"nodes\.csv:1: column 3 \('name:Text'\)"),
        ("", r"nodes\.csv: empty file"),
    ],
    ids=[
        "stray-quote",
        "unterminated-quote",
        "short-record",
        "bad-double",
        "unknown-label",
        "empty-id",
        "type-mismatch",
        "unknown-property",
        "unknown-type",
        "empty-file",
    ],
)
def test_read__malformed_node_file__says_where_and_what(
    tmp_path: Path, text: str, message: str
) -> None:
    # GIVEN a node file with one problem
    _write_file(tmp_path, "nodes.csv", text)

    # WHEN / THEN reading it names the file, the line and the problem
    with pytest.raises(NeptuneCsvError, match=message):
        read_neptune_csv(tmp_path)


def test_read__quoted_fields_spanning_lines__report_the_right_line(tmp_path: Path) -> None:
    # GIVEN a file whose second record spans three lines, and a bad value on the next one
    _write_file(
        tmp_path,
        "nodes.csv",
        "id:ID,:LABEL,airportId:String,name:String,latitude:Double\n"
        '"airport:A","Airport","A","one\ntwo\nthree",1\n'
        '"airport:B","Airport","B","b",north\n',
    )

    # WHEN / THEN the error is on line 5, where that record starts
    with pytest.raises(NeptuneCsvError, match=r"nodes\.csv:5: latitude"):
        read_neptune_csv(tmp_path)


def test_read__edge_to_a_missing_node__raises(tricky_rows: GraphRows, tmp_path: Path) -> None:
    # GIVEN the tricky graph's files without one of the airports a route starts at
    only_some = GraphRows(
        [n for n in tricky_rows.nodes if n.id != "airport:NUM"], tricky_rows.edges
    )
    write_neptune_csv(only_some, tmp_path)

    # WHEN / THEN the route's line names the missing node
    with pytest.raises(NeptuneCsvError, match=r"edges-FLIES\.csv:\d+: .*start node airport:NUM"):
        read_neptune_csv(tmp_path)


def test_read__edge_between_wrong_labels__raises(tmp_path: Path) -> None:
    # GIVEN a MEMBER_OF relationship from an airport (the schema has it from airlines)
    _write_file(
        tmp_path, "nodes.csv", 'id:ID,:LABEL\n"airport:A","Airport"\n"alliance:S","Alliance"\n'
    )
    _write_file(
        tmp_path,
        "edges.csv",
        ':ID,:START_ID,:END_ID,:TYPE,id:String\n"m1","airport:A","alliance:S","MEMBER_OF","m1"\n',
    )

    # WHEN / THEN
    with pytest.raises(NeptuneCsvError, match="MEMBER_OF does not go from Airport to Alliance"):
        read_neptune_csv(tmp_path)


def test_read__edge_without_id_property__raises(tmp_path: Path) -> None:
    # GIVEN a relationship file without the id property the queries read as e.id
    _write_file(
        tmp_path, "nodes.csv", 'id:ID,:LABEL\n"airline:A","Airline"\n"alliance:S","Alliance"\n'
    )
    _write_file(
        tmp_path,
        "edges.csv",
        ':ID,:START_ID,:END_ID,:TYPE\n"m1","airline:A","alliance:S","MEMBER_OF"\n',
    )

    # WHEN / THEN
    with pytest.raises(NeptuneCsvError, match=r"edges\.csv:2: property id is None"):
        read_neptune_csv(tmp_path)


def test_read__empty_directory__raises(tmp_path: Path) -> None:
    with pytest.raises(NeptuneCsvError, match=r"holds no \.csv bulk-load files"):
        read_neptune_csv(tmp_path)


def test_write__non_finite_double__raises(tmp_path: Path) -> None:
    # GIVEN an airport at an infinite latitude
    rows = GraphRows([_airport("INF", latitude=float("inf"))], [])

    # WHEN / THEN it is refused rather than written as a value Neptune cannot parse
    with pytest.raises(NeptuneCsvError, match="latitude: inf"):
        write_neptune_csv(rows, tmp_path)
