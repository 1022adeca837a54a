"""``hyperpath serve``: run the web app on a workspace.

Settings come from the flags, then ``HYPERPATH_*`` variables, then the TOML
file (``app.settings``). Serving beyond localhost is refused without a
password (``HYPERPATH_PASSWORD``, checked with HTTP basic auth), and the start
message says which applies.

Imports: app.settings, app.server (imported when the command runs).
"""

from __future__ import annotations

import argparse
import sys

from app.settings import Settings, load_settings


def add_serve_parser(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """The ``serve`` subcommand and its flags."""
    p = sub.add_parser(
        "serve", parents=[common], help="run the web app (default http://127.0.0.1:8050)"
    )
    p.add_argument(
        "--host", help="address to listen on (default 127.0.0.1; others need HYPERPATH_PASSWORD)"
    )
    p.add_argument("--port", type=int, help="port to listen on (default 8050)")
    p.add_argument("--upload-limit-mb", type=int, metavar="MB", help="largest upload (default 200)")
    p.add_argument("--config", metavar="FILE", help="TOML settings file with an [app] table")
    p.set_defaults(handler=cmd_serve)


def start_message(settings: Settings) -> str:
    """What ``serve`` prints before it starts.

    >>> print(start_message(Settings(host="0.0.0.0", password="s3cret")))
    Hyperpath: serving workspace hyperpath.duckdb at http://0.0.0.0:8050/ (reachable beyond this machine: password required, HTTP basic auth with HYPERPATH_PASSWORD, any user name)
    """
    if settings.is_local:
        access = "local only" + ("; password required" if settings.password else "; no password")
    else:
        access = (
            "reachable beyond this machine: password required, "
            "HTTP basic auth with HYPERPATH_PASSWORD, any user name"
        )
    return (
        f"Hyperpath: serving workspace {settings.workspace} at "
        f"http://{settings.host}:{settings.port}/ ({access})"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Check the settings, say how the app is reachable, run it until interrupted."""
    flags = {
        "workspace": args.workspace,
        "host": args.host,
        "port": args.port,
        "upload_limit_mb": args.upload_limit_mb,
    }
    settings = load_settings(flags, config_file=args.config).check()
    from app.server import serve

    print(start_message(settings), file=sys.stderr, flush=True)
    serve(settings)
    return 0
