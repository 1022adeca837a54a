"""Column mapping: which source column is the case, activity, timestamp, ...

Detection looks at names first (XES keys, Disco/Celonis/ProM export headers,
common English variants), then at content for the timestamp. Every choice can
be overridden by the user; the result records how each column was found.

Imports: eventlogs.errors, eventlogs.timestamps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from eventlogs.errors import MissingColumnError

ROLES = ("case", "activity", "timestamp", "start_timestamp", "resource", "lifecycle")
REQUIRED = ("case", "activity", "timestamp")
FLAGS = {
    "case": "--case",
    "activity": "--activity",
    "timestamp": "--timestamp",
    "start_timestamp": "--start-timestamp",
    "resource": "--resource",
    "lifecycle": "--lifecycle",
}

# Normalised names (lower case, separators folded to one space), best first.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "case": (
        "case:concept:name",
        "case id",
        "caseid",
        "case",
        "case number",
        "case no",
        "case key",
        "case identifier",
        "case ref",
        "case reference",
        "process instance",
        "process id",
        "instance id",
        "trace id",
        "ticket id",
        "claim id",
        "application id",
        "request id",
        "order id",
        "incident id",
    ),
    "activity": (
        "concept:name",
        "activity",
        "activity name",
        "activity id",
        "event",
        "event name",
        "event type",
        "task",
        "task name",
        "action",
        "step",
        "operation",
    ),
    "timestamp": (
        "time:timestamp",
        "complete timestamp",
        "end timestamp",
        "completion time",
        "completed",
        "complete time",
        "end time",
        "end date",
        "timestamp",
        "event time",
        "datetime",
        "date time",
        "time",
        "date",
    ),
    "start_timestamp": (
        "start timestamp",
        "start:timestamp",
        "time:start",
        "start time",
        "start date",
        "started",
        "start",
    ),
    "resource": (
        "org:resource",
        "resource",
        "user",
        "user id",
        "username",
        "employee",
        "agent",
        "performer",
        "actor",
        "operator",
        "handler",
        "handled by",
        "owner",
        "staff",
    ),
    "lifecycle": ("lifecycle:transition", "lifecycle", "transition", "event lifecycle"),
}


def normalise_name(name: str) -> str:
    """Fold a column header for matching: 'Case_ID ' -> 'case id'.

    >>> normalise_name('  Complete-Timestamp ')
    'complete timestamp'
    """
    return re.sub(r"[\s_\-.]+", " ", name.strip().lower()).strip()


@dataclass(frozen=True, slots=True, kw_only=True)
class ColumnMapping:
    """Source column per canonical role, and how each was found ('flag', 'name', 'content')."""

    case: str
    activity: str
    timestamp: str
    start_timestamp: str | None = None
    resource: str | None = None
    lifecycle: str | None = None
    found_by: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str | None]:
        """Role -> source column (None where the log has no such column)."""
        return {role: getattr(self, role) for role in ROLES}

    def columns(self) -> set[str]:
        """The source columns used by the mapping."""
        return {c for c in self.as_dict().values() if c is not None}


def _by_name(role: str, columns: Sequence[str], taken: set[str]) -> str | None:
    folded = {normalise_name(c): c for c in reversed(columns) if c not in taken}
    for synonym in SYNONYMS[role]:
        if synonym in folded:
            return folded[synonym]
    return None


def _check_override(role: str, name: str, columns: Sequence[str], file: str) -> str:
    if name in columns:
        return name
    by_fold = {normalise_name(c): c for c in columns}
    if normalise_name(name) in by_fold:
        return by_fold[normalise_name(name)]
    raise MissingColumnError(
        f"column {name!r} given with {FLAGS[role]} not found; columns are: {_listing(columns)}",
        file=file,
    )


def _listing(columns: Sequence[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:40])
    return shown + (f" (and {len(columns) - 40} more)" if len(columns) > 40 else "")


def detect_mapping(
    columns: Sequence[str],
    *,
    file: str,
    overrides: Mapping[str, str | None] | None = None,
    timestamp_score: Callable[[str], float] | None = None,
) -> ColumnMapping:
    """Choose the source column for each role.

    ``overrides`` (role -> column) win; then names; then, for the timestamp only,
    content: the column whose values best parse as timestamps (``timestamp_score``).

    >>> detect_mapping(['Case ID', 'Activity', 'Complete Timestamp'], file='x.csv').as_dict()['timestamp']
    'Complete Timestamp'
    """
    chosen: dict[str, str] = {}
    found_by: dict[str, str] = {}
    for role, name in (overrides or {}).items():
        if name:
            chosen[role] = _check_override(role, name, columns, file)
            found_by[role] = "flag"
    for role in ROLES:
        if role in chosen:
            continue
        hit = _by_name(role, columns, set(chosen.values()))
        if hit is not None:
            chosen[role], found_by[role] = hit, "name"
    if "timestamp" not in chosen and timestamp_score is not None:
        hit = _by_content(columns, set(chosen.values()), timestamp_score)
        if hit is not None:
            chosen["timestamp"], found_by["timestamp"] = hit, "content"
    missing = [role for role in REQUIRED if role not in chosen]
    if missing:
        flags = " ".join(f"{FLAGS[r]} COLUMN" for r in missing)
        raise MissingColumnError(
            f"no usable {' / '.join(missing)} column found; columns are: {_listing(columns)}; "
            f"pass {flags}",
            file=file,
        )
    return ColumnMapping(**chosen, found_by=found_by)


def _by_content(
    columns: Sequence[str], taken: set[str], score: Callable[[str], float]
) -> str | None:
    best, best_score = None, 0.9
    for column in columns:
        if column in taken or column.startswith("_"):
            continue
        value = score(column)
        if value > best_score:
            best, best_score = column, value
    return best
