"""The report behind the Opportunities, Business case and Roadmap pages, computed once per view.

``cached_report`` runs ``opportunity.report.build_report`` once per (workspace
version, dataset, filter) with the default assumptions and keeps it in the
result cache; ``current_report`` applies the Business case page's assumption
overrides (small JSON kept in the browser) with ``rebuild_report``, which only
recomputes the portfolio, its Monte-Carlo ranges and the what-if.

Results hold read-only mappings (``MappingProxyType``), which pickle cannot
store; the result cache (diskcache) pickles, so a reducer is registered here.

Imports: standard library, opportunity, mining.filters, app.
"""

from __future__ import annotations

import copyreg
import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from app.settings import Settings
from app.workspace import memoize, open_workspace
from mining.filters import LogFilter
from opportunity.assumptions import Assumptions, parse_assumptions
from opportunity.report import Report, build_report, rebuild_report

RUNS = 2000  # Monte-Carlo runs, as the CLI by default
SEED = 0
SOURCE = "the Business case page"
Progress = Callable[[str, float], None]


def _proxy(data: dict[str, Any]) -> MappingProxyType[str, Any]:
    return MappingProxyType(data)


copyreg.pickle(MappingProxyType, lambda m: (_proxy, (dict(m),)))


def assumptions_from(overrides: Mapping[str, Any] | None) -> Assumptions:
    """The assumptions of the page: the defaults with the overrides read over them."""
    return parse_assumptions(overrides or {}, source=SOURCE)


def cached_report(
    settings: Settings, dataset: str, log_filter: LogFilter, progress: Progress | None = None
) -> Report:
    """The report of a view under the default assumptions (computed once, then from the cache)."""

    def compute() -> Report:
        with open_workspace(settings) as con:
            return build_report(
                con, dataset, log_filter=log_filter, runs=RUNS, seed=SEED, progress=progress
            )

    return memoize(settings, ("report", dataset, log_filter.to_query(), RUNS, SEED), compute)


def current_report(
    settings: Settings,
    dataset: str,
    log_filter: LogFilter,
    overrides: Mapping[str, Any] | None,
    progress: Progress | None = None,
) -> Report:
    """The report of a view under the page's assumptions (no query when the view is cached)."""
    base = cached_report(settings, dataset, log_filter, progress)
    if not overrides:
        return base
    assumptions = assumptions_from(overrides)
    key = ("rebuilt", dataset, log_filter.to_query(), json.dumps(overrides, sort_keys=True))
    return memoize(settings, key, lambda: rebuild_report(base, assumptions, runs=RUNS, seed=SEED))
