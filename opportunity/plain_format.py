"""Numbers in plain UK English for the one-page summary: pounds, months, hours, ranges.

Money and hours are rounded to three significant figures (an estimate is not
precise to the pound); a negative amount takes a true minus sign. Nothing here
escapes HTML: every string returned is made of digits, ``£``, letters we chose
and the minus sign, never of log data.

Imports: math, opportunity.montecarlo (``Range`` only).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from opportunity.montecarlo import Range

MINUS = "\u2212"
_SUFFIXES = ((1e9, "bn"), (1e6, "m"), (1e3, "k"))


def round_sig(value: float, figures: int = 3) -> float:
    """``value`` rounded to ``figures`` significant figures, halves away from zero.

    >>> round_sig(38250.0), round_sig(-0.012345), round_sig(0.0)
    (38300.0, -0.0123, 0.0)
    """
    if value == 0 or not math.isfinite(value):
        return value
    scale = 10.0 ** (figures - 1 - math.floor(math.log10(abs(value))))
    return math.copysign(math.floor(abs(value) * scale + 0.5) / scale, value)


def _three_figures(value: float) -> str:
    """``value`` (1 <= value < 1000) to three significant figures, trailing zeros dropped."""
    decimals = max(0, 2 - math.floor(math.log10(value)))
    text = f"{round_sig(value):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_gbp(value: float | None) -> str:
    """Pounds to three significant figures with k, m or bn.

    >>> format_gbp(12750), format_gbp(10000), format_gbp(-1234567), format_gbp(456.4)
    ('£12.8k', '£10k', '−£1.23m', '£456')
    >>> format_gbp(38250), format_gbp(999_600), format_gbp(None)
    ('£38.3k', '£1m', 'n/a')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    sign = MINUS if value < 0 else ""
    rounded = round_sig(abs(value))
    for divisor, suffix in _SUFFIXES:
        if rounded >= divisor:
            return f"{sign}£{_three_figures(rounded / divisor)}{suffix}"
    return f"{sign}£{abs(value):,.0f}" if round(abs(value)) else "£0"


def format_count(value: float) -> str:
    """A count of hours or cases, to three significant figures with thousands commas.

    >>> format_count(12345.6), format_count(800.0), format_count(0.4)
    ('12,300', '800', '0')
    """
    if not math.isfinite(value):
        return "n/a"
    rounded = round_sig(value) if abs(value) >= 1000 else value
    return f"{rounded:,.0f}".replace("-", MINUS)


def format_months(value: float | None, horizon_years: int) -> str:
    """A payback time in whole months; None means not within the appraisal horizon.

    >>> format_months(11.41, 5), format_months(0.6, 5), format_months(None, 5)
    ('11 months', '1 month', 'not within 5 years')
    """
    if value is None or not math.isfinite(value):
        return f"not within {horizon_years} years"
    months = max(1, round(value))
    return f"{months} month" + ("" if months == 1 else "s")


def format_days(seconds: float) -> str:
    """A duration in whole days, or in hours when under two days.

    >>> format_days(20 * 86400.0), format_days(5 * 3600.0), format_days(600.0)
    ('20 days', '5 hours', 'under an hour')
    """
    hours = seconds / 3600.0
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return f"{round(hours)} hour" + ("" if round(hours) == 1 else "s")
    return f"{round(hours / 24)} days"


def format_range(rng: Range, fmt: Callable[[float | None], str]) -> str:
    """The P10 to P90 span of ``rng`` in words.

    >>> format_range(Range(p10=9000.0, p50=1.0, p90=15000.0), format_gbp)
    '£9k to £15k'
    """
    return f"{fmt(rng.p10)} to {fmt(rng.p90)}"
