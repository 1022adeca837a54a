"""The Opportunities, Business case and Roadmap pages' callbacks as plain functions.

One generated log (tests/loggen.py, 400 cases) is loaded once for the module;
each test makes the app current on it. The expected values come from the
library's public verbs on the same workspace: the pages must show exactly what
``compute_opportunities``, ``build_report`` and ``build_portfolio`` give.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest

from app import ids
from app.settings import Settings
from eventlogs.engine import connect
from eventlogs.errors import ConfigurationError
from eventlogs.load import load_log
from opportunity.assumptions import parse_assumptions
from opportunity.report import Report, build_report, rebuild_report
from tests.loggen import generate_log
from tests.test_app_callbacks import in_callback, text

SEARCH = "?dataset=1"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A workspace holding the generated log as dataset 1, with a result cache kept across tests."""
    folder = tmp_path_factory.mktemp("opportunity-pages")
    truth = generate_log(folder / "gen.csv", cases=400, seed=0)
    with connect(folder / "ws.duckdb") as con:
        load_log(con, folder / "gen.csv", options=truth.load_options)
    return Settings(
        workspace=str(folder / "ws.duckdb"), cache_dir=str(folder / "cache"), lock_wait_s=5
    )


@pytest.fixture(scope="module")
def default_report(settings: Settings) -> Report:
    with connect(settings.workspace, read_only=True) as con:
        return build_report(con, "1")


@pytest.fixture(scope="module")
def settings(workspace: Settings) -> Iterator[Settings]:
    """The app made current on the module's workspace, once (creating it opens the file to write,
    which changes the workspace version and so empties the result cache)."""
    from app.server import create_app

    create_app(workspace)
    yield workspace


def field_trigger(name: str) -> list[dict]:
    return [{"prop_id": '{"index":"' + name + '","type":"assumption"}.value', "value": 1}]


def form(names: list[str], changes: dict[str, Any]) -> list[Any]:
    """The form's values with some changed (the others at their defaults)."""
    from app.components.business_case import form_values
    from opportunity.assumptions import Assumptions

    values = form_values(Assumptions(), names)
    return [changes.get(n, v) for n, v in zip(names, values, strict=True)]


# --- opportunities --------------------------------------------------------------------------


def test_the_grid_ranks_as_compute_opportunities_and_explains_the_top_step(
    settings: Settings,
) -> None:
    from app.pages.opportunities import draw_opportunities
    from opportunity.evidence import compute_opportunities

    with connect(settings.workspace, read_only=True) as con:
        expected, _ = compute_opportunities(con, "1")
    progress: list[tuple[str, str]] = []
    grid, quadrant, summary, detail = draw_opportunities(progress.append, SEARCH, None)
    rows = grid.children[1].children[1].children  # the table's body
    first = rows[0].children
    top = expected.steps[0]
    assert first[1].children.children == top.activity
    assert first[1].children.id == ids.opportunity_row(0)
    assert first[2].children.children == top.automation_class
    assert [r.children[1].children.children for r in rows] == [s.activity for s in expected.steps]
    # every step is one point of the quadrant, in the trace of its class
    points = {(t.name, a) for t in quadrant.data for a, _hours in t.customdata}
    assert points == {(s.automation_class, s.activity) for s in expected.steps}
    assert summary.startswith(f"{len(expected.steps)} steps: ")
    # the top step is explained at once: every criterion with its evidence
    shown = text(detail)
    assert f"Step: {top.activity}" in shown
    for c in top.explanation:
        assert f"{c.score}.{c.criterion}" in shown and c.evidence in shown
    assert progress[-1][0] == "100"


def test_clicking_a_row_shows_its_criteria_and_sensitivity(
    settings: Settings, default_report: Report
) -> None:
    from app.pages.opportunities import show_step
    from opportunity.sensitivity import compute_sensitivity

    steps = default_report.opportunities.steps
    detail, _ = in_callback(
        show_step,
        [0, 1],
        None,
        SEARCH,
        None,
        triggered=[{"prop_id": '{"index":1,"type":"opportunity-row"}.n_clicks', "value": 1}],
    )
    shown = text(detail)
    second = steps[1]
    assert f"Step: {second.activity}" in shown
    assert len(detail.children.children[4].children[1].children) == len(second.explanation)
    changes = compute_sensitivity(default_report.opportunities).changed(second.activity)
    if changes:
        assert all(f"{c.from_class} → {c.to_class}" in shown for c in changes)
    else:
        assert f"Robust: the class stays {second.automation_class}" in shown
    point = {"points": [{"customdata": [steps[-1].activity, 1]}]}
    detail, _ = in_callback(
        show_step,
        [0],
        point,
        SEARCH,
        None,
        triggered=[{"prop_id": f"{ids.OPP_QUADRANT}.clickData", "value": point}],
    )
    assert f"Step: {steps[-1].activity}" in text(detail)


def test_without_a_dataset_the_pages_say_what_to_do(settings: Settings) -> None:
    from app.pages.business_case import draw_business_case
    from app.pages.opportunities import draw_opportunities
    from app.pages.roadmap import draw_roadmap

    assert "Choose a dataset" in draw_opportunities(print, "", None)[2]
    assert "Choose a dataset" in text(draw_business_case(print, "", None)[0])
    assert "Choose a dataset" in text(draw_roadmap(print, "", None)[1])


# --- business case --------------------------------------------------------------------------


def test_changing_the_discount_rate_changes_the_npv_as_build_portfolio_does(
    settings: Settings, default_report: Report
) -> None:
    from app.components.business_case import FIELDS, gbp
    from app.pages.business_case import draw_business_case, sync_assumptions
    from opportunity.portfolio import build_portfolio

    names = list(FIELDS)
    fields = [ids.assumption_field(n) for n in names]
    (stored, _), _ = in_callback(
        sync_assumptions,
        None,
        form(names, {"discount_rate": 0.1}),
        None,
        fields,
        triggered=field_trigger("discount_rate"),
    )
    assert stored == {"discount_rate": 0.1}
    before = text(draw_business_case(print, SEARCH, None)[0])
    after, cashflow, backlog, whatif = draw_business_case(print, SEARCH, stored)
    changed = parse_assumptions({"discount_rate": 0.1})
    with connect(settings.workspace, read_only=True) as con:
        full = build_report(con, "1", assumptions=changed)
    npv = build_portfolio(full.portfolio.inputs, changed).npv_gbp
    assert npv == full.portfolio.npv_gbp != default_report.portfolio.npv_gbp
    assert f"{gbp(default_report.portfolio.npv_gbp)}" in before
    shown = text(after)
    assert gbp(npv) in shown and gbp(default_report.portfolio.npv_gbp) not in shown
    ranges = full.simulation.npv_gbp
    assert f"P10–P90: {gbp(ranges.p10)} to {gbp(ranges.p90)}" in shown
    cumulative = next(t for t in cashflow.data if t.name == "cumulative")
    assert list(cumulative.y) == [y.cumulative_gbp for y in full.portfolio.years]
    # the what-if: baseline and automated open cases, as build_report projects them
    assert full.whatif is not None
    lines = {t.name: list(t.y) for t in backlog.data}
    assert lines["without automation"] == list(full.whatif.baseline.open_cases)
    assert lines["with automation"] == list(full.whatif.automated.open_cases)
    assert text(whatif) == full.whatif.summary()


def test_the_form_refills_from_the_store_resets_and_refuses_bad_values(
    settings: Settings,
) -> None:
    from app.components.business_case import FIELDS
    from app.pages.business_case import sync_assumptions

    names = list(FIELDS)
    fields = [ids.assumption_field(n) for n in names]
    stored = {"horizon_years": 8, "automation_rate": {"RPA": [0.6, 0.95, 0.95]}}
    (_, values), _ = in_callback(
        sync_assumptions,
        stored,
        [None] * len(names),
        None,
        fields,
        triggered=[{"prop_id": f"{ids.ASSUMPTIONS_STORE}.data", "value": stored}],
    )
    assert values[names.index("horizon_years")] == 8
    assert values[names.index("automation_rate.RPA")] == 0.95
    assert values[names.index("discount_rate")] == 0.035  # the default
    (cleared, defaults), _ = in_callback(
        sync_assumptions,
        stored,
        values,
        1,
        fields,
        triggered=[{"prop_id": f"{ids.BC_RESET}.n_clicks", "value": 1}],
    )
    assert cleared == {} and defaults[names.index("horizon_years")] == 5
    with pytest.raises(ConfigurationError, match="hours_per_fte_year must be positive"):
        in_callback(
            sync_assumptions,
            None,
            form(names, {"hours_per_fte_year": 0}),
            None,
            fields,
            triggered=field_trigger("hours_per_fte_year"),
        )


def test_rebuild_report_equals_build_report_under_the_new_assumptions(
    settings: Settings, default_report: Report
) -> None:
    changed = parse_assumptions(
        {"automation_rate": {"RPA": [0.3, 0.4, 0.5]}, "horizon_years": 7, "optimism_bias": 0.5}
    )
    with connect(settings.workspace, read_only=True) as con:
        full = build_report(con, "1", assumptions=changed, runs=500)
    rebuilt = rebuild_report(default_report, changed, runs=500)
    assert rebuilt.figures() == full.figures() != default_report.figures()
    assert rebuilt.whatif == full.whatif
    assert [s.to_dict() for s in rebuilt.opportunities.steps] == [
        s.to_dict() for s in full.opportunities.steps
    ]
    assert rebuilt.portfolio.roadmap == full.portfolio.roadmap


# --- roadmap and downloads ------------------------------------------------------------------


def test_roadmap_and_downloads_follow_the_assumptions(
    settings: Settings, default_report: Report
) -> None:
    from app.pages.roadmap import download, draw_roadmap

    stored = {"build_cost_gbp": {"high": 1000.0}}
    figure, waves = draw_roadmap(print, SEARCH, stored)
    with connect(settings.workspace, read_only=True) as con:
        full = build_report(con, "1", assumptions=parse_assumptions(stored))
    items = full.portfolio.roadmap.items
    assert sorted(y for t in figure.data for y in t.y) == sorted(
        f"{i.activity} ({i.process})" for i in items
    )
    assert len(waves.children[1].children) == len(items) > 0
    xlsx, _ = in_callback(
        download,
        1,
        None,
        SEARCH,
        stored,
        triggered=[{"prop_id": f"{ids.RM_XLSX}.n_clicks", "value": 1}],
    )
    assert xlsx["filename"] == "roadmap-1.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(xlsx["content"])))
    assert "Summary" in book.sheetnames
    pdf, _ = in_callback(
        download,
        None,
        1,
        SEARCH,
        stored,
        triggered=[{"prop_id": f"{ids.RM_PDF}.n_clicks", "value": 1}],
    )
    assert pdf["filename"] == "roi-summary-1.pdf"
    assert base64.b64decode(pdf["content"]).startswith(b"%PDF")


def test_the_report_is_cached_with_its_read_only_mappings(settings: Settings) -> None:
    from app.reports import cached_report
    from mining.filters import LogFilter

    first = cached_report(settings, "1", LogFilter())
    again = cached_report(settings, "1", LogFilter())  # from the disk cache: unpickled
    assert again.figures() == first.figures()
    assert dict(again.opportunities.provenance) == dict(first.opportunities.provenance)
