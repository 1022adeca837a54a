"""The scoring configuration: criteria, weights and thresholds from TOML.

The defaults ship in ``default_scoring.toml`` (documented in docs/scoring.md);
a user's file is merged over them key by key, and anything the defaults do not
know is refused with the key's path, so a typo never passes silently.

Imports: tomllib, eventlogs.errors.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from eventlogs.errors import ConfigurationError

SCORES = ("rpa", "ai", "value", "ease")
TRANSFORMS = ("linear", "log", "map")


@dataclass(frozen=True, slots=True, kw_only=True)
class Criterion:
    """One named criterion: a feature mapped onto 0..1, with a weight within its score."""

    score: str
    name: str
    feature: str
    transform: str
    weight: float
    missing: float
    source: str
    lo: float = 0.0
    hi: float = 1.0
    table: Mapping[str, float] = field(default_factory=dict)

    def normalise(self, value: object) -> float | None:
        """The feature value on 0..1 (None when the value is missing)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        if self.transform == "map":
            return float(self.table.get(str(value), self.missing))
        x, lo, hi = float(value), self.lo, self.hi  # type: ignore[arg-type]
        if self.transform == "log":
            x, lo, hi = (math.log10(max(v, 1e-9)) for v in (x, lo, hi))
        return min(max((x - lo) / (hi - lo), 0.0), 1.0)

    def threshold(self) -> str:
        """The mapping in words: '100 -> 0, 10000 -> 1 (log)'."""
        if self.transform == "map":
            return ", ".join(f"{k} -> {v:g}" for k, v in self.table.items())
        return f"{self.lo:g} -> 0, {self.hi:g} -> 1 ({self.transform})"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScoringConfig:
    """Every criterion of the four scores, the class thresholds and automation rates."""

    criteria: tuple[Criterion, ...]
    classes: Mapping[str, float]
    automation_rate: Mapping[str, float]
    handling_time_overrides: Mapping[str, float] = field(default_factory=dict)
    source: str = "defaults"

    def of(self, score: str) -> tuple[Criterion, ...]:
        """The criteria of one score."""
        return tuple(c for c in self.criteria if c.score == score)

    def with_weight(self, score: str, name: str, factor: float) -> ScoringConfig:
        """A copy with one criterion's weight multiplied by ``factor`` (for sensitivity)."""
        criteria = tuple(
            replace(c, weight=c.weight * factor) if (c.score, c.name) == (score, name) else c
            for c in self.criteria
        )
        return replace(self, criteria=criteria)

    def with_automation_rates(self, rates: Mapping[str, float]) -> ScoringConfig:
        """A copy using these automation rates (e.g. the likely values of the assumptions)."""
        return replace(self, automation_rate=MappingProxyType(dict(rates)))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready summary (for provenance)."""
        return {
            "source": self.source,
            "weights": {f"{c.score}.{c.name}": c.weight for c in self.criteria},
            "classes": dict(self.classes),
        }


def load_scoring_config(path: Path | None = None) -> ScoringConfig:
    """The defaults, with ``path`` (a TOML file) merged over them when given."""
    text = resources.files("opportunity").joinpath("default_scoring.toml").read_text("utf-8")
    data = tomllib.loads(text)
    source = "defaults"
    if path is not None:
        try:
            user = tomllib.loads(Path(path).read_text("utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigurationError(f"{path}: cannot read the scoring file: {exc}") from exc
        overrides = user.pop("handling_time_s", {})
        if not isinstance(overrides, Mapping) or not all(
            isinstance(v, int | float) and v > 0 for v in overrides.values()
        ):
            raise ConfigurationError(
                f"{path}: [handling_time_s] must map activity names to seconds > 0"
            )
        _merge(data, user, str(path), ())
        data["handling_time_s"] = dict(overrides)
        source = str(path)
    return _build(data, source)


def _likely_rates() -> dict[str, float]:
    """The likely automation rate of each class, from the business-case assumptions."""
    from opportunity.assumptions import Assumptions

    return {k: float(v[1]) for k, v in Assumptions().automation_rate.items()}


def _merge(base: dict[str, Any], user: Mapping[str, Any], path: str, at: tuple[str, ...]) -> None:
    for key, value in user.items():
        where = ".".join((*at, key))
        if key not in base:
            known = ", ".join(sorted(base)) or "none"
            raise ConfigurationError(f"{path}: unknown key {where!r}; known here: {known}")
        if isinstance(base[key], dict) and isinstance(value, Mapping):
            _merge(base[key], value, path, (*at, key))
        elif isinstance(base[key], dict) or isinstance(value, Mapping):
            raise ConfigurationError(f"{path}: {where!r} must be a {type(base[key]).__name__}")
        else:
            base[key] = value


def _build(data: dict[str, Any], source: str) -> ScoringConfig:
    criteria = []
    for score in SCORES:
        for name, spec in data[score].items():
            if spec["transform"] not in TRANSFORMS:
                raise ConfigurationError(
                    f"{source}: {score}.{name}.transform must be one of {', '.join(TRANSFORMS)}"
                )
            criteria.append(
                Criterion(
                    score=score,
                    name=name,
                    feature=spec["feature"],
                    transform=spec["transform"],
                    weight=float(spec["weight"]),
                    missing=float(spec["missing"]),
                    source=spec.get("source", ""),
                    lo=float(spec.get("lo", 0.0)),
                    hi=float(spec.get("hi", 1.0)),
                    table=MappingProxyType({k: float(v) for k, v in spec.get("map", {}).items()}),
                )
            )
    for score in SCORES:
        total = sum(c.weight for c in criteria if c.score == score)
        if not 0.999 <= total <= 1.001:
            raise ConfigurationError(f"{source}: the weights of {score} sum to {total:g}, not 1")
    return ScoringConfig(
        criteria=tuple(criteria),
        classes=MappingProxyType({k: float(v) for k, v in data["classes"].items()}),
        automation_rate=MappingProxyType(_likely_rates()),
        handling_time_overrides=MappingProxyType(
            {str(k): float(v) for k, v in data.get("handling_time_s", {}).items()}
        ),
        source=source,
    )
