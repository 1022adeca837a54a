"""Stage an XES or XES.gz event log into a DuckDB TEMP table, one batch at a time.

The XES reader of ``eventlogs``. ``stage_xes`` refuses a prolog that declares a
DOCTYPE or entities (``eventlogs.readers.xml_safety``; entities are never
resolved), then streams the file with lxml's ``iterparse`` and writes one row
per ``<event>``: ``_row`` (order in the file), ``_line`` (line of the
``<event>`` tag), ``_trace`` (0-based trace index), then one VARCHAR column per
attribute key. Trace attributes are copied
onto their events with the prefix ``case:``, as in pm4py's data frames. Values
stay the exact strings of the file; ``StagedXes.attribute_types`` says how to
type them later. Only one batch of rows is held in memory.

Imports: standard library, duckdb, lxml, pyarrow, eventlogs.errors, eventlogs.engine,
eventlogs.readers.xml_safety.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import itertools
import os
import re
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from lxml import etree

from eventlogs.engine import quote_identifier
from eventlogs.errors import HyperpathError, LogFormatError, UnsafeXmlError
from eventlogs.readers.xml_safety import UNSAFE_MESSAGE, check_prolog

XES_NAMESPACE = "http://www.xes-standard.org/"
_ROOT_TAGS = frozenset({"log", "{" + XES_NAMESPACE + "}log"})
_ATTRIBUTE_TYPES = frozenset({"string", "date", "int", "float", "boolean", "id"})
_ATTRIBUTE_TAGS = tuple("{*}" + kind for kind in sorted(_ATTRIBUTE_TYPES))
_RESERVED = ("_row", "_line", "_trace")
_CASE_PREFIX = "case:"
_PROGRESS_EVERY_TRACES = 64
_LIBXML_BIG_LINE = 65535
_LXML_WHERE = re.compile(r", line \d+, column \d+$")

Row = dict[str, str | None]


@dataclass(frozen=True, slots=True, kw_only=True)
class StagedXes:
    """An XES file staged as a TEMP table of VARCHAR columns (see the module docstring)."""

    table: str
    rows: int
    traces: int
    attribute_types: dict[str, str]


def stage_xes(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    *,
    table: str,
    progress: Callable[[float], None] | None = None,
    batch_rows: int = 100_000,
) -> StagedXes:
    """Stream ``path`` (plain or gzip, told by its bytes) into ``CREATE TEMP TABLE <table>``.

    Raises UnsafeXmlError for a DOCTYPE or entity declaration and LogFormatError
    for anything else that is not a readable XES log; the table is then dropped.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "tiny.xes"
    >>> _ = path.write_text('<log><trace><string key="concept:name" value="c1"/>'
    ...     '<event><string key="concept:name" value="a"/></event></trace></log>')
    >>> staged = stage_xes(duckdb.connect(), path, table="raw")
    >>> staged.rows, staged.traces, staged.attribute_types
    (1, 1, {'case:concept:name': 'string', 'concept:name': 'string'})
    """
    quoted = quote_identifier(table)
    with path.open("rb") as raw, _reading(path.name):
        stream = _decompressed(raw)
        check_prolog(stream, path.name)
        stream.seek(0)
        con.execute(f"CREATE TEMP TABLE {quoted} (_row BIGINT, _line BIGINT, _trace BIGINT)")
        try:
            stage = _Stage(
                con, table, file=path.name, batch_rows=batch_rows, progress=progress, raw=raw
            )
            _parse(stream, stage)
        except BaseException:
            _drop(con, quoted)
            raise
    return StagedXes(
        table=table, rows=stage.flushed, traces=stage.trace_no, attribute_types=stage.types()
    )


@contextlib.contextmanager
def _reading(file: str) -> Iterator[None]:
    """Turn gzip and lxml failures into LogFormatError; Hyperpath's own errors pass through."""
    try:
        yield
    except HyperpathError:
        raise
    except etree.XMLSyntaxError as exc:
        raise _malformed(exc, file) from exc
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise LogFormatError(f"the .gz file is truncated or corrupt ({exc})", file=file) from exc
    except (etree.LxmlError, UnicodeError) as exc:
        raise LogFormatError(f"not a readable XML file ({exc})", file=file) from exc


def _malformed(exc: Any, file: str) -> LogFormatError:
    """The parse's first error, with its position (iterparse may raise a later, vaguer one
    such as 'no element found'; the log was cleared when the parse began)."""
    errors = [e for e in exc.error_log if e.level >= etree.ErrorLevels.ERROR]
    if errors:
        message, line, column = errors[0].message, errors[0].line, errors[0].column
    else:
        message = _LXML_WHERE.sub("", str(exc.msg or exc))
        line, column = exc.position if exc.position else (0, 0)
    where = f"line {line}, column {column}" if line else None
    return LogFormatError(f"malformed XML: {message.strip()}", file=file, position=where)


def _drop(con: duckdb.DuckDBPyConnection, quoted: str) -> None:
    """Drop the half-filled table; an aborted transaction rolls it back instead."""
    # In an aborted transaction DROP fails; ROLLBACK removes the table and the first error stands.
    with contextlib.suppress(duckdb.Error):
        con.execute(f"DROP TABLE IF EXISTS {quoted}")


def _decompressed(raw: io.BufferedReader) -> io.BufferedIOBase:
    """The XML bytes: gzip is recognised by its magic bytes, never by the file name."""
    magic = raw.read(2)
    raw.seek(0)
    return gzip.GzipFile(fileobj=raw, mode="rb") if magic == b"\x1f\x8b" else raw


class _Kinds(dict[object, str | None]):
    """Element tag -> XES attribute type ('string', 'date', ...), None for other elements."""

    def __missing__(self, tag: object) -> str | None:
        local = tag.rpartition("}")[2] if isinstance(tag, str) else ""
        kind = local if local in _ATTRIBUTE_TYPES else None
        self[tag] = kind
        return kind


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _parse(stream: io.BufferedIOBase, stage: _Stage) -> None:
    """Check the root, stream every <event>/<trace> end into the stage, write the last batch."""
    etree.clear_error_log()  # errors of earlier parses in this thread would read as ours
    context = etree.iterparse(
        stream,
        events=("end",),
        tag=("{*}event", "{*}trace"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    items = iter(context)
    first = next(items, None)
    stage.root = first[1].getroottree().getroot() if first is not None else context.root
    _check_root(stage.root, stage.file)
    if first is not None:
        _consume(itertools.chain((first,), items), stage)
    stage.flush()
    stage.report(done=True)


def _check_root(root: Any, file: str) -> None:
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise UnsafeXmlError(UNSAFE_MESSAGE, file=file)
    if root.tag not in _ROOT_TAGS:
        raise LogFormatError(
            f"not an XES log: root element is <{root.tag}>; expected <log> "
            f"without a namespace or in {XES_NAMESPACE}",
            file=file,
        )


def _consume(items: Iterable[tuple[str, Any]], stage: _Stage) -> None:
    """The hot loop: each event's attributes into a dict; rows point at their trace's slot."""
    kinds, event_types, note = stage.kinds, stage.event_types, stage.note
    events, lines, slots = stage.events, stage.lines, stage.slots
    limit, big_line = stage.limit, _LIBXML_BIG_LINE
    trace_el: Any = None
    slot = -1
    for _, el in items:
        if el.tag.endswith("trace"):
            stage.end_trace(el, had_events=el is trace_el)
            continue
        parent = el.getparent()
        if parent is not trace_el:
            slot = stage.enter_trace(el, parent)
            if slot < 0:
                el.clear()  # an <event> outside any <trace>: pm4py skips it too
                continue
            trace_el = parent
        row: Row = {}
        for child in el:
            kind = kinds[child.tag]
            if kind is not None:
                key = child.get("key")
                if key is not None:
                    row[key] = child.get("value")
                    if event_types.get(key) != kind:
                        note(key, kind)
        line = el.sourceline
        if line > big_line and el.text:
            # Past line 65535 libxml2 reports where the element's first child (the
            # whitespace after the start tag) ends, not where the tag is.
            line -= el.text.count("\n")
        lines.append(line)
        events.append(row)
        slots.append(slot)
        el.clear()
        if len(lines) >= limit:
            slot = stage.flush(el)


class _Stage:
    """Mutable state of one staging run: the open batch, the columns, the counters.

    A batch holds one dict per event and, per trace with rows in the batch, one
    shared dict of its ``case:`` attributes (a row's ``slot`` points at it), so
    trace attributes are neither copied per event nor looked up per event.
    """

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        table: str,
        *,
        file: str,
        batch_rows: int,
        progress: Callable[[float], None] | None,
        raw: io.BufferedReader,
    ) -> None:
        self.con, self.table, self.file = con, table, file
        self.raw, self.size = raw, os.fstat(raw.fileno()).st_size  # progress: share of raw read
        self.quoted = quote_identifier(table)
        self.limit = max(1, batch_rows)
        self.progress = progress
        self.kinds = _Kinds()
        self.events: list[Row] = []
        self.lines: list[int] = []
        self.slots: list[int] = []
        self.cases: list[Row] = []  # per slot: the trace's attributes
        self.case_traces: list[int] = []  # per slot: the trace's index
        self.event_types: dict[str, str] = {}
        self.case_types: dict[str, str] = {}
        self.names: dict[str, str] = {}  # attribute key -> column name, first appearance first
        self.taken = {name.lower() for name in _RESERVED}
        self.created = 0  # how many of ``names`` the table has as columns
        self.flushed = 0  # rows written
        self.trace_no = 0  # traces ended
        self.trace_el: Any = None
        self.case: Row = {}
        self.early = 0  # attribute elements of the open trace before its first event
        self.trace_first_row = 0
        self.root: Any = None
        self.reported = -1.0  # the last fraction passed to ``progress``

    def report(self, *, done: bool = False) -> None:
        """Call ``progress`` when a further 1% of the file is read (and once with 1.0)."""
        if self.progress is None or self.reported >= 1.0:
            return
        fraction = 1.0 if done else min(self.raw.tell() / max(self.size, 1), 1.0)
        if done or fraction >= self.reported + 0.01:
            self.reported = fraction
            self.progress(fraction)

    def note(self, key: str, kind: str, *, case: bool = False) -> None:
        """Record a key's type ('string' once it is seen with two types) and its column."""
        types = self.case_types if case else self.event_types
        known = types.get(key)
        types[key] = kind if known is None or known == kind else "string"
        self._name(key)

    def _name(self, key: str) -> None:
        """Give a new key its column. DuckDB names are case-insensitive, so a key differing
        from an earlier one only in case gets ' (2)' (BPIC 2020 has 'Permit ID' and 'Permit id')."""
        if key in self.names:
            return
        name, n = key, 2
        while name.lower() in self.taken:
            name, n = f"{key} ({n})", n + 1
        self.taken.add(name.lower())
        self.names[key] = name

    def types(self) -> dict[str, str]:
        """Column name -> XES type; a key typed differently in different places is 'string'."""
        result = {}
        for key, name in self.names.items():
            event, case = self.event_types.get(key), self.case_types.get(key)
            agree = event is None or case is None or event == case
            result[name] = (event or case or "string") if agree else "string"
        return result

    def enter_trace(self, first_event: Any, parent: Any) -> int:
        """Open the trace holding ``first_event``, read the attributes before it; return its slot.

        Returns -1 for an event outside any trace (it is skipped).
        """
        where = _local(parent.tag)
        if where == "event":
            raise LogFormatError(
                "malformed XES: <event> inside another <event>",
                file=self.file,
                position=f"line {first_event.sourceline}",
            )
        if where != "trace":
            return -1
        self.trace_el, self.case, self.early = parent, {}, 0
        self.trace_first_row = self.flushed + len(self.lines)
        for child in parent:
            if child is first_event:
                break
            if self.kinds[child.tag] is not None:
                self.early += 1
                self._case_attribute(child, late=False)
        return self._open_slot()

    def _open_slot(self) -> int:
        self.cases.append(self.case)
        self.case_traces.append(self.trace_no)
        return len(self.cases) - 1

    def end_trace(self, el: Any, *, had_events: bool) -> None:
        """Close a trace: read attributes written after its first event, free it, count it."""
        if el.getparent() is not self.root:
            raise LogFormatError(
                "malformed XES: <trace> must be a direct child of <log>",
                file=self.file,
                position=f"line {el.sourceline}",
            )
        if had_events:
            for child in list(el.iterchildren(*_ATTRIBUTE_TAGS))[self.early :]:
                self._case_attribute(child, late=True)
        el.clear()
        while el.getprevious() is not None:
            del self.root[0]
        self.trace_no += 1
        if self.trace_no % _PROGRESS_EVERY_TRACES == 0:
            self.report()

    def _prune(self, last_event: Any) -> None:
        """Free the open trace's children before ``last_event``, reading late attributes."""
        trace_el = self.trace_el
        stop = trace_el.index(last_event)
        for child in list(trace_el.iterchildren(*_ATTRIBUTE_TAGS))[self.early :]:
            if trace_el.index(child) < stop:
                self._case_attribute(child, late=True)
        del trace_el[:stop]
        self.early = 0

    def _case_attribute(self, child: Any, *, late: bool) -> None:
        kind, key = self.kinds[child.tag], child.get("key")
        if kind is None or key is None:
            return
        column_key, value = _CASE_PREFIX + key, child.get("value")
        self.case[column_key] = value  # shared by the trace's rows still in the batch
        self.note(column_key, kind, case=True)
        if late and self.trace_first_row < self.flushed:
            self._add_columns()
            column = quote_identifier(self.names[column_key])
            self.con.execute(
                f"UPDATE {self.quoted} SET {column} = ? WHERE _trace = ?",  # noqa: S608 (quoted)
                [value, self.trace_no],
            )

    def flush(self, last_event: Any = None) -> int:
        """Write the batch. Mid-trace (``last_event`` given) the open trace's older children
        go and the trace keeps going in the next batch: returns its slot there."""
        if last_event is not None:
            self._prune(last_event)
        count = len(self.lines)
        if count:
            self._add_columns()
            self._insert(self._arrow(count))
            self.flushed += count
            for column in (self.events, self.lines, self.slots, self.cases, self.case_traces):
                column.clear()  # in place: the hot loop holds these lists
        self.report()
        return self._open_slot() if last_event is not None else -1

    def _add_columns(self) -> None:
        names = list(self.names.values())
        for name in names[self.created :]:
            self.con.execute(
                f"ALTER TABLE {self.quoted} ADD COLUMN {quote_identifier(name)} VARCHAR"
            )
        self.created = len(names)

    def _arrow(self, count: int) -> pa.Table:
        slots = pa.array(self.slots, pa.int32())
        data = {
            "_row": pa.array(range(self.flushed, self.flushed + count), pa.int64()),
            "_line": pa.array(self.lines, pa.int64()),
            "_trace": pa.array(self.case_traces, pa.int64()).take(slots),
        }
        plain = [key for key in self.event_types if key not in self.case_types]
        events = pa.array(self.events, pa.struct([(key, pa.string()) for key in plain]))
        for key, name in self.names.items():
            if key not in self.case_types:
                data[name] = events.field(key)
            elif key not in self.event_types:
                data[name] = pa.array([case.get(key) for case in self.cases], pa.string()).take(
                    slots
                )
            else:  # an event key 'case:x' and a trace key 'x': the trace's value wins, as in pm4py
                data[name] = pa.array(self._merged(key), pa.string())
        return pa.table(data)

    def _merged(self, key: str) -> list[str | None]:
        cases = self.cases
        pairs = zip(self.events, self.slots, strict=True)
        return [cases[s][key] if key in cases[s] else row.get(key) for row, s in pairs]

    def _insert(self, batch: pa.Table) -> None:
        view = f"{self.table}__xes_batch"
        self.con.register(view, batch)
        try:
            self.con.execute(
                f"INSERT INTO {self.quoted} BY NAME SELECT * FROM {quote_identifier(view)}"  # noqa: S608
            )
        finally:
            self.con.unregister(view)
