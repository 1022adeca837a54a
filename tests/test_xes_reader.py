"""The XES reader: golden values on tiny logs, pm4py as the oracle on every shared log, attacks.

Real DuckDB (in memory, UTC), real files; malformed and hostile files are written to tmp_path.
"""

from __future__ import annotations

import gzip
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from eventlogs.errors import LogFormatError, UnsafeXmlError
from eventlogs.readers.xes import StagedXes, stage_xes
from tests.conftest import SHARED_LOGS, shared_log

TINY = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0" xmlns="http://www.xes-standard.org/">
  <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <classifier name="Activity" keys="concept:name"/>
  <string key="source" value="log level: ignored"/>
  <trace>
    <string key="concept:name" value="c1"/>
    <event>
      <string key="concept:name" value="A"/>
      <date key="time:timestamp" value="2020-01-01T10:00:00.000+01:00"/>
      <list key="items"><values><string key="item" value="1"/></values></list>
      <string key="note" value="outer"><string key="inner" value="nested"/></string>
    </event>
    <event>
      <string key="concept:name" value="B"/>
    </event>
  </trace>
  <trace>
    <string key="concept:name" value="c2"/>
  </trace>
  <trace>
    <string key="concept:name" value="c3"/>
    <event>
      <string key="concept:name" value="C"/>
      <int key="cost" value="7"/>
      <date key="time:timestamp" value="2020-01-02T00:00:00Z"/>
    </event>
  </trace>
</log>
"""
# Worked out by hand from TINY: the <event> tags are on lines 9, 15 and 24.
TINY_ROWS = [
    (0, 9, 0, "c1", "A", "2020-01-01T10:00:00.000+01:00", "outer", None),
    (1, 15, 0, "c1", "B", None, None, None),
    (2, 24, 2, "c3", "C", "2020-01-02T00:00:00Z", None, "7"),
]
TINY_COLUMNS = [
    "_row",
    "_line",
    "_trace",
    "case:concept:name",
    "concept:name",
    "time:timestamp",
    "note",
    "cost",
]

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE log [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<log><trace><string key="concept:name" value="1"/>
<event><string key="concept:name" value="&lol9;"/></event></trace></log>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE log [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<log><trace><string key="concept:name" value="1"/>
<event><string key="concept:name" value="&xxe;"/></event>
<event><string key="concept:name">&xxe;</string></event></trace></log>
"""
DOCTYPE_ONLY = """<?xml version="1.0"?>
<!DOCTYPE log>
<log><trace><event><string key="concept:name" value="A"/></event></trace></log>
"""
DOCTYPE_AFTER_COMMENT = """<?xml version="1.0"?>
<!-- a comment that mentions <log> before the DOCTYPE -->
<!DOCTYPE log [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<log><trace><event><string key="concept:name" value="&xxe;"/></event></trace></log>
"""
ATTACKS = {
    "billion_laughs.xes": BILLION_LAUGHS.encode(),
    "xxe.xes": XXE.encode(),
    "doctype_only.xes": DOCTYPE_ONLY.encode(),
    "doctype_after_comment.xes": DOCTYPE_AFTER_COMMENT.encode(),
    "xxe_utf16.xes": XXE.replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode(
        "utf-16"
    ),
    "xxe.xes.gz": gzip.compress(XXE.encode()),
}
# The unclosed <event> on line 4 is found when </trace> arrives on line 5.
MALFORMED = """<?xml version="1.0"?>
<log>
<trace><string key="concept:name" value="1"/>
<event><string key="concept:name" value="A"/>
</trace></log>
"""


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    connection.execute("SET TimeZone='UTC'")
    yield connection
    connection.close()


def _columns(con: duckdb.DuckDBPyConnection, table: str = "raw") -> list[str]:
    return [row[0] for row in con.execute(f'DESCRIBE "{table}"').fetchall()]


def _rows(con: duckdb.DuckDBPyConnection, table: str = "raw") -> list[tuple[Any, ...]]:
    return con.execute(f'SELECT * FROM "{table}" ORDER BY _row').fetchall()


def _table_exists(con: duckdb.DuckDBPyConnection, table: str = "raw") -> bool:
    found = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table])
    return bool(found.fetchall()[0][0])


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


# --- golden values -------------------------------------------------------------------------


def test_running_example_first_row_as_in_the_file(con: duckdb.DuckDBPyConnection) -> None:
    staged = stage_xes(con, shared_log("running-example.xes.gz"), table="raw")
    assert (staged.table, staged.rows, staged.traces) == ("raw", 42, 6)
    columns = _columns(con)
    assert columns[:3] == ["_row", "_line", "_trace"]
    assert {"case:concept:name", "concept:name", "time:timestamp"} <= set(columns)
    first = dict(zip(columns, _rows(con)[0], strict=True))
    # read by hand in the file: first <trace> (concept:name "3"), its first <event> on line 23
    assert first == {
        "_row": 0,
        "_line": 23,
        "_trace": 0,
        "case:concept:name": "3",
        "case:creator": "Fluxicon Nitro",
        "concept:name": "register request",
        "org:resource": "Pete",
        "time:timestamp": "2010-12-30T14:32:00.000+01:00",
        "Activity": "register request",
        "Resource": "Pete",
        "Costs": "50",
    }
    assert staged.attribute_types["time:timestamp"] == "date"
    assert staged.attribute_types["Costs"] == "string"


@pytest.mark.parametrize("namespaced", [True, False], ids=["xes-namespace", "no-namespace"])
def test_tiny_log_golden(con: duckdb.DuckDBPyConnection, tmp_path: Path, namespaced: bool) -> None:
    text = TINY if namespaced else TINY.replace(' xmlns="http://www.xes-standard.org/"', "")
    staged = stage_xes(con, _write(tmp_path, "tiny.xes", text), table="raw")
    # the trace without events counts as a trace and gives no row
    assert (staged.rows, staged.traces) == (3, 3)
    # <list>, the nested 'inner' and log-level attributes give no column
    assert _columns(con) == TINY_COLUMNS
    assert _rows(con) == TINY_ROWS  # B has no timestamp: NULL, not dropped
    assert staged.attribute_types == {
        "case:concept:name": "string",
        "concept:name": "string",
        "time:timestamp": "date",
        "note": "string",
        "cost": "int",
    }


def test_gzip_told_by_magic_bytes_not_name(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = _write(tmp_path, "tiny.xml", gzip.compress(TINY.encode()))
    stage_xes(con, path, table="raw")
    assert _rows(con) == TINY_ROWS


def test_batches_give_the_same_table(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    path = shared_log("running-example.xes.gz")
    stage_xes(con, path, table="whole")
    stage_xes(con, path, table="small", batch_rows=5)
    assert _columns(con, "small") == _columns(con, "whole")
    assert _rows(con, "small") == _rows(con, "whole")


@pytest.mark.parametrize("batch_rows", [1, 2, 100])
def test_trace_attributes_after_events_reach_every_event(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, batch_rows: int
) -> None:
    # pm4py copies all trace attributes onto every event, wherever they stand in the trace;
    # batch_rows=1 and 2 make the trace span batches already written.
    text = """<log>
<trace>
<event><string key="concept:name" value="A"/></event>
<string key="concept:name" value="c1"/>
<event><string key="concept:name" value="B"/></event>
<event><string key="concept:name" value="C"/></event>
<int key="priority" value="3"/>
</trace>
<trace><string key="concept:name" value="c2"/><event><string key="concept:name" value="D"/></event></trace>
</log>"""
    staged = stage_xes(con, _write(tmp_path, "late.xes", text), table="raw", batch_rows=batch_rows)
    query = 'SELECT "case:concept:name", "concept:name", "case:priority" FROM raw ORDER BY _row'
    assert con.execute(query).fetchall() == [
        ("c1", "A", "3"),
        ("c1", "B", "3"),
        ("c1", "C", "3"),
        ("c2", "D", None),
    ]
    assert staged.attribute_types["case:priority"] == "int"


def test_keys_differing_only_in_case_get_distinct_columns(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    # DuckDB column names are case-insensitive (BPIC 2020 has 'Permit ID' and 'Permit id')
    text = """<log><trace><event>
<string key="Org" value="a"/><string key="org" value="b"/><string key="_row" value="c"/>
<int key="n" value="1"/></event><event><string key="n" value="x"/></event></trace></log>"""
    staged = stage_xes(con, _write(tmp_path, "case.xes", text), table="raw")
    assert _columns(con) == ["_row", "_line", "_trace", "Org", "org (2)", "_row (2)", "n"]
    assert _rows(con)[0][3:] == ("a", "b", "c", "1")
    assert staged.attribute_types["n"] == "string"  # int here, string there


def test_big_files_keep_exact_lines(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    # libxml2 reports lines past 65535 from the element's first child; the reader corrects it
    event = '\t\t<event>\n\t\t\t<string key="concept:name" value="A"/>\n\t\t</event>\n'
    text = "<log>\n\t<trace>\n" + event * 25_000 + "\t</trace>\n</log>\n"
    stage_xes(con, _write(tmp_path, "long.xes", text), table="raw", batch_rows=10_000)
    lines = [row[0] for row in con.execute("SELECT _line FROM raw ORDER BY _row").fetchall()]
    assert lines == [3 + 3 * i for i in range(25_000)]


def test_events_outside_traces_are_skipped_like_pm4py(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    text = """<log><event><string key="concept:name" value="stray"/></event>
<trace><event><string key="concept:name" value="A"/></event></trace></log>"""
    staged = stage_xes(con, _write(tmp_path, "stray.xes", text), table="raw")
    assert (staged.rows, staged.traces) == (1, 1)
    assert _rows(con) == [(0, 2, 0, "A")]


# --- pm4py as the oracle on every shared log -------------------------------------------------

EXPECTED_TYPES = {
    "BPI_Challenge_2012.xes.gz": {
        "case:AMOUNT_REQ": "string",
        "case:REG_DATE": "date",
        "time:timestamp": "date",
        "lifecycle:transition": "string",
    },
    "BPIC20_PermitLog.xes.gz": {"case:RequestedAmount_0": "string", "case:Overspent": "boolean"},
    "BPIC20_InternationalDeclarations.xes.gz": {
        "case:Permit ID": "string",
        "case:Permit id (2)": "string",
    },
    "Sepsis_Cases-Event_Log.xes.gz": {
        "Age": "int",
        "CRP": "float",
        "InfectionSuspected": "boolean",
    },
}
SHARED_XES = sorted(path.name for path in SHARED_LOGS.glob("*.xes.gz"))


def test_shared_logs_are_there() -> None:
    assert len(SHARED_XES) >= 13, f"expected the shared XES logs in {SHARED_LOGS}"


def _pm4py_events(frame: Any) -> tuple[list[tuple[Any, ...]], int]:
    """pm4py's (case, activity, UTC microseconds) in its event order, and its case count."""
    import pandas as pd

    stamps = pd.to_datetime(frame["time:timestamp"], utc=True)
    micros = (stamps - pd.Timestamp(0, tz="UTC")) // pd.Timedelta(microseconds=1)
    columns = [frame["case:concept:name"], frame["concept:name"], micros]
    rows = [
        tuple(None if pd.isna(value) else value for value in row)
        for row in zip(*(column.astype(object) for column in columns), strict=True)
    ]
    return rows, int(frame["case:concept:name"].nunique())


@pytest.mark.slow
@pytest.mark.parametrize("name", SHARED_XES)
def test_same_events_in_same_order_as_pm4py(
    con: duckdb.DuckDBPyConnection, name: str, pm4py_logs: dict[str, Any]
) -> None:
    path = shared_log(name)
    fractions: list[float] = []
    staged = stage_xes(con, path, table="raw", progress=fractions.append)
    expected, cases = _pm4py_events(pm4py_logs[name])  # pm4py reads each log once per run
    assert (staged.rows, staged.traces) == (len(expected), cases)
    ours = con.execute(
        """SELECT "case:concept:name", "concept:name",
                  epoch_us(TRY_CAST("time:timestamp" AS TIMESTAMPTZ))
           FROM raw ORDER BY _row"""
    ).fetchall()
    first_difference = next(
        (i for i, (a, b) in enumerate(zip(ours, expected, strict=True)) if a != b), None
    )
    assert first_difference is None, (first_difference, ours[first_difference or 0])
    assert con.execute("SELECT min(_row), max(_row), count(DISTINCT _row) FROM raw").fetchall() == [
        (0, staged.rows - 1, staged.rows)
    ]
    assert set(staged.attribute_types) == set(_columns(con)[3:])
    for column, kind in EXPECTED_TYPES.get(name, {}).items():
        assert staged.attribute_types[column] == kind, column
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) <= 102


# --- attacks and bad input -----------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attacks_refused_fast_without_leaking(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, name: str
) -> None:
    path = _write(tmp_path, name, ATTACKS[name])
    started = time.perf_counter()
    with pytest.raises(UnsafeXmlError) as caught:
        stage_xes(con, path, table="raw")
    assert time.perf_counter() - started < 2
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and caught.value.file == name
    assert "DOCTYPE" in message and "never resolves entities" in message
    assert "root:" not in message and "/bin/" not in message  # nothing from /etc/passwd
    assert not _table_exists(con)


def _refusal(con: duckdb.DuckDBPyConnection, path: Path) -> LogFormatError:
    with pytest.raises(LogFormatError) as caught:
        stage_xes(con, path, table="raw")
    assert not isinstance(caught.value, UnsafeXmlError)
    assert caught.value.file == path.name and "\n" not in str(caught.value)
    assert not _table_exists(con)
    return caught.value


def test_malformed_xml_names_the_line(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    error = _refusal(con, _write(tmp_path, "malformed.xes", MALFORMED))
    assert error.position is not None and error.position.startswith("line 5, column ")
    assert "malformed XML" in str(error) and "malformed.xes, line 5, column" in str(error)


def test_truncated_gzip(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    whole = gzip.compress(gzip.decompress(shared_log("running-example.xes.gz").read_bytes()))
    error = _refusal(con, _write(tmp_path, "cut.xes.gz", whole[: len(whole) // 2]))
    assert "the .gz file is truncated or corrupt" in str(error)


@pytest.mark.parametrize(
    "content", [b"", b"  \n\t\n", gzip.compress(b"")], ids=["empty", "blank", "empty-gz"]
)
def test_empty_file(con: duckdb.DuckDBPyConnection, tmp_path: Path, content: bytes) -> None:
    assert "file is empty" in str(_refusal(con, _write(tmp_path, "empty.xes", content)))


def test_random_bytes(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    noise = random.Random(20240601).randbytes(8192)
    assert noise[:1] != b"<" and noise[:2] != b"\x1f\x8b"
    error = _refusal(con, _write(tmp_path, "noise.xes", noise))
    assert "not an XML file" in str(error)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<html><body>hello</body></html>", "not an XES log: root element is <html>"),
        (
            '<log xmlns="urn:other"><trace/></log>',
            "not an XES log: root element is <{urn:other}log>",
        ),
        ('<?xml version="1.0"?>\n<!-- only a comment -->\n', "no XML root element found"),
        ("<log><trace><event></trace></log>", "malformed XML"),
        ("<log><trace><event><event/></event></trace></log>", "<event> inside another <event>"),
        ("<log><trace><trace/></trace></log>", "<trace> must be a direct child of <log>"),
        ("<log><trace><event><string key='a' value='&bad;'/></event></trace></log>", "bad"),
    ],
    ids=[
        "html",
        "other-namespace",
        "no-root",
        "unclosed",
        "nested-event",
        "nested-trace",
        "entity",
    ],
)
def test_not_an_xes_log(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, text: str, fragment: str
) -> None:
    assert fragment in str(_refusal(con, _write(tmp_path, "page.xml", text)))


def test_staged_result_is_frozen(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    staged = stage_xes(con, _write(tmp_path, "tiny.xes", TINY), table="raw")
    assert isinstance(staged, StagedXes)
    with pytest.raises(AttributeError):
        staged.rows = 0  # type: ignore[misc]
