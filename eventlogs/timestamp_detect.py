"""Detection helpers for eventlogs.timestamps: which format family a sample reads as.

The regexes for ISO 8601, day/month/year and year/month/day values, the plausible
ranges of epoch and Excel numbers, and the helpers that count what each family
reads, tell id-like numbers from timestamps, choose day-first or month-first and
build strptime patterns. ``eventlogs.timestamps`` holds the public API
(``detect_timestamp_format`` and the SQL) and imports these; nothing here
imports it back.

Imports: standard library, eventlogs.errors.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

from eventlogs.errors import AmbiguousTimestampError, InputError

ID_DENSITY = 0.1  # whole numbers filling >= 10% of [min, max] look like ids
NUMERIC_RANGES = {  # kind -> plausible magnitudes (inclusive)
    "excel_serial": (20_000.0, 80_000.0),  # 1954-10-04 .. 2119-01-10
    "epoch_s": (1e8, 1e10),  # 1973-03-03 .. 2286-11-20
    "epoch_ms": (1e11, 1e13),  # 1973-03-03 .. 2286-11-20
}
_SPACE = " \t\r\n"
_TIME = r"(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:(?P<fs>[.,])(?P<f>\d{1,9}))?)?"
_AMPM = r"(?:(?P<sp>\s*)(?P<ap>[AaPp][Mm]))?"
ISO_RE = re.compile(
    r"^\d{4}-\d{1,2}-\d{1,2}"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?P<off>Z|[+-]\d{2}(?::?\d{2})?)?)?$",
    re.ASCII,
)
DMY_RE = re.compile(
    r"^(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    rf"(?:\s+{_TIME}{_AMPM})?$",
    re.ASCII,
)
YMD_RE = re.compile(
    rf"^\d{{4}}(?P<sep>[/.])\d{{1,2}}(?P=sep)\d{{1,2}}(?:\s+{_TIME}{_AMPM})?$", re.ASCII
)
NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$", re.ASCII)
_TS_NAME_PARTS = ("time", "date", "stamp", "datum", "zeit", "fecha", "heure")
_TS_NAME_WORDS = {"ts", "at", "when", "start", "end", "complete", "completed", "created"}


def _candidates(texts: list[str], numbers: list[float], *, column: str) -> dict[str, int]:
    """How many sample values each format family reads (numbers: the best range)."""
    counts = {
        "iso": sum(1 for t in texts if ISO_RE.match(t)),
        "dmy": sum(1 for t in texts if (m := DMY_RE.match(t)) and _valid_daymonth(m)),
        "ymd": sum(1 for t in texts if YMD_RE.match(t)),
    }
    for kind, (low, high) in NUMERIC_RANGES.items():
        inside = [x for x in numbers if low <= x <= high]
        trusted = _timestamp_like_name(column) or not _is_id_like(inside)
        counts[kind] = len(inside) if trusted else 0
    return counts


def _choose_dayfirst(matches: list[re.Match[str]], *, dayfirst: bool | None, where: str) -> bool:
    """A first field > 12 proves day-first, a second field > 12 month-first.

    An explicit choice wins over ambiguity but not over data that contradicts it.
    """
    day_ex = next((m.string for m in matches if int(m["a"]) > 12), None)
    month_ex = next((m.string for m in matches if int(m["b"]) > 12), None)
    if dayfirst is True and month_ex:
        raise InputError(
            f"{where}: --dayfirst was given but {month_ex!r} has a second field above 12, "
            "so it is month-first; pass --monthfirst or fix the file"
        )
    if dayfirst is False and day_ex:
        raise InputError(
            f"{where}: --monthfirst was given but {day_ex!r} has a first field above 12, "
            "so it is day-first; pass --dayfirst or fix the file"
        )
    if day_ex and month_ex:
        raise InputError(
            f"{where}: dates are inconsistent: {day_ex!r} is day-first but {month_ex!r} is "
            "month-first; use one order in the whole column"
        )
    if dayfirst is not None:
        return dayfirst
    if day_ex or month_ex:
        return bool(day_ex)
    raise AmbiguousTimestampError(
        f"{where}: dates such as {matches[0].string} could be day-first or month-first; "
        "pass --dayfirst or --monthfirst"
    )


def _time_pattern(match: re.Match[str]) -> str:
    """The strptime time part for one matched value ('' for date only)."""
    if not match["h"]:
        return ""
    pattern = (" %I" if match["ap"] else " %H") + ":%M"
    if match["s"]:
        pattern += ":%S"
    if match["f"]:
        pattern += match["fs"] + "%n"  # %n reads 1..9 digits of a fraction
    if match["ap"]:
        pattern += (" " if match["sp"] else "") + "%p"
    return pattern


def _valid_daymonth(match: re.Match[str]) -> bool:
    """Both fields 1..31 and at least one of them a possible month; time in range."""
    a, b = int(match["a"]), int(match["b"])
    if not (1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12):
        return False
    return not match["h"] or (int(match["h"]) <= 23 and int(match["mi"]) <= 59)


def _is_id_like(numbers: list[float]) -> bool:
    """Whole numbers that fill their range densely (1..500, 100000001..100000500).

    Real timestamps are sparse in their range (seconds or milliseconds between
    events) or carry fractions (Excel times of day). Whole-day Excel dates are
    dense too, so they need a timestamp-like column name.
    """
    if not numbers or any(x != int(x) for x in numbers):
        return False
    distinct = len(set(numbers))
    return distinct / (max(numbers) - min(numbers) + 1) >= ID_DENSITY


def _timestamp_like_name(column: str) -> bool:
    """'Timestamp', 'event_date', 'CreatedAt', 'ts', 'Startzeit', 'time:timestamp'..."""
    low = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column).lower()
    words = set(re.split(r"[^a-z0-9]+", low))
    return any(part in low for part in _TS_NAME_PARTS) or bool(words & _TS_NAME_WORDS)


def _texts(values: Sequence[object]) -> list[str]:
    return [s for v in values if v is not None and (s := str(v).strip(_SPACE))]


def _numbers(values: Sequence[object]) -> list[float]:
    """Finite numbers in the sample: numeric objects and numeric strings (not bools)."""
    found: list[float] = []
    for value in values:
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float | Decimal):
            number = float(value)
        elif isinstance(value, str) and NUMBER_RE.match(value.strip(_SPACE)):
            number = float(value.strip(_SPACE))
        else:
            continue
        if math.isfinite(number):
            found.append(number)
    return found


def _nothing_fits(texts: list[str], *, column: str, file: str) -> InputError:
    examples = ", ".join(repr(t) for t in texts[:3])
    return InputError(
        f"column {column!r} in {file}: values such as {examples} are not timestamps in any "
        "supported format (ISO 8601, day/month/year, epoch seconds or milliseconds, Excel "
        "serial days); pass --timestamp to choose another column, --dayfirst or --monthfirst "
        "for day/month order, --timezone for the zone of values without an offset"
    )


def _ordered(patterns: list[str]) -> tuple[str, ...]:
    """Distinct patterns, most frequent first (try_strptime tries them in order)."""
    return tuple(p for p, _ in Counter(patterns).most_common())
