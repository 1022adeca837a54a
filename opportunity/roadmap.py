"""The automation roadmap: waves, start and end months, dependencies.

Wave from value and ease: *quick wins* are easy (ease band high) and worth it
(value score >= ``quick_win_min_value``); *strategic* steps are hard (ease band
low); everything else comes *next*. A step depends on the nearest earlier step
(lower position) of the same process planned in the same or an earlier wave,
so steps of one process are automated in process order. A step starts at its
wave's start month or when the step it depends on ends, whichever is later, and
lasts its ease band's build duration. Months count from the start of the
programme (month 0).

Imports: pandas (to_frame only), opportunity.assumptions, opportunity.business_case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from opportunity.assumptions import WAVES, Assumptions
from opportunity.business_case import CaseInput

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True, slots=True, kw_only=True)
class RoadmapItem:
    """One candidate step planned on the roadmap (months from the programme start)."""

    activity: str
    process: str
    automation_class: str
    wave: str
    ease_band: str
    value_score: float
    start_month: float
    duration_months: float
    end_month: float
    depends_on: int | None  # index into Roadmap.items of the step this one waits for


@dataclass(frozen=True, slots=True, kw_only=True)
class Roadmap:
    """Roadmap items in the order of the candidates they were built from."""

    items: tuple[RoadmapItem, ...]

    @property
    def end_month(self) -> float:
        """The month the last step goes live (0 for an empty roadmap)."""
        return max((item.end_month for item in self.items), default=0.0)

    def to_frame(self) -> pd.DataFrame:
        """One row per item, with the activity it depends on by name."""
        import pandas as pd

        rows = [
            {
                "activity": item.activity,
                "process": item.process,
                "class": item.automation_class,
                "wave": item.wave,
                "ease_band": item.ease_band,
                "start_month": item.start_month,
                "duration_months": item.duration_months,
                "end_month": item.end_month,
                "depends_on": None
                if item.depends_on is None
                else self.items[item.depends_on].activity,
            }
            for item in self.items
        ]
        return pd.DataFrame(rows)


def wave_of(inp: CaseInput, a: Assumptions) -> str:
    """Quick wins, next or strategic, from the ease band and the value score.

    >>> step = CaseInput(activity="A", process="P", automation_class="RPA",
    ...                  annual_executions=1, handling_time_s=1, ease_band="high",
    ...                  value_score=80)
    >>> wave_of(step, Assumptions())
    'quick wins'
    """
    if inp.ease_band == "high" and inp.value_score >= a.quick_win_min_value:
        return "quick wins"
    return "strategic" if inp.ease_band == "low" else "next"


def dependencies(inputs: Sequence[CaseInput], waves: Sequence[str]) -> list[int | None]:
    """For each step, the index of the step it waits for (None when it waits for none)."""
    rank = [WAVES.index(w) for w in waves]
    found: list[int | None] = []
    for i, step in enumerate(inputs):
        earlier = [
            j
            for j, other in enumerate(inputs)
            if other.process == step.process
            and (other.position, j) < (step.position, i)
            and rank[j] <= rank[i]
        ]
        found.append(max(earlier, key=lambda j: (inputs[j].position, j), default=None))
    return found


def build_roadmap(inputs: Sequence[CaseInput], a: Assumptions) -> Roadmap:
    """Plan every candidate step: wave, dependency, start, duration and end month.

    >>> def step(name, position, band):
    ...     return CaseInput(activity=name, process="P", automation_class="RPA",
    ...                      annual_executions=1, handling_time_s=1, ease_band=band,
    ...                      value_score=90, position=position)
    >>> plan = build_roadmap([step("A", 0, "high"), step("B", 1, "medium")], Assumptions())
    >>> [(i.wave, i.start_month, i.end_month, i.depends_on) for i in plan.items]
    [('quick wins', 0.0, 2.0, None), ('next', 3.0, 7.0, 0)]
    """
    waves = [wave_of(step, a) for step in inputs]
    deps = dependencies(inputs, waves)
    ends: dict[int, float] = {}
    starts: dict[int, float] = {}
    # dependencies point to lower (position, index), so this order settles them first
    for i in sorted(range(len(inputs)), key=lambda k: (inputs[k].position, k)):
        dep = deps[i]
        starts[i] = max(a.wave_start_month[waves[i]], ends[dep] if dep is not None else 0.0)
        ends[i] = starts[i] + a.duration_months[inputs[i].ease_band]
    items = tuple(
        RoadmapItem(
            activity=step.activity,
            process=step.process,
            automation_class=step.automation_class,
            wave=waves[i],
            ease_band=step.ease_band,
            value_score=step.value_score,
            start_month=starts[i],
            duration_months=a.duration_months[step.ease_band],
            end_month=ends[i],
            depends_on=deps[i],
        )
        for i, step in enumerate(inputs)
    )
    return Roadmap(items=items)
