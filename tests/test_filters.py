"""Each filter kind on the hand-made log of test_mining_golden, with the case set worked out by hand.

The cases (see TINY in test_mining_golden):
C1  2024-01-01 09:00-10:00  A B C D      channel web   amount 100   3600 s
C2  2024-01-02 08:00-09:00  A C B D      channel desk  amount 250   3600 s
C3  2024-01-03 12:00-14:00  A B B B D    channel web   amount 100   7200 s
C4  2024-01-04 07:00        D            (no channel)  amount 50       0 s
C5  2024-01-05 10:00-11:30  A B C D      channel desk  amount 1000  5400 s
Variants: ABCD (C1, C5) is variant 0; ACBD, ABBBD, D have one case each.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from eventlogs.errors import InputError, MissingColumnError
from mining.cases import compute_case_durations
from mining.filters import LogFilter, parse_instant
from tests.test_mining_golden import tiny  # noqa: F401  (the fixture)

UTC = dt.UTC


def selected(con: duckdb.DuckDBPyConnection, log_filter: LogFilter) -> set[str]:
    return set(compute_case_durations(con, "tiny", log_filter=log_filter).case_ids)


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 1, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("log_filter", "expected"),
    [
        # contained: first and last event inside; a bare date as the end means its end of day
        (LogFilter.from_cli(date_from="2024-01-02", date_to="2024-01-04"), {"C2", "C3", "C4"}),
        # C3 starts at 12:00, before 13:00
        (LogFilter(time_from=at(3, 13)), {"C4", "C5"}),
        # bounds are inclusive: C1 ends exactly at 10:00
        (LogFilter(time_to=at(1, 10)), {"C1"}),
        # intersecting: C3 (12:00-14:00) overlaps 13:00-06:00; C4 (07:00) is after it
        (LogFilter(time_from=at(3, 13), time_to=at(4, 6), window="intersecting"), {"C3"}),
        # started: first event in [Jan 3 13:00, Jan 5 10:00] (C5 starts on the bound)
        (LogFilter(time_from=at(3, 13), time_to=at(5, 10), window="started"), {"C4", "C5"}),
    ],
)
def test_time_window(
    tiny: duckdb.DuckDBPyConnection,  # noqa: F811
    log_filter: LogFilter,
    expected: set[str],
) -> None:
    assert selected(tiny, log_filter) == expected


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ({"channel": ["web"]}, {"C1", "C3"}),
        ({"channel": ["web", "desk"]}, {"C1", "C2", "C3", "C5"}),  # values: OR
        ({"channel": [""]}, {"C4"}),  # an empty value: the attribute is missing
        ({"amount": ["100"]}, {"C1", "C3"}),  # typed BIGINT: '100' is compared as 100
        ({"amount": ["100"], "channel": ["desk"]}, set()),  # attributes: AND
        ({"amount": ["250", "1000"], "channel": ["desk"]}, {"C2", "C5"}),
    ],
)
def test_case_attribute_values(
    tiny: duckdb.DuckDBPyConnection,  # noqa: F811
    where: dict[str, list[str]],
    expected: set[str],
) -> None:
    assert selected(tiny, LogFilter(where=where)) == expected


def test_cli_where_is_repeatable(tiny: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    f = LogFilter.from_cli(where=["channel=web", "channel=desk", "amount=100"])
    assert dict(f.where) == {"channel": ("web", "desk"), "amount": ("100",)}
    assert f.to_query() == "where=amount=100&where=channel=web&where=channel=desk"
    assert selected(tiny, f) == {"C1", "C3"}


@pytest.mark.parametrize(
    ("log_filter", "expected"),
    [
        (LogFilter(with_activities=["C"]), {"C1", "C2", "C5"}),
        (LogFilter(with_activities=["B", "C"]), {"C1", "C2", "C5"}),  # every one of them
        (LogFilter(with_activities=["C", "C"]), {"C1", "C2", "C5"}),  # a repeat changes nothing
        (LogFilter(without_activities=["C"]), {"C3", "C4"}),
        (LogFilter(without_activities=["A", "C"]), {"C4"}),
        (LogFilter(start_activities=["D"]), {"C4"}),
        (LogFilter(start_activities=["A", "D"]), {"C1", "C2", "C3", "C4", "C5"}),
        (LogFilter(end_activities=["D"]), {"C1", "C2", "C3", "C4", "C5"}),
        (LogFilter(end_activities=["A"]), set()),
        (LogFilter(rework_on="B"), {"C3"}),  # B three times in C3, once elsewhere
        (LogFilter(rework_on="A"), set()),
    ],
)
def test_activity_filters(
    tiny: duckdb.DuckDBPyConnection,  # noqa: F811
    log_filter: LogFilter,
    expected: set[str],
) -> None:
    assert selected(tiny, log_filter) == expected


@pytest.mark.parametrize(
    ("log_filter", "expected"),
    [
        (LogFilter(top_variants=1), {"C1", "C5"}),
        # ACBD, ABBBD, D tie on one case; the dataset's order (by first case) ranks ACBD next
        (LogFilter(top_variants=2), {"C1", "C2", "C5"}),
        (LogFilter(top_variants=10), {"C1", "C2", "C3", "C4", "C5"}),
        (LogFilter(variant_coverage_pct=40), {"C1", "C5"}),  # ABCD alone covers 2/5 = 40%
        (LogFilter(variant_coverage_pct=41), {"C1", "C2", "C5"}),  # 40% < 41%: one more
        (LogFilter(variant_coverage_pct=100), {"C1", "C2", "C3", "C4", "C5"}),
        (LogFilter(top_variants=3, variant_coverage_pct=50), {"C1", "C2", "C5"}),  # both apply
        # Variants rank among the cases left by the other criteria: from Jan 2, every
        # variant has one case (C2, C3, C4, C5) and ABCD, variant 0, wins the tie.
        (LogFilter(time_from=at(2, 0), top_variants=1), {"C5"}),
    ],
)
def test_variant_filters(
    tiny: duckdb.DuckDBPyConnection,  # noqa: F811
    log_filter: LogFilter,
    expected: set[str],
) -> None:
    assert selected(tiny, log_filter) == expected


@pytest.mark.parametrize(
    ("log_filter", "expected"),
    [
        (LogFilter(min_duration_s=3600), {"C1", "C2", "C3", "C5"}),  # inclusive
        (LogFilter(max_duration_s=3600), {"C1", "C2", "C4"}),
        (LogFilter(min_duration_s=3600.000001), {"C3", "C5"}),  # one microsecond more
        (LogFilter(min_duration_s=3600, max_duration_s=5400), {"C1", "C2", "C5"}),
        (LogFilter(max_duration_s=0), {"C4"}),
    ],
)
def test_case_duration_range(
    tiny: duckdb.DuckDBPyConnection,  # noqa: F811
    log_filter: LogFilter,
    expected: set[str],
) -> None:
    assert selected(tiny, log_filter) == expected


def test_criteria_combine_with_and(tiny: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    f = LogFilter(where={"channel": ["desk", "web"]}, with_activities=["C"], min_duration_s=4000)
    assert selected(tiny, f) == {"C5"}  # desk/web: C1 C2 C3 C5; with C: C1 C2 C5; >= 4000 s: C5


def test_clear_errors(tiny: duckdb.DuckDBPyConnection) -> None:  # noqa: F811
    with pytest.raises(InputError, match=r"no activity 'b' .*did you mean 'B'"):
        selected(tiny, LogFilter(with_activities=["b"]))
    with pytest.raises(MissingColumnError, match=r"case attribute 'chanel' not found.*channel"):
        selected(tiny, LogFilter(where={"chanel": ["web"]}))
    with pytest.raises(
        InputError, match=r"'amount' holds int64 values; cannot compare it with 'lots'"
    ):
        selected(tiny, LogFilter(where={"amount": ["lots"]}))
    with pytest.raises(InputError, match="top variants must be a whole number"):
        LogFilter(top_variants=0)
    with pytest.raises(InputError, match="starts .* after it ends"):
        LogFilter.from_cli(date_from="2024-02-01", date_to="2024-01-01")
    with pytest.raises(InputError, match="cannot read '01/02/2024'"):
        LogFilter.from_cli(date_from="01/02/2024")
    with pytest.raises(InputError, match="--where expects ATTR=VALUE"):
        LogFilter.from_cli(where=["channel"])
    with pytest.raises(InputError, match="unknown filter parameter 'colour'"):
        LogFilter.from_query("colour=red")
    with pytest.raises(InputError, match="window mode 'during' unknown"):
        LogFilter(window="during")  # type: ignore[arg-type]


FULL = LogFilter(
    time_from=dt.datetime(2024, 1, 2, 8, 30, 0, 250, tzinfo=UTC),
    time_to=dt.datetime(2024, 1, 5, 23, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
    window="intersecting",
    where={"channel": ["web", "a&b=c d"], "amount": ["100"], "note": [""]},
    with_activities=["A", "Säure & Base"],
    without_activities=["Z"],
    top_variants=3,
    variant_coverage_pct=80.5,
    min_duration_s=0.5,
    max_duration_s=86400,
    start_activities=["A"],
    end_activities=["D", "E"],
    rework_on="B",
)


def test_query_string_round_trip() -> None:
    query = FULL.to_query()
    assert LogFilter.from_query(query) == FULL
    assert LogFilter.from_query("?" + query) == FULL
    assert query.startswith(
        "from=2024-01-02T08:30:00.000250Z&to=2024-01-05T21:00:00Z&window=intersecting"
        "&where=amount=100&where=channel=web&where=channel=a%26b=c+d&where=note="
    )
    assert LogFilter().to_query() == ""
    assert LogFilter.from_query("") == LogFilter()
    assert LogFilter.from_query("from=2024-01-02&to=2024-01-04") == LogFilter(
        time_from=at(2, 0), time_to=dt.datetime(2024, 1, 4, 23, 59, 59, 999999, tzinfo=UTC)
    )


def test_json_round_trip() -> None:
    text = FULL.to_json()
    assert LogFilter.from_json(text) == FULL
    data = json.loads(text)
    assert data["time_to"] == "2024-01-05T21:00:00Z"
    assert data["where"]["note"] == [""]
    assert LogFilter.from_json("{}") == LogFilter()
    assert LogFilter().is_empty and not FULL.is_empty
    assert hash(LogFilter.from_json(text)) == hash(FULL)


def test_instants() -> None:
    assert parse_instant("2024-01-02") == at(2, 0)
    assert parse_instant("2024-01-02T10:00") == at(2, 10)  # no offset: UTC
    assert parse_instant("2024-01-02T10:00:00+01:00") == at(2, 9)
    assert parse_instant("2024-01-02T10:00:00.5Z") == at(2, 10).replace(microsecond=500000)
