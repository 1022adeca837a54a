"""The step feature table: what the log says about each activity, in one row.

``StepFeatures`` is the evidence the scores read. It is built from mining
results only (``build_step_features``), never from queries here.

Imports: opportunity only (the builder in opportunity.evidence imports mining).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True, kw_only=True)
class StepFeatures:
    """Measured features of one activity (None: the log holds no evidence for it)."""

    activity: str
    process: str
    cases: int
    executions: int
    annual_volume: float  # executions per year over the log's span
    case_share: float  # share of cases through the step
    handling_time_s: float  # per execution: measured median processing time, or an estimate
    handling_time_estimated: bool
    handling_time_basis: str  # how handling_time_s was obtained, in words
    handling_samples_s: tuple[float, ...] = ()  # measured per-execution times (for ranges)
    annual_hours: float
    dominant_successor_share: float | None
    next_step_entropy_bits: float | None
    decision_verdict: str  # none | rule | learnable | judgement | too few cases
    decision_summary: str = ""  # e.g. the tree's rules in words
    duration_cv: float | None
    rework_rate: float | None
    exception_share: float | None
    stability: float | None
    automated_share: float
    automated_reason: str = ""
    resources: int | None
    mean_wait_s: float | None
    wait_is_upper_bound: bool = True
    queue_in_front: float | None = None  # mean cases waiting before the step per day
    unstructured_inputs: tuple[str, ...] = field(default=())

    @property
    def structured_input(self) -> str:
        """'no' when free-text inputs feed the step, else 'yes'."""
        return "no" if self.unstructured_inputs else "yes"

    @property
    def mean_wait_days(self) -> float | None:
        """Mean wait in front of the step, in days."""
        return None if self.mean_wait_s is None else self.mean_wait_s / 86400

    def feature(self, name: str) -> object:
        """A feature by name (properties included), for the scoring criteria."""
        return getattr(self, name)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready features (samples left out)."""
        data = asdict(self)
        data.pop("handling_samples_s")
        data["structured_input"] = self.structured_input
        return data
