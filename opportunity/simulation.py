"""A discrete-event simulation (simpy) of the backlog, to check the fluid what-if.

The process is a FIFO queue: ``Q₀`` cases waiting at time 0, new cases arriving
as a Poisson stream of ``λ`` per period, ``servers`` officers each finishing a
case in an exponential time with mean ``servers / μ`` periods, so that a fully
busy team completes ``μ`` cases per period. Open cases (waiting or being
worked) are recorded at the end of each period and averaged over replications.

Imports: numpy, simpy, opportunity.whatif.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from eventlogs.errors import InputError
from opportunity.whatif import FlowRates


@dataclass(frozen=True, slots=True, kw_only=True)
class SimulatedBacklog:
    """Mean open cases at the end of each period over the replications (index 0 = start)."""

    open_cases: tuple[float, ...]
    replications: int
    servers: int
    seed: int


def simulate_backlog(
    rates: FlowRates,
    capacity: float,
    *,
    periods: int,
    servers: int = 1,
    replications: int = 50,
    seed: int = 0,
) -> SimulatedBacklog:
    """Simulate ``periods`` periods at ``capacity`` completions per period (when busy)."""
    if capacity <= 0:
        raise InputError("the simulation needs a completion capacity above 0 cases per period")
    rng = np.random.default_rng(seed)
    runs = np.array([_one_run(rates, capacity, periods, servers, rng) for _ in range(replications)])
    return SimulatedBacklog(
        open_cases=tuple(float(x) for x in runs.mean(axis=0)),
        replications=replications,
        servers=servers,
        seed=seed,
    )


def _one_run(
    rates: FlowRates, capacity: float, periods: int, servers: int, rng: np.random.Generator
) -> list[int]:
    env = simpy.Environment()
    team = simpy.Resource(env, capacity=servers)
    state = {"open": rates.open_now}
    mean_service = servers / capacity

    def case() -> Generator[Any, Any, None]:
        with team.request() as turn:
            yield turn
            yield env.timeout(rng.exponential(mean_service))
        state["open"] -= 1

    def arrivals() -> Generator[Any, Any, None]:
        while True:
            yield env.timeout(rng.exponential(1 / rates.arrivals_per_period))
            state["open"] += 1
            env.process(case())

    for _ in range(rates.open_now):
        env.process(case())
    if rates.arrivals_per_period > 0:
        env.process(arrivals())
    counts = [rates.open_now]
    for t in range(1, periods + 1):
        env.run(until=t)
        counts.append(state["open"])
    return counts
