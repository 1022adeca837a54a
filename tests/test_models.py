"""pm4py adapters: models and fitness on hand-made logs worked out by hand, and on a real log.

Real DuckDB, real pm4py, no mocks. pm4py's own functions on the whole event frame
are the oracle for the variant-count route the adapters take.
"""

from __future__ import annotations

import doctest
import json
import multiprocessing
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import mining.conformance
import mining.models
from eventlogs.engine import connect
from eventlogs.load import LoadOptions, load_log
from mining.conformance import compute_fitness, sample_variants
from mining.filters import LogFilter
from mining.models import (
    BudgetExceededError,
    Calibration,
    ModelError,
    PetriNetModel,
    discover_heuristics_net,
    discover_petri_net,
    discover_variant_counts,
    export_bpmn,
    import_pm4py,
    run_budgeted,
)
from tests.conftest import REPO, shared_log

# A, then B and C in either order (concurrent), then D.
PARALLEL = [("P1", "ABCD"), ("P2", "ACBD"), ("P3", "ABCD"), ("P4", "ACBD")]
# Nine cases of A (B || C) D, and one that skips C.
DEVIATING = [(f"D{i}", "ABCD" if i % 2 else "ACBD") for i in range(1, 10)] + [("D10", "ABD")]
SEQUENCE_A_PARALLEL_BC_D = {"->( 'A', +( 'B', 'C' ), 'D' )", "->( 'A', +( 'C', 'B' ), 'D' )"}
# Heuristics: directly-follows counts |x>y| over the five cases
#   a>b: H1 H2 H3 H5 = 4   a>c: H4 = 1   b>c: H1 H2 H3 H5 = 4   c>b: H4 = 1   b>b: H5 = 1
HEURISTIC = [("H1", "abc"), ("H2", "abc"), ("H3", "abc"), ("H4", "acb"), ("H5", "abbc")]


def load_cases(con: duckdb.DuckDBPyConnection, folder: Path, name: str, cases: Any) -> None:
    """One event per letter, a minute apart, loaded from a CSV named ``name``."""
    rows = ["case,activity,timestamp"]
    for case, letters in cases:
        rows += [f"{case},{a},2024-01-01T10:{i:02d}:00Z" for i, a in enumerate(letters)]
    path = folder / f"{name}.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    load_log(
        con, path, options=LoadOptions(case="case", activity="activity", timestamp="timestamp")
    )


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """The three hand-made logs and receipt.xes.gz; loaded once, only read."""
    folder = tmp_path_factory.mktemp("models")
    con = connect(folder / "ws.duckdb")
    for name, cases in (("parallel", PARALLEL), ("deviating", DEVIATING), ("heur", HEURISTIC)):
        load_cases(con, folder, name, cases)
    load_log(con, shared_log("receipt.xes.gz"))
    yield con
    con.close()


@pytest.fixture(scope="module")
def receipt_nets(ws: duckdb.DuckDBPyConnection) -> dict[float, PetriNetModel]:
    """receipt's models at noise 0 and 0.2, mined once."""
    return {noise: discover_petri_net(ws, "receipt", noise_threshold=noise) for noise in (0.0, 0.2)}


def frame(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """The whole dataset as pm4py's event frame, in event order (the oracle's input)."""
    sql = """SELECT case_id AS "case:concept:name", activity AS "concept:name",
                    ts AS "time:timestamp"
             FROM event_log JOIN datasets USING (dataset_id)
             WHERE name = ? ORDER BY case_no, position"""
    return con.execute(sql, [name]).df()


def activities(con: duckdb.DuckDBPyConnection, name: str) -> set[str]:
    sql = "SELECT activity FROM activities JOIN datasets USING (dataset_id) WHERE name = ?"
    return {r[0] for r in con.execute(sql, [name]).fetchall()}


def test_petri_net_of_a_known_structure(ws: duckdb.DuckDBPyConnection) -> None:
    model = discover_petri_net(ws, "parallel")
    assert model.activities == ("A", "B", "C", "D")
    assert model.process_tree in SEQUENCE_A_PARALLEL_BC_D
    assert (model.algorithm, model.budget_hit) == ("IM", False)
    assert model.transitions - model.silent_transitions == 4
    assert model.pnml.startswith("<?xml") and "<pnml>" in model.pnml
    assert model.provenance.dataset_name == "parallel"
    assert dict(model.provenance.parameters) == {"noise_threshold": 0.0, "time_budget_s": 60.0}
    fitness = compute_fitness(ws, "parallel", model=model)
    assert (fitness.log_fitness, fitness.fitting_share, fitness.average_trace_fitness) == (1, 1, 1)
    assert (fitness.variants_used, fitness.variants_total, fitness.cases_used) == (2, 2, 4)
    assert (fitness.sampled, fitness.budget_hit, fitness.model_algorithm) == (False, False, "given")
    record = json.loads(json.dumps(fitness.to_dict()))["provenance"]
    assert record["parameters"]["model"]["parameters"]["noise_threshold"] == 0.0
    assert json.loads(json.dumps(model.to_dict()))["activities"] == ["A", "B", "C", "D"]


def test_deviating_trace_lowers_fitness(ws: duckdb.DuckDBPyConnection) -> None:
    # The model comes from the nine cases with C (noise 0.2); D10 = A B D skips C.
    rest = LogFilter(with_activities=["C"])
    model = discover_petri_net(ws, "deviating", log_filter=rest, noise_threshold=0.2)
    assert model.process_tree in SEQUENCE_A_PARALLEL_BC_D
    assert model.provenance.log_filter == rest
    # Net: source -A-> p1, p2; p1 -B-> p3; p2 -C-> p4; p3, p4 -D-> sink (6 places, 10 arcs).
    assert (model.places, model.transitions, model.silent_transitions, model.arcs) == (6, 4, 0, 10)

    # Token replay, with the initial token produced and the final one consumed:
    #   A B C D: produced 1+2+1+1+1 = 6, consumed 1+1+1+2+1 = 6, missing 0, remaining 0
    #   A B D:   produced 1+2+1+1 = 5,   consumed 1+1+2+1 = 5,   missing 1 (p4), remaining 1 (p2)
    #   log: 0.5 (1 - 1/59) + 0.5 (1 - 1/59) = 58/59; D10's trace fitness 0.5 (4/5) + 0.5 (4/5) = 0.8
    token = compute_fitness(ws, "deviating", model=model, method="token")
    assert token.log_fitness == pytest.approx(58 / 59)
    assert token.average_trace_fitness == pytest.approx((9 * 1 + 0.8) / 10)
    # Alignments, pm4py's costs (10,000 a log or model move, 0 a synchronous one):
    #   A B C D: cost 0, worst 4 log moves + 4 model moves = 80,000
    #   A B D:   cost 10,000 (model move on C), worst 3 + 4 moves = 70,000, fitness 1 - 1/7
    #   log: 1 - 10,000 / (9 x 80,000 + 70,000) = 78/79
    aligned = compute_fitness(ws, "deviating", model=model, method="alignments")
    assert aligned.log_fitness == pytest.approx(78 / 79)
    assert aligned.average_trace_fitness == pytest.approx((9 * 1 + 6 / 7) / 10)
    for fitness in (token, aligned):
        assert fitness.fitting_share == pytest.approx(9 / 10)  # all but D10
        assert (fitness.variants_used, fitness.cases_used, fitness.budget_hit) == (3, 10, False)
    on_rest = compute_fitness(ws, "deviating", log_filter=rest, noise_threshold=0.2)
    assert (on_rest.log_fitness, on_rest.model_algorithm, on_rest.cases_total) == (1, "IMf", 9)


def test_fitness_equals_pm4py_on_the_whole_frame(
    ws: duckdb.DuckDBPyConnection, receipt_nets: dict[float, PetriNetModel]
) -> None:
    pm4py = import_pm4py()
    from pm4py.objects.petri_net.importer.variants.pnml import import_net_from_string

    deviating = discover_petri_net(ws, "deviating")
    for name, method, model in (
        ("receipt", "token", receipt_nets[0.2]),
        ("deviating", "alignments", deviating),
    ):
        net, initial, final = import_net_from_string(model.pnml)
        check = pm4py.fitness_token_based_replay if method == "token" else pm4py.fitness_alignments
        expected = check(frame(ws, name), net, initial, final)
        ours = compute_fitness(ws, name, model=model, method=method)  # type: ignore[arg-type]
        assert ours.log_fitness == pytest.approx(expected["log_fitness"], rel=1e-12)
        assert ours.fitting_share == pytest.approx(expected["percentage_of_fitting_traces"] / 100)
        assert ours.average_trace_fitness == pytest.approx(expected["average_trace_fitness"])


def test_inductive_miner_on_variants_equals_pm4py_on_the_frame(
    ws: duckdb.DuckDBPyConnection,
) -> None:
    pm4py = import_pm4py()
    events = frame(ws, "receipt")
    for noise in (0.0, 0.2):
        expected = pm4py.discover_process_tree_inductive(events, noise_threshold=noise)
        assert discover_petri_net(ws, "receipt", noise_threshold=noise).process_tree == str(
            expected
        )


def test_bpmn_export_reads_back_with_the_log_activities(
    ws: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    pm4py = import_pm4py()
    from pm4py.objects.bpmn.obj import BPMN

    expected = activities(ws, "receipt")
    assert len(expected) == 27
    for noise, path in ((0.0, tmp_path / "receipt.bpmn"), (0.2, tmp_path / "receipt-0.2.xml")):
        export = export_bpmn(ws, "receipt", path, noise_threshold=noise)
        assert export.path == path and path.is_file()
        assert json.loads(json.dumps(export.to_dict()))["path"] == str(path)
        model = pm4py.read_bpmn(str(path))
        nodes = model.get_nodes()
        tasks = {n.get_name() for n in nodes if isinstance(n, BPMN.Task)}
        assert tasks == set(export.activities)
        assert export.tasks == len(tasks)
        assert export.gateways == sum(isinstance(n, BPMN.Gateway) for n in nodes)
        assert export.flows == len(model.get_flows())
        if noise == 0:
            assert tasks == expected
        else:
            assert tasks <= expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["receipt-0.2.xml", "receipt.bpmn"]


def test_heuristics_net_dependencies_by_hand(ws: duckdb.DuckDBPyConnection) -> None:
    net = discover_heuristics_net(ws, "heur")
    edges = {(e.source, e.target): (e.dependency, e.frequency) for e in net.edges}
    assert edges == {
        ("a", "b"): ((4 - 0) / (4 + 0 + 1), 4),  # 0.8
        ("a", "c"): ((1 - 0) / (1 + 0 + 1), 1),  # 0.5, kept: the threshold is inclusive
        ("b", "c"): ((4 - 1) / (4 + 1 + 1), 4),  # 0.5
        ("b", "b"): (1 / (1 + 1), 1),  # self-loop |b>b| / (|b>b| + 1) = 0.5
    }  # c -> b: (1 - 4) / 6 = -0.5, dropped
    assert [(n.activity, n.frequency, n.is_start, n.is_end) for n in net.nodes] == [
        ("a", 5, True, False),
        ("b", 6, False, True),  # H4 ends with b
        ("c", 5, False, True),
    ]
    strict = discover_heuristics_net(ws, "heur", dependency_threshold=0.6)
    assert [(e.source, e.target) for e in strict.edges] == [("a", "b")]
    assert strict.provenance.parameters["dependency_threshold"] == 0.6
    assert json.loads(json.dumps(strict.to_dict()))["edges"] == [
        {"source": "a", "target": "b", "dependency": 0.8, "frequency": 4}
    ]


def test_heuristics_net_equals_pm4py_on_the_frame(ws: duckdb.DuckDBPyConnection) -> None:
    pm4py = import_pm4py()
    expected = pm4py.discover_heuristics_net(frame(ws, "receipt"))
    ours = discover_heuristics_net(ws, "receipt")
    assert {(e.source, e.target): (e.dependency, e.frequency) for e in ours.edges} == {
        (name, other.node_name): (edge.dependency_value, edge.dfg_value)
        for name, node in expected.nodes.items()
        for other, kept in node.output_connections.items()
        for edge in kept
    }
    assert {n.activity: n.frequency for n in ours.nodes} == {
        name: node.node_occ for name, node in expected.nodes.items()
    }


def test_tiny_budget_is_refused_up_front(ws: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    calls = [
        lambda: discover_petri_net(ws, "parallel", time_budget_s=0.001),
        lambda: export_bpmn(ws, "parallel", tmp_path / "p.bpmn", time_budget_s=0.001),
        lambda: discover_heuristics_net(ws, "parallel", time_budget_s=0.001),
        lambda: compute_fitness(ws, "parallel", time_budget_s=0.001),
    ]
    for call in calls:
        with pytest.raises(BudgetExceededError, match=r"over the time budget of 0\.001 s"):
            call()
    assert list(tmp_path.iterdir()) == []


def test_inductive_miner_stopped_at_the_budget_falls_back_to_imd(
    ws: duckdb.DuckDBPyConnection,
) -> None:
    # No up-front refusal (zero rates); IM on receipt takes >= 0.3 s here, the budget 0.1 s.
    eager = Calibration(worker_start_s=0, im_s_per_unit=0)
    model = discover_petri_net(ws, "receipt", time_budget_s=0.1, calibration=eager)
    assert (model.algorithm, model.budget_hit) == ("IMd", True)
    assert set(model.activities) == activities(ws, "receipt")
    assert multiprocessing.active_children() == []


def test_alignments_stopped_at_the_budget_keep_the_variants_done(
    ws: duckdb.DuckDBPyConnection, receipt_nets: dict[float, PetriNetModel]
) -> None:
    # Aligning receipt's 116 variants with its IMf 0.2 net takes about 60-110 s here.
    model = receipt_nets[0.2]
    started = time.perf_counter()
    fitness = compute_fitness(ws, "receipt", model=model, method="alignments", time_budget_s=3)
    assert time.perf_counter() - started < 3 + 1.5
    assert fitness.budget_hit
    assert 0 < fitness.variants_used < fitness.variants_total == 116
    assert fitness.cases_used < fitness.cases_total == 1434
    assert multiprocessing.active_children() == []


def test_sampling_keeps_the_frequent_half_and_weights_the_rest(
    ws: duckdb.DuckDBPyConnection,
) -> None:
    found, counts = discover_variant_counts(ws, "receipt")
    chosen, sampled = sample_variants(found, 20, seed=7)
    assert sampled and len(chosen) == 20
    top = list(counts.items())[:10]
    assert [(v, n) for v, n, _ in chosen[:10]] == top
    assert all(w == n for _, n, w in chosen[:10])
    assert all(w == pytest.approx(n * (116 - 10) / 10) for _, n, w in chosen[10:])
    assert sample_variants(found, 20, seed=7) == (chosen, True)  # seeded: reproducible
    fitness = compute_fitness(ws, "receipt", max_variants=20, seed=7)
    assert (fitness.sampled, fitness.variants_used, fitness.variants_total) == (True, 20, 116)
    assert fitness.provenance.parameters["seed"] == 7


def test_budgeted_runner_kills_a_slow_worker_and_relays_errors() -> None:
    def slow(emit: Any, deadline: float) -> None:
        emit(1)
        emit(2)
        time.sleep(30)

    started = time.perf_counter()
    run = run_budgeted(slow, 0.5)
    assert (run.items, run.finished) == ([1, 2], False)
    assert time.perf_counter() - started < 5
    assert multiprocessing.active_children() == []

    def broken(emit: Any, deadline: float) -> None:
        raise ValueError("no such transition")

    with pytest.raises(ModelError, match="ValueError: no such transition"):
        run_budgeted(broken, 5)


def test_docstring_examples_run() -> None:
    for module in (mining.models, mining.conformance):
        assert doctest.testmod(module).failed == 0


def test_adapters_import_pm4py_lazily_and_print_nothing(
    ws: duckdb.DuckDBPyConnection, capfd: pytest.CaptureFixture[str]
) -> None:
    # A fresh process, as the CLI: importing the adapters leaves pm4py out; running them
    # (pm4py imported on first use) writes nothing to stdout or stderr.
    log = REPO / "sample_logs" / "running-example.xes.gz"
    code = f"""import sys
import mining.models as m, mining.conformance as c
imported = "pm4py" in sys.modules
import mining.conformance
import mining.models
import mining.conformance
import mining.models
from eventlogs.engine import connect
from eventlogs.load import load_log
con = connect(":memory:")
load_log(con, {str(log)!r})
m.discover_petri_net(con, "running-example")
m.discover_heuristics_net(con, 1)
c.compute_fitness(con, 1, method="alignments", noise_threshold=0.3)
sys.exit(3 if imported else 0)  # 3: importing the adapters imported pm4py
"""
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert (out.returncode, out.stdout, out.stderr) == (0, "", "")
    capfd.readouterr()
    discover_petri_net(ws, "parallel", noise_threshold=0.2)
    compute_fitness(ws, "parallel", method="alignments")
    assert capfd.readouterr() == ("", "")
