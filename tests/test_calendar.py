"""Working calendars: the Python reference and the in-engine working clock, worked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eventlogs.errors import InputError
from eventlogs.load import load_log
from mining.calendar import WorkingCalendar, with_clocks, working_seconds
from mining.filters import LogFilter
from mining.selection import open_log
from mining.source import fetch_rows

H = 3600.0


def test_weekend_and_bank_holiday_by_hand() -> None:
    cal = WorkingCalendar()  # Mon-Fri 09:00-17:00, England bank holidays
    # Fri 2024-08-23 16:00 -> Tue 2024-08-27 10:00: Fri 1 h, Sat/Sun 0, Mon 26 Aug is the
    # late summer bank holiday 0, Tue 09:00-10:00 1 h = 2 h.
    assert working_seconds(cal, dt.datetime(2024, 8, 23, 16), dt.datetime(2024, 8, 27, 10)) == 2 * H
    # Same span in Scotland, where 26 Aug is not a holiday (Scotland's is 5 Aug): + 8 h.
    scot = WorkingCalendar.from_options(region="GB-SCT")
    assert (
        working_seconds(scot, dt.datetime(2024, 8, 23, 16), dt.datetime(2024, 8, 27, 10)) == 10 * H
    )
    # Before opening and after closing count nothing: 07:00 -> 08:59 and 17:00 -> 23:00.
    assert working_seconds(cal, dt.datetime(2024, 3, 4, 7), dt.datetime(2024, 3, 4, 8, 59)) == 0
    assert working_seconds(cal, dt.datetime(2024, 3, 4, 17), dt.datetime(2024, 3, 4, 23)) == 0
    # Christmas: Tue 24 Dec 2024 15:00 -> Fri 27 Dec 11:00 = 2 h + (25, 26 holidays) + 2 h.
    assert (
        working_seconds(cal, dt.datetime(2024, 12, 24, 15), dt.datetime(2024, 12, 27, 11)) == 4 * H
    )


def test_custom_hours_days_and_bad_options() -> None:
    cal = WorkingCalendar.from_options(hours="08:30-12:30", days="mon,wed")
    assert cal.weekdays == (0, 2) and cal.hours_per_day == 4.0
    # Mon 2024-03-04 12:00 -> Wed 2024-03-06 09:00: Mon 0.5 h, Tue off, Wed 0.5 h.
    assert working_seconds(cal, dt.datetime(2024, 3, 4, 12), dt.datetime(2024, 3, 6, 9)) == 1 * H
    with pytest.raises(InputError, match="end before they start"):
        WorkingCalendar(day_start="17:00", day_end="09:00")
    with pytest.raises(InputError, match="HH:MM"):
        WorkingCalendar.from_options(hours="9-5")
    with pytest.raises(InputError, match="no holiday calendar"):
        WorkingCalendar(country="XX", subdivision=None)


def test_working_clock_in_the_engine(workspace, tmp_path: Path) -> None:
    log = tmp_path / "cal.csv"
    log.write_text(
        "case,activity,time\n"
        "1,a,2024-08-23T16:00:00+01:00\n"  # Fri 16:00 BST
        "1,b,2024-08-27T10:00:00+01:00\n"  # Tue 10:00 BST (Mon bank holiday)
        "2,a,2024-08-24T12:00:00+00:00\n"  # Saturday
        "2,b,2024-08-28T09:30:00+00:00\n"  # Wed 09:30
    )
    load_log(workspace, log)
    tables = open_log(workspace, "cal", LogFilter())
    events = tables.events.select("case_no", "position", "ts", "utc_offset_min")
    per = {}
    for basis in ("calendar", "working"):
        rows = fetch_rows(with_clocks(tables, events, {"clock": "ts"}, basis=basis))
        clocks = {(r["case_no"], r["position"]): r["clock"] for r in rows}
        per[basis] = [(clocks[(c, 1)] - clocks[(c, 0)]) / 1e6 for c in (0, 1)]
    # Case 1: 2 working hours (local time, offsets kept); 90 calendar hours.
    # Case 2: Sat..Mon(holiday) nothing, Tue 8 h, Wed 0.5 h = 8.5 working hours.
    assert per["working"] == [2 * H, 8.5 * H]
    assert per["calendar"] == [90 * H, (3 * 24 + 21.5) * H]
