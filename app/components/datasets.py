"""Builders for the Datasets page: upload box, mapping preview form, dataset table, quality report.

Imports: dash, dash-bootstrap-components, eventlogs (result types), app.ids, app.components.common.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html

from app import ids
from app.components.common import aria, fmt, key_values, share, table
from eventlogs.datasets import Dataset
from eventlogs.load import LoadOptions, LoadResult
from eventlogs.mapping import REQUIRED, ROLES
from eventlogs.preview import LogPreview
from eventlogs.quality import QualityReport

ROLE_LABELS = {
    "case": "Case id",
    "activity": "Activity",
    "timestamp": "Timestamp (completion)",
    "start_timestamp": "Start timestamp",
    "resource": "Resource",
    "lifecycle": "Lifecycle transition",
}
NONE = "(none)"  # the select value of "no column" (an empty value would show a blank select)


def upload_box(limit_mb: int) -> dcc.Upload:
    """The drag-and-drop area (the browser refuses files above the limit before sending)."""
    return dcc.Upload(
        id=ids.UPLOAD,
        children=html.Div(
            [
                html.Strong("Drag and drop an event log here"),
                " or ",
                html.Span("choose a file", className="link-primary text-decoration-underline"),
                html.Div(
                    f"CSV/TSV, XES, XLSX or Parquet (optionally .gz), up to {limit_mb} MB",
                    className="small text-body-secondary mt-1",
                ),
            ]
        ),
        max_size=limit_mb * 1024 * 1024,
        multiple=False,
        className="border border-2 border-secondary-subtle rounded-3 p-4 text-center bg-body-tertiary",
        className_active="border-primary",
        className_reject="border-danger",
    )


def _role_select(role: str, columns: Sequence[str], chosen: str | None) -> dbc.Col:
    required = role in REQUIRED
    options = ([] if required else [{"label": "(none)", "value": NONE}]) + [
        {"label": c, "value": c} for c in columns
    ]
    if required and not chosen:
        options = [{"label": "Choose a column…", "value": NONE}, *options]  # refused at load
    label = ROLE_LABELS[role] + (" *" if required else "")
    return dbc.Col(
        [
            dbc.Label(label, html_for=ids.mapping_id(role), className="small mb-0"),
            dbc.Select(id=ids.mapping_id(role), options=options, value=chosen or NONE),
        ],
        md=4,
    )


def preview_form(preview: LogPreview, default_name: str) -> html.Div:
    """The detected mapping, editable, a sample of the rows and the Load button."""
    hint = " Choose the missing column(s) below, or check the file."
    problem = (
        [dbc.Alert(preview.problem + hint, color="warning", className="py-2", id="preview-problem")]
        if preview.problem
        else []
    )
    roles = dbc.Row(
        [_role_select(r, preview.columns, preview.mapping.get(r)) for r in ROLES], className="g-2"
    )
    sample = table(list(preview.columns), preview.sample, className="small mb-0")
    options = _name_and_dates(default_name)
    summary = (
        f"{preview.file}: {preview.source_format.upper()}, {preview.rows:,} rows, "
        f"{len(preview.columns)} columns"
        + (f"; timestamps {preview.timestamp_format}" if preview.timestamp_format else "")
    )
    return html.Div(
        [
            html.H3("Check the column mapping", className="h6 mt-3"),
            html.P(summary, className="small text-body-secondary mb-2"),
            *problem,
            roles,
            options,
            html.Div(sample, className="mt-2", style={"maxHeight": "16rem", "overflow": "auto"}),
        ]
    )


def _name_and_dates(default_name: str) -> dbc.Row:
    dates = dbc.Select(
        id=ids.DAYFIRST,
        value="auto",
        options=[
            {"label": "detect", "value": "auto"},
            {"label": "day first (3 April)", "value": "day"},
            {"label": "month first (4 March)", "value": "month"},
        ],
    )
    label = {"className": "small mb-0"}
    return dbc.Row(
        [
            dbc.Col(
                [
                    dbc.Label("Dataset name", html_for=ids.DATASET_NAME, **label),
                    dbc.Input(id=ids.DATASET_NAME, value=default_name, maxLength=120),
                ],
                md=6,
            ),
            dbc.Col(
                [dbc.Label("Dates like 03/04/2021", html_for=ids.DAYFIRST, **label), dates], md=6
            ),
        ],
        className="g-2 mt-1",
    )


def load_controls() -> html.Div:
    """Load (enabled once a file is previewed) and Cancel buttons, and the progress of a load."""
    return html.Div(
        [
            dbc.Button(
                "Load dataset", id=ids.LOAD_BUTTON, color="primary", className="me-2", disabled=True
            ),
            dbc.Button(
                "Cancel", id=ids.CANCEL_LOAD, color="secondary", outline=True, disabled=True
            ),
            html.Div(
                [
                    html.Progress(
                        id=ids.LOAD_PROGRESS,
                        value="0",
                        max="100",
                        className="w-100",
                        **aria("Load progress"),
                    ),
                    html.Div(
                        id=ids.LOAD_STAGE, className="small text-body-secondary", role="status"
                    ),
                ],
                className="mt-2",
            ),
        ],
        className="mt-3",
    )


def load_notice(result: LoadResult) -> str:
    """One sentence about a finished load."""
    counts = result.counts
    quarantined = f", {counts.quarantined:,} rows quarantined" if counts.quarantined else ""
    return (
        f"Loaded {result.name!r}: {counts.cases:,} cases, {counts.events:,} events, "
        f"{counts.activities:,} activities{quarantined} ({result.seconds:.1f} s)."
    )


def data_attribute(name: str, value: object) -> dict[str, Any]:
    """A ``data-*`` attribute for an html component (tests find rows by it)."""
    return {f"data-{name}": str(value)}


def _actions(d: Dataset) -> html.Td:
    delete = dcc.ConfirmDialogProvider(
        dbc.Button("Delete", color="danger", outline=True, size="sm"),
        id=ids.dataset_action("delete", d.dataset_id),
        message=f"Delete dataset {d.name!r} and everything computed from it?",
    )
    return html.Td(
        [
            dbc.Button(
                "Quality",
                id=ids.dataset_action("quality", d.dataset_id),
                size="sm",
                color="primary",
                outline=True,
                className="me-1",
            ),
            dbc.Button(
                "Quarantine CSV",
                id=ids.dataset_action("quarantine", d.dataset_id),
                size="sm",
                color="secondary",
                outline=True,
                className="me-1",
                disabled=d.quarantined == 0,
            ),
            delete,
        ],
        className="text-nowrap",
    )


def dataset_table(datasets: Sequence[Dataset]) -> html.Div | dbc.Table:
    """Every dataset with its counts and its actions."""
    if not datasets:
        return html.P(
            "No dataset yet: drop a log file on the left.", className="text-body-secondary"
        )
    header = ["Id", "Name", "Format", "Cases", "Events", "Activities", "Quarantined", ""]
    rows = [
        html.Tr(
            [
                html.Td(fmt(v))
                for v in (
                    d.dataset_id,
                    d.name,
                    d.source_format,
                    d.cases,
                    d.events,
                    d.activities,
                    d.quarantined,
                )
            ]
            + [_actions(d)],
            **data_attribute("dataset", d.dataset_id),
        )
        for d in datasets
    ]
    head = html.Thead(html.Tr([html.Th(h, scope="col") for h in header]))
    return dbc.Table(
        [head, html.Tbody(rows)], size="sm", hover=True, responsive=True, id="dataset-rows"
    )


def quality_card(report: QualityReport) -> dbc.Card:
    """The data-quality report of one dataset."""
    facts = [
        ("Events", report.events),
        ("Cases", report.cases),
        ("Activities", report.activities),
        ("Resources", report.resources),
        ("Variants", report.variants),
        ("First event (UTC)", report.first_ts),
        ("Last event (UTC)", report.last_ts),
        ("Events sharing a timestamp in their case", share(report.tied_timestamp_share)),
        ("Events in the future", report.future_events),
        ("Events before 1990", report.events_before_1990),
        ("Cases with one event", report.single_event_cases),
        ("Duplicate events", report.duplicates),
        ("Quarantined rows", report.quarantined),
        ("Start timestamps", report.has_start_timestamps),
    ]
    per_case = [(k, v) for k, v in report.events_per_case.items()]
    missing = [(k, share(v)) for k, v in report.null_share.items()]
    reasons = [(k, v) for k, v in report.quarantine_by_reason.items()]
    return dbc.Card(
        dbc.CardBody(
            [
                html.H2(f"Data quality: {report.name}", className="h5"),
                dbc.Row(
                    [
                        dbc.Col(key_values(facts), md=6),
                        dbc.Col(
                            [
                                key_values(per_case, caption="Events per case"),
                                key_values(missing, caption="Missing values"),
                                key_values(reasons, caption="Quarantine reasons")
                                if reasons
                                else None,
                            ],
                            md=6,
                        ),
                    ]
                ),
            ]
        ),
        className="mt-3",
        id="quality-report",
    )


def load_options(name: str | None, dates: str | None, columns: Sequence[str | None]) -> LoadOptions:
    """LoadOptions from the form: the dataset name, the date order and one column per role (in ROLES order).

    >>> options = load_options("x", "day", ["Case", "Act", "Time", "(none)", None, ""])
    >>> options.dayfirst, options.start_timestamp, options.case
    (True, None, 'Case')
    """
    chosen = {
        role: (None if column in (None, "", NONE) else column)
        for role, column in zip(ROLES, columns, strict=True)
    }
    return LoadOptions(
        name=(name or "").strip() or None,
        dayfirst={"day": True, "month": False}.get(dates or "auto"),
        **chosen,  # type: ignore[arg-type]
    )
