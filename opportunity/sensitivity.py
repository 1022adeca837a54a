"""Sensitivity of the classes to the weights: which candidates change class.

Each criterion's weight is moved by -20% and +20% in turn (the other weights of
its score unchanged, so the score renormalises), every step is scored again
and any change of class is recorded. A candidate whose class survives every
move is robust; one that flips depends on that weight.

Imports: opportunity (features, scoring, scoring_config).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from opportunity.scoring import Opportunities, score_step

DEFAULT_FACTORS = (0.8, 1.2)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClassChange:
    """One step whose class changes when one weight moves."""

    activity: str
    criterion: str  # score.criterion
    factor: float
    from_class: str
    to_class: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "activity": self.activity,
            "criterion": self.criterion,
            "weight_change": f"{self.factor - 1:+.0%}",
            "from": self.from_class,
            "to": self.to_class,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Sensitivity:
    """Every class change found, and the steps that never changed."""

    changes: tuple[ClassChange, ...]
    robust: tuple[str, ...]
    factors: tuple[float, ...]

    def changed(self, activity: str) -> tuple[ClassChange, ...]:
        """The class changes of one step."""
        return tuple(c for c in self.changes if c.activity == activity)


def compute_sensitivity(
    opportunities: Opportunities, *, factors: Sequence[float] = DEFAULT_FACTORS
) -> Sensitivity:
    """Re-score every step with each weight moved by each factor; collect class changes."""
    config = opportunities.config
    changes = []
    for criterion in config.criteria:
        for factor in factors:
            moved = config.with_weight(criterion.score, criterion.name, factor)
            for step in opportunities.steps:
                new = score_step(step.features, moved).automation_class
                if new != step.automation_class:
                    changes.append(
                        ClassChange(
                            activity=step.activity,
                            criterion=f"{criterion.score}.{criterion.name}",
                            factor=factor,
                            from_class=step.automation_class,
                            to_class=new,
                        )
                    )
    flipped = {c.activity for c in changes}
    robust = tuple(s.activity for s in opportunities.steps if s.activity not in flipped)
    return Sensitivity(changes=tuple(changes), robust=robust, factors=tuple(factors))
