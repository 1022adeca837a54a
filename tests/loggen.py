"""Ground-truth event logs: a generated process whose every step's nature is known by construction.

``generate_log(path, cases=2000, seed=0)`` writes a CSV event log (one row per
activity instance, start and complete timestamps) and returns a ``GroundTruth``
naming each step's kind. The same seed gives the same file, byte for byte
(a ``numpy.random.Generator``; no clock, no global state).

The process (case ids are the integers 1000, 1001, ... in arrival order, at
least 5 minutes apart, so the workspace's ``case_no`` is the case id - 1000):

1. ``Register`` (clerks, 1-5 min) -> always ``Check amount``. High volume,
   deterministic, structured data (an event attribute ``channel``).
2. ``Check amount`` -> ``Pay`` when ``case:amount < 50``, else ``Assess``. A
   threshold on one case attribute: a rule a robot can follow.
3. ``Assess`` -> ``Approve`` when ``floor(4 a) + floor(4 b)`` is even, else
   ``Reject`` (a = ``case:score_a``, b = ``case:score_b``, uniform on [0, 1)).
   A 4 x 4 checkerboard: every axis-parallel half of it is about 50/50, so a
   depth-3 tree (8 boxes for 16 cells) stays near chance, while gradient
   boosting learns it (measured on the default log's 1,392 Assess rows, 5-fold
   by case: tree 0.52, gradient boosting 0.98, baseline 0.53).
   ``case:score_c`` is noise beside it.
4. ``Approve`` -> ``Pay``; ``Reject`` -> ``Notify``; ``Pay`` and ``Notify`` -> ``Route``.
5. ``Route`` -> ``Send letter`` when the case id is even, else ``Send email``.
   Decided by the case id alone: no feature may predict it. A leakage trap,
   armed: ``case_no`` has the case id's parity, so a model fed it would be perfect.
6. ``Send letter`` / ``Send email`` -> ``Archive``.
7. ``Archive``: resource ``SYSTEM``, run in nightly batches at exactly 02:00:00
   (every case of a batch has the same start and complete second). Already
   automated. Then the case ends, except in ``rare`` cases:
8. ``Escalate`` (rare: ``rare`` cases, 20 by default, below the 30-case
   minimum): managers, durations from minutes to weeks (log-normal, sigma 2),
   followed by a random one of ``Call customer``, ``Refund``, ``Write memo`` or
   the end of the case. Erratic, human.

Case attributes: ``case:amount`` (5-150, two decimals), ``case:region`` (4
values), ``case:type`` (3 values), ``case:score_a/b/c`` and ``case:note``, a
free-text sentence of 8-16 words (unstructured input; it decides nothing).
Waiting before each step: exponential, mean 2 hours. Columns: ``case``,
``activity``, ``start``, ``complete`` (ISO 8601, UTC), ``resource``,
``channel``, then the ``case:`` columns. Load with ``GroundTruth.load_options``.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from eventlogs.load import LoadOptions

T0 = datetime(2024, 1, 1, 8, 0, tzinfo=UTC)
BATCH_HOUR = 2  # Archive runs every night at 02:00:00
WORDS = (
    "customer", "called", "about", "the", "delayed", "payment", "and", "asked", "for",
    "a", "refund", "of", "fees", "letter", "received", "with", "missing", "documents",
    "please", "check", "the", "address", "history", "urgent", "request", "from", "the",
    "council", "regarding", "previous", "complaint", "on", "invoice",
)  # fmt: skip
COLUMNS = [
    "case", "activity", "start", "complete", "resource", "channel",
    "case:amount", "case:region", "case:type", "case:score_a", "case:score_b",
    "case:score_c", "case:note",
]  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class GroundTruth:
    """What each generated step is, by construction."""

    path: Path
    cases: int
    deterministic: str = "Register"  # always followed by the same step
    threshold: str = "Check amount"  # amount < 50 -> Pay, else Assess
    nonlinear: str = "Assess"  # checkerboard of score_a, score_b
    leakage: str = "Route"  # case id parity only
    rare: str = "Escalate"  # few cases, random successor, erratic durations
    automated: str = "Archive"  # SYSTEM, nightly batches at the same second
    free_text: str = "note"  # the unstructured case attribute
    load_options: LoadOptions = field(
        default_factory=lambda: LoadOptions(
            case="case",
            activity="activity",
            timestamp="complete",
            start_timestamp="start",
            resource="resource",
        )
    )


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class _Case:
    """Builds one case's rows, advancing its clock step by step."""

    def __init__(
        self, case_id: int, arrival: datetime, attrs: list[object], rng: np.random.Generator
    ):
        self.case_id, self.clock, self.attrs, self.rng = case_id, arrival, attrs, rng
        self.rows: list[list[object]] = []

    def step(
        self, activity: str, resource: str, minutes: float, *, wait: bool = True, channel: str = ""
    ) -> None:
        if wait:
            self.clock += timedelta(seconds=int(self.rng.exponential(7200)))
        start = self.clock
        self.clock = start + timedelta(seconds=max(1, int(minutes * 60)))
        self.rows.append(
            [self.case_id, activity, _iso(start), _iso(self.clock), resource, channel, *self.attrs]
        )

    def batch(self, activity: str) -> None:
        """A SYSTEM step at the next 02:00:00: start = complete, shared by the whole batch."""
        day = self.clock.replace(hour=BATCH_HOUR, minute=0, second=0, microsecond=0)
        self.clock = day if day > self.clock else day + timedelta(days=1)
        stamp = _iso(self.clock)
        self.rows.append([self.case_id, activity, stamp, stamp, "SYSTEM", "", *self.attrs])


def _attributes(rng: np.random.Generator) -> tuple[float, float, float, list[object]]:
    amount = round(float(rng.uniform(5, 150)), 2)
    a, b, c = (round(float(v), 4) for v in rng.random(3))
    note = " ".join(rng.choice(WORDS, size=int(rng.integers(8, 17))))
    region = str(rng.choice(["North", "South", "East", "West"]))
    kind = str(rng.choice(["standard", "priority", "bulk"]))
    return amount, a, b, [amount, region, kind, a, b, c, note]


def _one_case(
    case_id: int, arrival: datetime, rare: bool, rng: np.random.Generator
) -> list[list[object]]:
    amount, a, b, attrs = _attributes(rng)
    case = _Case(case_id, arrival, attrs, rng)
    clerk = f"clerk_{int(rng.integers(1, 7))}"
    case.step(
        "Register",
        clerk,
        rng.uniform(1, 5),
        wait=False,
        channel=str(rng.choice(["web", "phone", "post"])),
    )
    case.step("Check amount", clerk, rng.uniform(2, 10))
    if amount >= 50:
        case.step("Assess", f"assessor_{int(rng.integers(1, 4))}", rng.uniform(20, 60))
        approve = (int(4 * a) + int(4 * b)) % 2 == 0
        case.step("Approve" if approve else "Reject", "officer", rng.uniform(5, 15))
        case.step("Pay" if approve else "Notify", clerk, rng.uniform(1, 10))
    else:
        case.step("Pay", clerk, rng.uniform(1, 3))
    case.step("Route", clerk, rng.uniform(1, 2))
    even = case_id % 2 == 0
    case.step(
        "Send letter" if even else "Send email",
        clerk,
        rng.uniform(5, 10) if even else rng.uniform(1, 2),
    )
    case.batch("Archive")
    if rare:
        case.step(
            "Escalate",
            f"manager_{int(rng.integers(1, 3))}",
            min(rng.lognormal(np.log(120), 2), 60 * 24 * 60),
        )
        follow = str(rng.choice(["Call customer", "Refund", "Write memo", ""]))
        if follow:
            case.step(follow, f"manager_{int(rng.integers(1, 3))}", rng.uniform(5, 30))
    return case.rows


def generate_log(path: Path, *, cases: int = 2000, rare: int = 20, seed: int = 0) -> GroundTruth:
    """Write the ground-truth log (see the module docstring) to ``path``; return what each step is."""
    rng = np.random.default_rng(seed)
    escalated = set(rng.choice(cases, size=min(rare, cases), replace=False).tolist())
    arrival = T0
    rows: list[list[object]] = []
    for i in range(cases):
        # At least 5 minutes apart, more than Register's spread: case_no follows the case id.
        arrival += timedelta(seconds=300 + int(rng.exponential(1200)))
        rows.extend(_one_case(1000 + i, arrival, i in escalated, rng))
    path = Path(path)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
    return GroundTruth(path=path, cases=cases)
