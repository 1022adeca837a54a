"""Datasets: upload a log, check its column mapping, load it; quality, quarantine, delete.

Upload and load run as background jobs (the load with progress and Cancel; a
cancelled load leaves the workspace unchanged). Refused files show their error
in the global alert and change nothing.

Imports: dash, dash-bootstrap-components, eventlogs, app.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import dash_bootstrap_components as dbc
from dash import ALL, Input, Output, State, callback, clientside_callback, ctx, dcc, html, no_update
from dash.exceptions import PreventUpdate

from app import ids
from app.alerts import job
from app.components.datasets import (
    dataset_table,
    load_controls,
    load_notice,
    load_options,
    preview_form,
    quality_card,
    upload_box,
)
from app.urlstate import build_search, parse_search
from app.workspace import (
    current_settings,
    discard_upload,
    open_workspace,
    save_upload,
    scratch_connection,
    upload_path,
)
from eventlogs.mapping import ROLES

PATH = "/"
NAME = "Datasets"
ORDER = 0


def layout(**_query: str) -> html.Div:
    """Upload and mapping first, then the datasets and the quality report of the one chosen."""
    limit = current_settings().upload_limit_mb
    add = dbc.Card(
        dbc.CardBody(
            [
                html.H2("Add an event log", className="h5"),
                upload_box(limit),
                html.Div(id=ids.UPLOAD_STATUS, role="status", className="small mt-2"),
                html.Div(id=ids.PREVIEW),
                load_controls(),
                dcc.Store(id=ids.UPLOAD_STORE),
            ]
        )
    )
    loaded = dbc.Card(
        dbc.CardBody([html.H2("Loaded datasets", className="h5"), html.Div(id=ids.DATASET_TABLE)])
    )
    return html.Div(
        [
            html.H1("Datasets", className="h3 mb-3"),
            add,
            html.Div(loaded, className="mt-3"),
            html.Div(id=ids.QUALITY),
            dcc.Download(id=ids.QUARANTINE_DOWNLOAD),
        ]
    )


# dcc.Upload renders its file input without a label: give it an accessible name.
clientside_callback(
    """function(id) {
        const label = (tries) => {
            const input = document.querySelector('#' + id + ' input[type=file]');
            if (input) { input.setAttribute('aria-label', 'Event log file to upload'); }
            else if (tries > 0) { setTimeout(() => label(tries - 1), 100); }
        };
        label(50);
        return window.dash_clientside.no_update;
    }""",
    Output(ids.UPLOAD, "className"),
    Input(ids.UPLOAD, "id"),
)


@callback(
    Output(ids.PREVIEW, "children", allow_duplicate=True),
    Output(ids.UPLOAD_STORE, "data", allow_duplicate=True),
    Output(ids.LOAD_BUTTON, "disabled", allow_duplicate=True),
    Input(ids.UPLOAD, "contents"),
    prevent_initial_call=True,
)
def forget_previous_upload(_contents: str | None) -> tuple[None, None, bool]:
    """A new file replaces the previous preview at once (and Load waits for the new one)."""
    return None, None, True


@callback(
    Output(ids.PREVIEW, "children"),
    Output(ids.UPLOAD_STORE, "data"),
    Output(ids.LOAD_BUTTON, "disabled"),
    Input(ids.UPLOAD, "contents"),
    State(ids.UPLOAD, "filename"),
    background=True,
    running=[(Output(ids.UPLOAD_STATUS, "children"), "Reading the file…", "")],
    interval=300,
    prevent_initial_call=True,
)
@job
def preview_upload(contents: str | None, filename: str | None) -> tuple[Any, dict[str, str], bool]:
    """Save the dropped file and show its detected mapping, editable, before loading."""
    if not contents or not filename:
        raise PreventUpdate
    settings = current_settings()
    token = save_upload(settings, filename, contents)
    try:
        preview = scratch_preview(upload_path(settings, token))
    except Exception:
        discard_upload(settings, token)
        raise
    from eventlogs.load import default_name

    return (
        preview_form(preview, default_name(Path(filename))),
        {"token": token, "file": filename},
        False,
    )


def scratch_preview(path: Path) -> Any:
    """``preview_log`` in a throw-away database: the workspace is not touched."""
    from eventlogs.preview import preview_log

    return preview_log(scratch_connection(), path)


@callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Output(ids.NOTICE_ALERT, "children"),
    Output(ids.NOTICE_ALERT, "is_open"),
    Input(ids.LOAD_BUTTON, "n_clicks"),
    State(ids.UPLOAD_STORE, "data"),
    State(ids.DATASET_NAME, "value"),
    State(ids.DAYFIRST, "value"),
    *[State(ids.mapping_id(role), "value") for role in ROLES],
    background=True,
    progress=[Output(ids.LOAD_PROGRESS, "value"), Output(ids.LOAD_STAGE, "children")],
    running=[
        (Output(ids.LOAD_BUTTON, "disabled"), True, False),
        (Output(ids.CANCEL_LOAD, "disabled"), False, True),
    ],
    cancel=[Input(ids.CANCEL_LOAD, "n_clicks")],
    interval=300,
    prevent_initial_call=True,
)
@job
def load_dataset(
    set_progress: Any, clicks: int | None, upload: dict | None, name: str, dates: str, *columns: str
) -> tuple[str, str, bool]:
    """Load the previewed file with the chosen mapping, showing progress; then open it."""
    if not clicks or not upload:
        raise PreventUpdate
    from eventlogs.load import load_log

    settings = current_settings()
    options = load_options(name, dates, columns)

    def report(stage: str, fraction: float) -> None:
        set_progress((str(round(100 * fraction)), f"{stage} ({fraction:.0%})"))

    with open_workspace(settings, write=True) as con:
        result = load_log(
            con, upload_path(settings, upload["token"]), options=options, progress=report
        )
    discard_upload(settings, upload["token"])
    return build_search(result.dataset_id), load_notice(result), True


@callback(
    Output(ids.DATASET_TABLE, "children"),
    Input(ids.URL, "search"),
    Input(ids.DATASETS_CHANGED, "data"),
)
def show_datasets(_search: str | None, _changed: Any) -> Any:
    """The table of datasets, refreshed after a load or a delete."""
    from eventlogs.datasets import list_datasets

    with open_workspace(current_settings()) as con:
        return dataset_table(list_datasets(con))


def _clicked(kind: str) -> int:
    """The dataset id of the pattern-matching button that fired (PreventUpdate if none did)."""
    trigger = ctx.triggered_id
    if not trigger or trigger.get("type") != f"dataset-{kind}" or not ctx.triggered[0]["value"]:
        raise PreventUpdate
    return int(trigger["index"])


@callback(
    Output(ids.QUALITY, "children"),
    Input(ids.dataset_action("quality", ALL), "n_clicks"),  # type: ignore[arg-type]
    prevent_initial_call=True,
)
def show_quality(_clicks: list[int | None]) -> Any:
    """The data-quality report of the dataset whose Quality button was pressed."""
    from eventlogs.quality import compute_quality

    with open_workspace(current_settings()) as con:
        return quality_card(compute_quality(con, _clicked("quality")))


@callback(
    Output(ids.QUARANTINE_DOWNLOAD, "data"),
    Input(ids.dataset_action("quarantine", ALL), "n_clicks"),  # type: ignore[arg-type]
    prevent_initial_call=True,
)
def download_quarantine(_clicks: list[int | None]) -> dict[str, Any]:
    """The quarantined rows of a dataset as CSV (formula-like cells defused)."""
    from eventlogs.datasets import export_quarantine_csv

    dataset_id = _clicked("quarantine")
    with tempfile.TemporaryDirectory() as tmp, open_workspace(current_settings()) as con:
        out = Path(tmp) / f"quarantine-{dataset_id}.csv"
        export_quarantine_csv(con, dataset_id, out)
        return dcc.send_file(str(out))


@callback(
    Output(ids.URL, "search", allow_duplicate=True),
    Output(ids.DATASETS_CHANGED, "data"),
    Output(ids.NOTICE_ALERT, "children", allow_duplicate=True),
    Output(ids.NOTICE_ALERT, "is_open", allow_duplicate=True),
    Input(ids.dataset_action("delete", ALL), "submit_n_clicks"),  # type: ignore[arg-type]
    State(ids.URL, "search"),
    State(ids.DATASETS_CHANGED, "data"),
    prevent_initial_call=True,
)
def delete(_clicks: list[int | None], search: str | None, changed: int | None) -> tuple[Any, ...]:
    """Delete a dataset after confirmation; leave its view if it was the one shown."""
    from eventlogs.datasets import delete_dataset

    dataset_id = _clicked("delete")
    with open_workspace(current_settings(), write=True) as con:
        gone = delete_dataset(con, dataset_id)
    shown, _ = parse_search(search)
    new_search = "" if shown == str(gone.dataset_id) else no_update
    return new_search, (changed or 0) + 1, f"Deleted dataset {gone.name!r}.", True
