"""Findings in plain words: the few statements a manager should read first.

Each finding is one sentence with its number and the metric behind it, from
the bottleneck, backlog, variability and resource results. Findings are ranked
by ``weight``: the share of the process the statement concerns (share of all
waiting time, of cases, of events), so the biggest effects come first.
Wording is UK public-sector English ("cases", "working days", "backlog").

Imports: mining (backlog, bottlenecks, calendar, filters, resources, source, variability).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from mining.backlog import Backlog, compute_backlog
from mining.bottlenecks import Bottlenecks, compute_bottlenecks
from mining.calendar import TimeBasis, WorkingCalendar
from mining.filters import LogFilter
from mining.resources import ResourceMetrics, compute_resources
from mining.source import Connection, DatasetRef, Provenance
from mining.variability import Variability, compute_variability

OLD_DAYS = 90
MIN_REWORK_CASES = 10


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One statement, its headline number and the metric it comes from."""

    kind: str  # bottleneck | backlog | rework | variants | automation | data
    text: str
    value: float
    unit: str
    metric: str  # the metric behind it (docs/metrics.md)
    weight: float  # 0..1: share of the process concerned (ranking)
    activity: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return asdict(self)


@dataclass(frozen=True, slots=True, kw_only=True)
class Findings:
    """Findings, most important first."""

    provenance: Provenance
    findings: tuple[Finding, ...]

    def texts(self, n: int | None = None) -> list[str]:
        """The sentences, most important first."""
        return [f.text for f in self.findings[:n]]


def compute_findings(
    con: Connection,
    dataset: DatasetRef,
    *,
    log_filter: LogFilter | None = None,
    basis: TimeBasis = "calendar",
    calendar: WorkingCalendar | None = None,
    limit: int = 8,
) -> Findings:
    """Compute the metrics and turn them into ranked findings."""
    log_filter = log_filter or LogFilter()
    waits = compute_bottlenecks(con, dataset, log_filter=log_filter, basis=basis, calendar=calendar)
    backlog = compute_backlog(con, dataset, freq="W", log_filter=log_filter)
    var = compute_variability(con, dataset, log_filter=log_filter)
    res = compute_resources(con, dataset, log_filter=log_filter, calendar=calendar)
    return build_findings(waits, backlog, var, res, limit=limit, calendar=calendar)


def build_findings(
    waits: Bottlenecks,
    backlog: Backlog,
    var: Variability,
    res: ResourceMetrics,
    *,
    limit: int = 8,
    calendar: WorkingCalendar | None = None,
) -> Findings:
    """Findings from computed results (ranked by weight, at most ``limit``)."""
    found = [
        *_bottlenecks(waits, calendar),
        *_backlog(backlog),
        *_rework(var),
        *_variants(var),
        *_automation(res),
    ]
    found.sort(key=lambda f: (-f.weight, f.kind, f.text))
    return Findings(provenance=waits.provenance, findings=tuple(found[:limit]))


def days(seconds: float, unit: str = "days", *, day_s: float = 86400.0) -> str:
    """'3.4 days' (or hours below a day); a working day is ``day_s`` seconds long."""
    if seconds < day_s:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / day_s:.1f} {unit}"


def _bottlenecks(waits: Bottlenecks, calendar: WorkingCalendar | None) -> list[Finding]:
    total = sum(a.time_lost_s for a in waits.activities)
    working = waits.basis == "working"
    unit = "working days" if working else "days"
    day_s = (calendar or WorkingCalendar()).hours_per_day * 3600 if working else 86400.0
    out = []
    for a in waits.activities[:2]:
        if total <= 0 or a.waits == 0:
            break
        share = a.time_lost_s / total
        bound = " (at most: the log has no start times)" if a.wait_is_upper_bound else ""
        out.append(
            Finding(
                kind="bottleneck",
                text=(
                    f"Cases wait {days(a.mean_wait_s, unit, day_s=day_s)} on average before '{a.activity}'"
                    f"{bound}; 1 in 10 waits more than {days(a.p90_wait_s, unit, day_s=day_s)}. "
                    f"That wait is {share:.0%} of all waiting time in the process."
                ),
                value=share,
                unit="share of waiting time",
                metric="bottlenecks: time lost",
                weight=share,
                activity=a.activity,
            )
        )
    return out


def _backlog(backlog: Backlog) -> list[Finding]:
    if backlog.cases == 0:
        return []
    n = backlog.open_at_end_of_log
    old = sum(b.cases for b in backlog.ages.buckets if b.min_days >= OLD_DAYS)
    text = f"{n:,} of {backlog.cases:,} cases are still open at the end of the log"
    if n:
        text += f"; {old / n:.0%} of them have been open for more than {OLD_DAYS} days"
    t = backlog.trend
    unit = {"D": "days", "W": "weeks", "M": "months"}[backlog.freq]
    if t.direction in ("growing", "shrinking") and t.change is not None:
        text += (
            f". Over the last {t.periods} {unit} the backlog is {t.direction} ({t.change:+,} cases)"
        )
    out = [
        Finding(
            kind="backlog",
            text=text + ".",
            value=float(n),
            unit="open cases",
            metric="backlog: open at end of log",
            weight=n / backlog.cases,
        )
    ]
    law = backlog.littles_law
    if law is not None and law.ratio is not None and not 0.5 <= law.ratio <= 2:
        out.append(
            Finding(
                kind="data",
                text=(
                    f"Work in progress is {law.ratio:.1f} times what arrivals and cycle times "
                    "predict (Little's law): check for cases left open in the source system."
                ),
                value=law.ratio,
                unit="ratio",
                metric="backlog: Little's law",
                weight=0.05,
            )
        )
    return out


def _rework(var: Variability) -> list[Finding]:
    repeated = [a for a in var.activities if a.rework_cases >= MIN_REWORK_CASES]
    if not repeated:
        return []
    a = max(repeated, key=lambda a: (a.rework_cases, a.activity))
    share = a.rework_cases / max(var.process.cases, 1)
    return [
        Finding(
            kind="rework",
            text=(
                f"'{a.activity}' is done more than once in {a.rework_rate:.0%} of the cases that "
                f"reach it ({a.rework_cases:,} cases): rework that a clearer rule or check could avoid."
            ),
            value=a.rework_rate,
            unit="share of cases",
            metric="variability: rework rate",
            weight=share,
            activity=a.activity,
        )
    ]


def _variants(var: Variability) -> list[Finding]:
    p = var.process
    if p.cases == 0:
        return []
    k = max((k for k in p.top_k_coverage if k <= min(10, p.variant_count)), default=None)
    if k is None:
        return []
    cover = p.top_k_coverage[k]
    rare = p.rare_variant_cases / p.cases
    head = "The most common path covers" if k == 1 else f"The {k} most common paths cover"
    return [
        Finding(
            kind="variants",
            text=(
                f"{head} {cover:.0%} of cases; there are {p.variant_count:,} different paths "
                f"in all, and {rare:.0%} of cases follow a path taken by fewer than 1% of cases."
            ),
            value=cover,
            unit="share of cases",
            metric="variability: top-k coverage",
            weight=rare,
        )
    ]


def _automation(res: ResourceMetrics) -> list[Finding]:
    done = [a for a in res.activities if a.events and a.automated_share >= 0.5]
    if not done:
        return []
    a = max(done, key=lambda a: (a.automated_events, a.activity))
    total = sum(x.events for x in res.activities) or 1
    return [
        Finding(
            kind="automation",
            text=(
                f"'{a.activity}' already looks automated: {a.automated_share:.0%} of its "
                f"{a.events:,} events are done by systems or in machine-like batches."
            ),
            value=a.automated_share,
            unit="share of events",
            metric="resources: system-versus-human signal",
            weight=0.5 * a.events / total,
            activity=a.activity,
        )
    ]
