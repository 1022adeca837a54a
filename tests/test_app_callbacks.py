"""The app's callbacks as plain functions, its settings, its error handler and its server routes.

A callback that reads ``dash.ctx`` runs inside a callback context made the way
Dash's own docs show (``context_value`` in a copied ``contextvars`` context).
Every test creates its own app on a fresh workspace holding the running example
(6 cases, 42 events, 8 activities).
"""

from __future__ import annotations

import base64
import io
import tarfile
from collections.abc import Callable
from contextvars import copy_context
from pathlib import Path
from typing import Any

import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

from app import ids
from app.settings import Settings, env_name, load_settings, setting_help
from eventlogs.engine import connect
from eventlogs.errors import ConfigurationError, LogFormatError
from eventlogs.load import LoadOptions, load_log
from tests.conftest import REPO, SAMPLE_LOGS

RUNNING = SAMPLE_LOGS / "running-example.xes.gz"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """An app (the current Dash app) on a workspace holding the running example as dataset 1."""
    from app.server import create_app

    workspace = tmp_path / "ws.duckdb"
    with connect(workspace) as con:
        load_log(con, RUNNING)
    chosen = Settings(workspace=str(workspace), cache_dir=str(tmp_path / "cache"), lock_wait_s=5)
    create_app(chosen)
    return chosen


def in_callback(
    function: Callable[..., Any], *args: Any, triggered: list[dict] | None = None
) -> tuple[Any, dict]:
    """Run ``function(*args)`` as Dash would; return its result and the props it set on the side."""
    props: dict[str, Any] = {}

    def run() -> Any:
        context_value.set(
            AttributeDict(
                triggered_inputs=triggered or [],
                inputs_list=[],
                states_list=[],
                outputs_list=[],
                updated_props=props,
            )
        )
        return function(*args)

    return copy_context().run(run), props


def text(component: Any) -> str:
    """All the text inside a Dash component tree."""
    if isinstance(component, str | int | float):
        return str(component)
    if isinstance(component, list | tuple):
        return " ".join(text(c) for c in component)
    children = getattr(component, "children", None)
    return "" if children is None else text(children)


def trace(figure: Any, name: str) -> Any:
    return next(t for t in figure.data if t.name == name)


# --- process map ----------------------------------------------------------------------------


def test_map_draws_every_activity_and_the_slider_keeps_fewer(settings: Settings) -> None:
    from app.pages.process_map import draw_map

    figure, summary = draw_map("?dataset=1", "frequency", 100, 100)
    # The running example has 8 activities and 16 directly-follows pairs.
    assert len(trace(figure, "activities").x) == 8
    assert summary.startswith("8 of 8 activities · 16 of 16 paths")
    # Events: check ticket 9, decide 9, examine casually 6, register request 6, four others 3 = 42.
    # 5% of 42 = 2.1 events; the most frequent activity alone (9) covers it, ties broken by name.
    figure, summary = draw_map("?dataset=1", "frequency", 5, 100)
    assert [list(c) for c in trace(figure, "activities").customdata] == [
        ["activity", "check ticket"]
    ]
    assert summary.startswith("1 of 8 activities")


def test_map_without_a_dataset_says_what_to_do(settings: Settings) -> None:
    from app.pages.process_map import draw_map

    figure, summary = draw_map("", "frequency", 100, 100)
    assert "Choose a dataset" in summary
    assert "Choose a dataset" in figure.layout.annotations[0].text


def test_the_filter_in_the_url_applies_to_the_map_and_variants(settings: Settings) -> None:
    from app.pages.process_map import draw_map
    from app.pages.variants import draw_variants

    _, summary = draw_map("?dataset=1&top_variants=2", "performance", 100, 100)
    assert summary.endswith("· 2 cases")
    _, listing = draw_variants("?dataset=1&top_variants=2")
    assert "2 variants over 2 cases" in text(listing)


def test_results_are_cached_until_the_workspace_changes(settings: Settings) -> None:
    from app.workspace import memoize

    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert memoize(settings, ("k",), compute) == 1
    assert memoize(settings, ("k",), compute) == 1  # from the disk cache
    with connect(settings.workspace) as con:
        load_log(con, SAMPLE_LOGS / "running-example.csv.gz", options=LoadOptions(name="again"))
    assert memoize(settings, ("k",), compute) == 2  # the workspace changed: computed again


def test_clicking_a_step_or_a_path_shows_its_numbers_and_cases(settings: Settings) -> None:
    from app.pages.process_map import show_detail

    step = text(show_detail({"points": [{"customdata": ["activity", "decide"]}]}, "?dataset=1"))
    assert "Step: decide" in step
    assert "6 cases" in step  # every case decides at least once
    path = text(
        show_detail(
            {"points": [{"customdata": ["path", "decide", "reinitiate request"]}]}, "?dataset=1"
        )
    )
    # decide -> reinitiate request happens 3 times, in cases 3 and 5 (case 5 twice)
    assert "Path: decide → reinitiate request" in path
    assert "2 cases" in path
    with pytest.raises(PreventUpdate):
        show_detail({"points": [{}]}, "?dataset=1")


def test_downloads_svg_and_csv(settings: Settings) -> None:
    from app.pages.process_map import download

    svg, _ = in_callback(
        download,
        1,
        None,
        None,
        "?dataset=1",
        "frequency",
        100,
        100,
        triggered=[{"prop_id": f"{ids.DOWNLOAD_SVG}.n_clicks", "value": 1}],
    )
    assert svg["filename"] == "map-1.svg" and "<svg" in svg["content"]
    csv, _ = in_callback(
        download,
        None,
        1,
        None,
        "?dataset=1",
        "frequency",
        100,
        100,
        triggered=[{"prop_id": f"{ids.DOWNLOAD_CSV}.n_clicks", "value": 1}],
    )
    lines = csv["content"].splitlines()
    assert lines[0].startswith("source,target,frequency")
    assert len(lines) == 1 + 16


# --- variants -------------------------------------------------------------------------------


def test_variants_pareto_and_a_variants_cases(settings: Settings) -> None:
    from app.pages.variants import draw_variants, show_variant

    figure, listing = draw_variants("?dataset=1")
    coverage = trace(figure, "coverage")
    # 6 cases, 6 variants of one case each: k variants cover k/6 of the cases.
    assert list(coverage.x) == [1, 2, 3, 4, 5, 6]
    assert coverage.y[-1] == pytest.approx(100.0)
    assert "6 variants over 6 cases" in text(listing)
    detail, _ = in_callback(
        show_variant,
        [1],
        "?dataset=1",
        triggered=[{"prop_id": '{"index":0,"type":"variant-row"}.n_clicks', "value": 1}],
    )
    assert "Variant #" in text(detail) and "1 case" in text(detail)


# --- datasets -------------------------------------------------------------------------------


def data_url(path: Path) -> str:
    return "data:application/octet-stream;base64," + base64.b64encode(path.read_bytes()).decode()


def test_preview_then_load_with_progress(settings: Settings) -> None:
    from app.pages.datasets import load_dataset, preview_upload
    from eventlogs.mapping import ROLES

    csv = SAMPLE_LOGS / "running-example.csv.gz"
    form, upload, disabled = preview_upload(data_url(csv), csv.name)
    assert disabled is False and upload["file"] == csv.name
    assert "case:concept:name" in text(form) and "time:timestamp" in text(form)
    mapping = ["case:concept:name", "concept:name", "time:timestamp", "", "org:resource", ""]
    assert len(mapping) == len(ROLES)
    progress: list[tuple[str, str]] = []
    search, notice, shown = load_dataset(progress.append, 1, upload, "csv copy", "auto", *mapping)
    assert (search, shown) == ("?dataset=2", True)
    assert notice.startswith("Loaded 'csv copy': 6 cases, 42 events, 8 activities")
    assert progress[-1][0] == "100"


def test_a_refused_upload_is_one_readable_alert_and_changes_nothing(
    settings: Settings, tmp_path: Path
) -> None:
    from app.pages.datasets import preview_upload, show_datasets

    binary = tmp_path / "photo.jpg"
    binary.write_bytes(bytes(range(256)) * 16)
    with pytest.raises(PreventUpdate):
        in_callback(preview_upload, data_url(binary), binary.name)
    result, props = _alert_of(preview_upload, data_url(binary), binary.name)
    assert props[ids.ERROR_ALERT] == {
        "children": "photo.jpg: binary file: not a CSV, TSV, XES, XLSX or Parquet event log",
        "is_open": True,
    }
    assert "Traceback" not in str(props)
    assert "running-example" in text(show_datasets("", 0))
    assert not list(
        (Path(settings.cache_dir or "") / "uploads").glob("*/*")
    )  # the upload is discarded


def _alert_of(function: Callable[..., Any], *args: Any) -> tuple[Any, dict]:
    props: dict[str, Any] = {}

    def run() -> Any:
        context_value.set(AttributeDict(triggered_inputs=[], updated_props=props))
        try:
            return function(*args)
        except PreventUpdate:
            return None

    return copy_context().run(run), props


def test_quality_and_delete(settings: Settings) -> None:
    from app.pages.datasets import delete, show_quality

    card, _ = in_callback(
        show_quality,
        [1],
        triggered=[{"prop_id": '{"index":1,"type":"dataset-quality"}.n_clicks', "value": 1}],
    )
    assert "Data quality: running-example" in text(card)
    result, _ = in_callback(
        delete,
        [1],
        "?dataset=1",
        4,
        triggered=[{"prop_id": '{"index":1,"type":"dataset-delete"}.submit_n_clicks', "value": 1}],
    )
    assert result == ("", 5, "Deleted dataset 'running-example'.", True)
    with connect(settings.workspace, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM datasets").fetchall() == [(0,)]


def test_filter_bar_apply_writes_the_url_and_the_url_fills_the_bar(settings: Settings) -> None:
    from app.shell import sync_filter_bar

    applied, _ = in_callback(
        sync_filter_bar,
        "?dataset=1",
        0,
        "1",
        1,
        None,
        "2010-12-30",
        "2011-01-31",
        ["creator=Fluxicon Nitro"],
        3,
        triggered=[{"prop_id": f"{ids.FILTER_APPLY}.n_clicks", "value": 1}],
    )
    search = applied[0]
    assert applied[2] == "1" and applied[8].startswith(
        "Filter: from=2010-12-30"
    )  # the bar shows it too
    assert (
        search
        == "?dataset=1&from=2010-12-30T00:00:00Z&to=2011-01-31T23:59:59.999999Z&where=creator=Fluxicon+Nitro&top_variants=3"
    )
    filled, _ = in_callback(
        sync_filter_bar,
        search,
        0,
        "1",
        None,
        None,
        None,
        None,
        None,
        None,
        triggered=[{"prop_id": "_pages_location.search", "value": search}],
    )
    _, options, chosen, where_options, where, date_from, date_to, top, summary = filled
    assert (chosen, where, date_from, date_to, top) == (
        "1",
        ["creator=Fluxicon Nitro"],
        "2010-12-30",
        "2011-01-31",
        3,
    )
    assert {"label": "creator = Fluxicon Nitro", "value": "creator=Fluxicon Nitro"} in where_options
    assert [o["value"] for o in options] == ["", "1"]
    switched, _ = in_callback(
        sync_filter_bar,
        search,
        0,
        "",
        None,
        None,
        None,
        None,
        None,
        None,
        triggered=[{"prop_id": f"{ids.FILTER_DATASET}.value", "value": ""}],
    )
    assert switched[0] == "" and switched[4] == []  # no dataset: no filter, no attribute choices


# --- errors, settings, server ---------------------------------------------------------------


def test_the_error_handler_shows_messages_never_tracebacks() -> None:
    from app.alerts import handle_error

    _, props = in_callback(handle_error, LogFormatError("binary file", file="x.bin"))
    assert props[ids.ERROR_ALERT]["children"] == "x.bin: binary file"
    _, props = in_callback(handle_error, KeyError("boom"))
    assert props[ids.ERROR_ALERT]["children"] == (
        "Internal error (KeyError: 'boom'); the details are in the server log."
    )


def test_settings_precedence_flag_env_file_default(tmp_path: Path) -> None:
    config = tmp_path / "hyperpath.toml"
    config.write_text('[app]\nport = 7000\nupload_limit_mb = 10\nhost = "127.0.0.1"\n')
    env = {"HYPERPATH_PORT": "7100", "HYPERPATH_CONFIG": str(config)}
    chosen = load_settings({"port": None, "host": "localhost"}, environ=env)
    assert (chosen.port, chosen.upload_limit_mb, chosen.host, chosen.lock_wait_s) == (
        7100,
        10,
        "localhost",
        60.0,
    )
    assert load_settings({"port": 7200}, environ=env).port == 7200
    config.write_text("[app]\nportt = 1\n")
    with pytest.raises(ConfigurationError, match="unknown settings \\['portt'\\]"):
        load_settings(environ=env)


def test_every_setting_is_documented() -> None:
    doc = (REPO / "docs" / "app.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in setting_help()
        if f"`{name}`" not in doc or f"`{env_name(name)}`" not in doc
    ]
    assert missing == []


def test_beyond_localhost_a_password_is_required_and_checked(tmp_path: Path) -> None:
    from app.server import create_app

    workspace = str(tmp_path / "ws.duckdb")
    with pytest.raises(ConfigurationError, match="HYPERPATH_PASSWORD"):
        create_app(Settings(workspace=workspace, host="0.0.0.0"))
    client = create_app(
        Settings(workspace=workspace, host="0.0.0.0", password="pw")
    ).server.test_client()
    assert client.get("/").status_code == 401
    wrong = base64.b64encode(b"anyone:nope").decode()
    assert client.get("/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    right = base64.b64encode(b"anyone:pw").decode()
    assert client.get("/", headers={"Authorization": f"Basic {right}"}).status_code == 200


def test_pages_use_local_css_and_offer_the_source(settings: Settings) -> None:
    import dash

    from app.server import BOOTSTRAP_URL, source_archive

    client = dash.get_app().server.test_client()
    page = client.get("/map?dataset=1").get_data(as_text=True)
    assert f'href="{BOOTSTRAP_URL}"' in page and '<html lang="en">' in page
    assert "cdn" not in page.lower()
    css = client.get(BOOTSTRAP_URL)
    assert css.status_code == 200 and b"Bootstrap" in css.get_data()[:200]
    with tarfile.open(fileobj=io.BytesIO(source_archive()), mode="r:gz") as tar:
        names = set(tar.getnames())
    assert {"hyperpath/app/server.py", "hyperpath/mining/dfg.py", "hyperpath/LICENSE"} <= names


def test_uploaded_file_names_and_tokens_cannot_escape(settings: Settings) -> None:
    from app.workspace import safe_file_name, save_upload, upload_path
    from eventlogs.errors import InputError

    token = save_upload(
        settings, "../../evil.csv", "data:text/csv;base64," + base64.b64encode(b"a,b\n").decode()
    )
    assert upload_path(settings, token).name == "evil.csv"
    assert upload_path(settings, token).parent.parent == settings.cache_path / "uploads"
    for bad in ("../..", "0" * 31, "/etc"):
        with pytest.raises(InputError):
            upload_path(settings, bad)
    assert safe_file_name("") == "upload"
    big = Settings(workspace=settings.workspace, cache_dir=settings.cache_dir, upload_limit_mb=1)
    with pytest.raises(InputError, match="upload limit of 1 MB"):
        save_upload(big, "x.csv", "data:," + "A" * (2 * 1024 * 1024))
