"""``LogFilter``: which cases of a dataset an analysis looks at, as a value object.

A filter selects whole cases (never single events), so the successors that the
ingest layer materialised per event stay valid. Criteria combine with AND; the
values listed inside one criterion combine with OR, except ``with_activities``
(a case must contain every listed activity). ``mining.selection`` turns a filter
into an ibis semi-join; this module only defines, validates and serialises it:

* ``to_query()`` / ``from_query()``: a URL query string, for the app's links;
* ``to_json()`` / ``from_json()``: JSON, for the record inside every export;
* ``from_cli()``: the CLI contract flags ``--from``, ``--to``, ``--where``,
  ``--top-variants``.

Times are instants: a value without an offset is read as UTC, a bare date as
midnight UTC, except that a bare date given as the upper bound means the end of
that day. Both bounds are inclusive.

Imports: standard library, eventlogs.errors.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode

from eventlogs.errors import InputError

WindowMode = Literal["contained", "intersecting", "started"]
WINDOW_MODES: tuple[WindowMode, ...] = ("contained", "intersecting", "started")
_DATE_LENGTH = len("2024-01-31")
_END_OF_DAY = dt.timedelta(days=1, microseconds=-1)
_FLOAT_FIELDS = ("variant_coverage_pct", "min_duration_s", "max_duration_s")
_LIST_FIELDS = ("with_activities", "without_activities", "start_activities", "end_activities")


@dataclass(frozen=True, slots=True, kw_only=True)
class LogFilter:
    """The cases to analyse; the default selects every case.

    >>> f = LogFilter.from_cli(date_from="2012-01-01", where=["channel=Desk"], top_variants=5)
    >>> f.to_query()
    'from=2012-01-01T00:00:00Z&where=channel=Desk&top_variants=5'
    >>> LogFilter.from_query(f.to_query()) == f
    True
    """

    time_from: dt.datetime | None = None  # inclusive, UTC
    time_to: dt.datetime | None = None  # inclusive, UTC
    window: WindowMode = "contained"
    where: Mapping[str, Sequence[str]] = field(default_factory=dict)  # case attribute -> values
    with_activities: Sequence[str] = ()  # the case contains every one of them
    without_activities: Sequence[str] = ()  # the case contains none of them
    top_variants: int | None = None  # cases of the K most frequent variants
    variant_coverage_pct: float | None = None  # most frequent variants covering this % of cases
    min_duration_s: float | None = None  # inclusive
    max_duration_s: float | None = None  # inclusive
    start_activities: Sequence[str] = ()  # the case starts with one of them
    end_activities: Sequence[str] = ()  # the case ends with one of them
    rework_on: str | None = None  # the activity occurs more than once in the case

    def __post_init__(self) -> None:
        for name in _LIST_FIELDS:
            object.__setattr__(self, name, _strings(getattr(self, name), name))
        where = {str(k): _strings(v, f"where[{k}]") for k, v in dict(self.where).items()}
        object.__setattr__(self, "where", MappingProxyType(dict(sorted(where.items()))))
        object.__setattr__(self, "time_from", _utc(self.time_from))
        object.__setattr__(self, "time_to", _utc(self.time_to))
        for name in _FLOAT_FIELDS:  # 80 and 80.0 are the same filter, with the same query string
            value = getattr(self, name)
            if isinstance(value, int) and not isinstance(value, bool):
                object.__setattr__(self, name, float(value))
        _validate(self)

    def __hash__(self) -> int:
        return hash(self.to_query())

    @property
    def is_empty(self) -> bool:
        """True when the filter selects every case."""
        return self == LogFilter()

    @property
    def has_variant_criteria(self) -> bool:
        """True when top-k or coverage is set (these rank variants after the other criteria)."""
        return self.top_variants is not None or self.variant_coverage_pct is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of the criteria that are set (times as ISO 8601 UTC)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, (), {}) or (f.name == "window" and value == "contained"):
                continue
            if isinstance(value, dt.datetime):
                value = format_instant(value)
            elif isinstance(value, Mapping):
                value = {k: list(v) for k, v in value.items()}
            elif isinstance(value, tuple):
                value = list(value)
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LogFilter:
        """Inverse of ``to_dict``; unknown keys are refused."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(
                f"unknown filter keys {unknown}; filter keys are: {', '.join(sorted(known))}"
            )
        values = dict(data)
        for key in ("time_from", "time_to"):
            if isinstance(values.get(key), str):
                values[key] = parse_instant(values[key], end_of_day=key == "time_to")
        return cls(**values)

    def to_json(self) -> str:
        """The filter as a JSON object (stable key order)."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> LogFilter:
        """Inverse of ``to_json``."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"filter is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise InputError(f"filter JSON must be an object, found {type(data).__name__}")
        return cls.from_dict(data)

    def to_query(self) -> str:
        """The filter as a URL query string (keys in a fixed order)."""
        return urlencode(_query_pairs(self), safe=":=")

    @classmethod
    def from_query(cls, query: str) -> LogFilter:
        """Inverse of ``to_query``; a leading '?' is ignored, unknown keys are refused."""
        return _from_pairs(
            parse_qsl(query.lstrip("?"), keep_blank_values=True, strict_parsing=False)
        )

    @classmethod
    def from_cli(
        cls,
        *,
        date_from: str | None = None,
        date_to: str | None = None,
        where: Iterable[str] = (),
        top_variants: int | None = None,
    ) -> LogFilter:
        """The CLI contract's filters: ``--from --to`` (cases contained), ``--where A=V``, ``--top-variants``."""
        return cls(
            time_from=None if date_from is None else parse_instant(date_from),
            time_to=None if date_to is None else parse_instant(date_to, end_of_day=True),
            where=_group_where(parse_where(item) for item in where),
            top_variants=top_variants,
        )


def parse_instant(text: str, *, end_of_day: bool = False) -> dt.datetime:
    """An ISO 8601 date or date-time as an aware UTC datetime.

    >>> parse_instant("2012-03-01T10:00:00+01:00")
    datetime.datetime(2012, 3, 1, 9, 0, tzinfo=datetime.timezone.utc)
    >>> parse_instant("2012-03-01", end_of_day=True).isoformat()
    '2012-03-01T23:59:59.999999+00:00'
    """
    raw = text.strip()
    try:
        value = dt.datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError as exc:
        raise InputError(
            f"cannot read {text!r} as a date or time; expected ISO 8601 such as 2012-03-01 "
            "or 2012-03-01T09:30:00Z"
        ) from exc
    if end_of_day and len(raw) == _DATE_LENGTH:
        value += _END_OF_DAY
    return _utc(value)  # type: ignore[return-value]


def format_instant(value: dt.datetime) -> str:
    """ISO 8601 in UTC with 'Z'; microseconds only when not zero."""
    utc = value.astimezone(dt.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds") + "Z"


def parse_where(text: str) -> tuple[str, str]:
    """'ATTR=VALUE' -> (ATTR, VALUE); the value may itself contain '='; an empty value means missing.

    >>> parse_where("channel=e-mail")
    ('channel', 'e-mail')
    """
    attr, sep, value = text.partition("=")
    if not sep or not attr.strip():
        raise InputError(f"--where expects ATTR=VALUE, found {text!r}")
    return attr.strip(), value


def _group_where(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for attr, value in pairs:
        grouped.setdefault(attr, []).append(value)
    return grouped


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        raise InputError(f"expected a datetime, found {value!r}")
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def _strings(values: object, name: str) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise InputError(f"filter {name} must be a list of values, found {values!r}")
    return tuple(str(v) for v in values)


def _validate(f: LogFilter) -> None:
    if f.window not in WINDOW_MODES:
        raise InputError(f"window mode {f.window!r} unknown; modes are: {', '.join(WINDOW_MODES)}")
    if f.time_from and f.time_to and f.time_from > f.time_to:
        raise InputError(
            f"time window starts ({format_instant(f.time_from)}) after it ends ({format_instant(f.time_to)})"
        )
    k = f.top_variants
    if k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 1):
        raise InputError(f"top variants must be a whole number >= 1, found {k!r}")
    cover = f.variant_coverage_pct
    if cover is not None and (not isinstance(cover, int | float) or not 0 < cover <= 100):
        raise InputError(f"variant coverage must be a percentage in (0, 100], found {cover!r}")
    for name in ("min_duration_s", "max_duration_s"):
        value = getattr(f, name)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if value is not None and (not number or not math.isfinite(value) or value < 0):
            raise InputError(f"{name} must be a number of seconds >= 0, found {value!r}")
    lo, hi = f.min_duration_s, f.max_duration_s
    if lo is not None and hi is not None and lo > hi:
        raise InputError(f"min_duration_s ({lo}) is greater than max_duration_s ({hi})")
    if f.rework_on is not None and not f.rework_on:
        raise InputError("rework_on needs an activity name")


# Query-string keys, in output order: (key, field, kind).
_QUERY_KEYS: tuple[tuple[str, str, str], ...] = (
    ("from", "time_from", "time"),
    ("to", "time_to", "time"),
    ("window", "window", "text"),
    ("where", "where", "where"),
    ("with", "with_activities", "list"),
    ("without", "without_activities", "list"),
    ("top_variants", "top_variants", "int"),
    ("coverage_pct", "variant_coverage_pct", "float"),
    ("min_duration_s", "min_duration_s", "float"),
    ("max_duration_s", "max_duration_s", "float"),
    ("start", "start_activities", "list"),
    ("end", "end_activities", "list"),
    ("rework", "rework_on", "text"),
)


def _query_pairs(f: LogFilter) -> list[tuple[str, str]]:
    data = f.to_dict()
    pairs: list[tuple[str, str]] = []
    for key, name, kind in _QUERY_KEYS:
        if name not in data:
            continue
        value = data[name]
        if kind == "where":
            pairs.extend((key, f"{attr}={v}") for attr, vs in value.items() for v in vs)
        elif kind == "list":
            pairs.extend((key, v) for v in value)
        else:
            pairs.append((key, value if isinstance(value, str) else repr(value)))
    return pairs


def _from_pairs(pairs: list[tuple[str, str]]) -> LogFilter:
    by_key = {key: (name, kind) for key, name, kind in _QUERY_KEYS}
    values: dict[str, Any] = {}
    for key, text in pairs:
        if key not in by_key:
            raise InputError(
                f"unknown filter parameter {key!r}; parameters are: {', '.join(by_key)}"
            )
        name, kind = by_key[key]
        if kind == "where":
            attr, value = parse_where(text)
            values.setdefault(name, {}).setdefault(attr, []).append(value)
        elif kind == "list":
            values.setdefault(name, []).append(text)
        else:
            values[name] = _scalar(key, text, kind)
    return LogFilter(**values)


def _scalar(key: str, text: str, kind: str) -> object:
    if kind == "time":
        return parse_instant(text, end_of_day=key == "to")
    if kind == "text":
        return text
    try:
        return int(text) if kind == "int" else float(text)
    except ValueError as exc:
        raise InputError(f"filter parameter {key}={text!r} is not a number") from exc
