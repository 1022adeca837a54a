"""Where every mining query starts: one dataset's canonical tables as ibis tables.

``load_tables(con, dataset)`` resolves a dataset (id or name) and returns a
``LogTables``: the ``events``, ``cases``, ``activities`` and ``variants`` tables
restricted to that dataset, plus its case-attribute table. Nothing is read
until a query runs. ``Provenance`` is the record every mining result carries
(dataset, filter, parameters) so that an export can be reproduced.

Mining functions accept either a DuckDB connection from ``eventlogs.engine``
(wrapped here with ``eventlogs.engine.ibis_backend``) or any ibis backend
holding the canonical tables.

Imports: ibis, eventlogs (engine, errors, schema), mining.filters; duckdb for type
hints only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeAlias

import ibis.expr.types as ir
from ibis import _
from ibis.backends import BaseBackend

from eventlogs.engine import ibis_backend
from eventlogs.errors import DatasetNotFoundError
from eventlogs.schema import case_attrs_table
from mining.filters import LogFilter

if TYPE_CHECKING:
    import duckdb

Connection: TypeAlias = "duckdb.DuckDBPyConnection | BaseBackend"
DatasetRef: TypeAlias = int | str


def as_backend(con: Connection) -> BaseBackend:
    """The ibis backend for a connection (an ibis backend is returned as is)."""
    if isinstance(con, BaseBackend):
        return con
    return ibis_backend(con)


@dataclass(frozen=True, slots=True, kw_only=True)
class LogTables:
    """One dataset's canonical tables as ibis expressions (nothing executed yet)."""

    backend: BaseBackend
    dataset_id: int
    dataset_name: str
    events: ir.Table
    cases: ir.Table
    activities: ir.Table
    variants: ir.Table

    def case_attributes(self) -> ir.Table:
        """The dataset's case attributes: ``case_no`` plus one typed column per attribute."""
        return self.backend.table(case_attrs_table(self.dataset_id))


def load_tables(con: Connection, dataset: DatasetRef) -> LogTables:
    """The canonical tables of one dataset, by id or name (DatasetNotFoundError if unknown)."""
    backend = as_backend(con)
    dataset_id, name = resolve_dataset(backend, dataset)

    def table(name: str) -> ir.Table:
        t = backend.table(name)
        return t.filter(t.dataset_id == dataset_id).drop("dataset_id")

    return LogTables(
        backend=backend,
        dataset_id=dataset_id,
        dataset_name=name,
        events=table("events"),
        cases=table("cases"),
        activities=table("activities"),
        variants=table("variants"),
    )


def resolve_dataset(backend: BaseBackend, ref: DatasetRef) -> tuple[int, str]:
    """(dataset_id, name) of a dataset given by name or id; a name wins over an id."""
    datasets = backend.table("datasets").select("dataset_id", "name")
    text = str(ref)
    matches = (
        datasets.filter((_.name == text) | (_.dataset_id.cast("string") == text))
        .to_pyarrow()
        .to_pylist()
    )
    if not matches:
        known = datasets.order_by("dataset_id").to_pyarrow().to_pylist()
        listed = ", ".join(f"{d['dataset_id']} ({d['name']})" for d in known) or "none"
        raise DatasetNotFoundError(f"no dataset {ref!r} in the workspace; datasets are: {listed}")
    best = min(matches, key=lambda d: d["name"] != text)
    return int(best["dataset_id"]), str(best["name"])


def fetch_rows(expr: ir.Table) -> list[dict[str, Any]]:
    """Run a (small) result query and return its rows as dicts."""
    return expr.to_pyarrow().to_pylist()


def fetch_scalar(expr: ir.Scalar) -> Any:
    """Run a scalar query and return the Python value."""
    return expr.to_pyarrow().as_py()


def name_lookup(tables: LogTables) -> dict[int, str]:
    """activity_no -> activity name for the dataset (the dictionary is small)."""
    rows = fetch_rows(tables.activities.select("activity_no", "activity"))
    return {int(r["activity_no"]): str(r["activity"]) for r in rows}


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """What produced a result: the dataset, the filter and the parameters."""

    dataset_id: int
    dataset_name: str
    log_filter: LogFilter = field(default_factory=LogFilter)
    parameters: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready record (the filter in its JSON shape)."""
        return {
            "dataset": str(self.dataset_id),
            "name": self.dataset_name,
            "filter": self.log_filter.to_dict(),
            "parameters": dict(self.parameters),
        }


def provenance(tables: LogTables, log_filter: LogFilter, **parameters: object) -> Provenance:
    """The record of a result computed on ``tables`` under ``log_filter``."""
    return Provenance(
        dataset_id=tables.dataset_id,
        dataset_name=tables.dataset_name,
        log_filter=log_filter,
        parameters=parameters,
    )
