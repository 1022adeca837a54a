"""The Dash app: ``create_app(settings)`` builds it; ``hyperpath serve`` runs it.

Every module in ``app/pages/`` is a page: it defines ``PATH``, ``NAME``,
``ORDER`` and ``layout(**query)``, and its callbacks with ``dash.callback``.
``create_app`` registers each page with Dash's pages feature, so adding a page
is adding a file. Long callbacks run as background jobs (DiskcacheManager: a
process per job, so Cancel can stop a load and the workspace rolls back).

Nothing is fetched from the network: Bootstrap's CSS is served from the
``bootstrap-flask`` package, and Dash serves its own scripts. Beyond localhost
a password is required (HTTP basic auth). The footer links to
``/source.tar.gz``, the source of the running server (AGPL).

Imports: dash, dash-bootstrap-components, diskcache, flask, app and the layers below.
"""

from __future__ import annotations

import hmac
import importlib
import io
import pkgutil
import tarfile
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import dash
import diskcache
import flask
from dash import DiskcacheManager

import app as app_package
from app.alerts import handle_error
from app.settings import Settings
from app.shell import shell_layout
from app.workspace import SETTINGS_KEY, open_workspace

BOOTSTRAP_URL = "/_hyperpath/bootstrap.min.css"
_SOURCE_PACKAGES = ("eventlogs", "mining", "opportunity", "app")
_SOURCE_FILES = ("pyproject.toml", "README.md", "LICENSE", "Makefile")
_SOURCE_SUFFIXES = (".py", ".md", ".toml", ".css")
_INDEX = """<!DOCTYPE html>
<html lang="en">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def page_modules() -> list[ModuleType]:
    """The modules of ``app/pages`` (each one a page)."""
    from app import pages

    return [
        importlib.import_module(f"app.pages.{info.name}")
        for info in pkgutil.iter_modules(pages.__path__)
        if not info.name.startswith("_")
    ]


def create_app(settings: Settings) -> dash.Dash:
    """The Dash app for a workspace; the workspace file is created when missing."""
    settings = settings.check()
    with open_workspace(settings, write=True):
        pass  # creates the file and its tables, so readers can open it read-only
    settings.cache_path.mkdir(parents=True, exist_ok=True)
    manager = DiskcacheManager(diskcache.Cache(str(settings.cache_path / "jobs")))
    modules = page_modules()  # imported first: their callbacks join the app
    app = dash.Dash(
        "app",
        use_pages=True,
        pages_folder="",
        assets_folder=str(Path(app_package.__file__).parent / "assets"),
        external_stylesheets=[BOOTSTRAP_URL],
        background_callback_manager=manager,
        on_error=handle_error,
        suppress_callback_exceptions=True,
        title="Hyperpath",
        update_title="Updating… · Hyperpath",  # also tells the browser tests when Dash is busy
        index_string=_INDEX,
    )
    server = app.server
    server.config[SETTINGS_KEY] = settings
    # base64 makes an upload about 4/3 of the file; leave room for the rest of the request.
    server.config["MAX_CONTENT_LENGTH"] = (
        settings.upload_limit_mb * 1024 * 1024 * 4 // 3 + 1_000_000
    )
    for module in modules:
        dash.register_page(
            module.__name__,
            path=module.PATH,
            name=module.NAME,
            order=module.ORDER,
            title=f"{module.NAME} · Hyperpath",
            layout=module.layout,
        )
    _add_routes(server, settings)
    app.layout = shell_layout(settings)
    return app


def _add_routes(server: flask.Flask, settings: Settings) -> None:
    if settings.password:
        password = settings.password

        @server.before_request
        def require_password() -> flask.Response | None:
            given = flask.request.authorization
            if given and hmac.compare_digest((given.password or "").encode(), password.encode()):
                return None
            return flask.Response(
                "Hyperpath: this server needs the password (HYPERPATH_PASSWORD).",
                401,
                {"WWW-Authenticate": 'Basic realm="Hyperpath", charset="UTF-8"'},
            )

    @server.route(BOOTSTRAP_URL)
    def bootstrap_css() -> flask.Response:
        css = files("flask_bootstrap") / "static" / "bootstrap5" / "css" / "bootstrap.min.css"
        return flask.Response(
            css.read_bytes(), mimetype="text/css", headers={"Cache-Control": "max-age=86400"}
        )

    @server.route("/source.tar.gz")
    def source() -> flask.Response:
        return flask.Response(
            source_archive(),
            mimetype="application/gzip",
            headers={"Content-Disposition": "attachment; filename=hyperpath-source.tar.gz"},
        )


def source_archive() -> bytes:
    """The source of the running server (packages, pyproject, README, LICENSE) as .tar.gz."""
    root = Path(app_package.__file__).resolve().parents[1]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for package in _SOURCE_PACKAGES:
            for path in sorted((root / package).rglob("*")):
                if path.suffix in _SOURCE_SUFFIXES and "__pycache__" not in path.parts:
                    tar.add(path, arcname=f"hyperpath/{path.relative_to(root)}")
        for name in _SOURCE_FILES:
            if (root / name).is_file():
                tar.add(root / name, arcname=f"hyperpath/{name}")
    return buffer.getvalue()


def serve(settings: Settings) -> None:
    """Run the app with Flask's threaded server until interrupted."""
    create_app(settings).run(host=settings.host, port=settings.port, debug=False)
