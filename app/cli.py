"""The ``hyperpath`` command line (contract: docs/cli.md).

Each command parses its flags, calls one public function and prints the result:
a table for people, or exactly one JSON document with ``--json``. Errors are
translated here, once: a user error prints one line on stderr and exits 2; a
bug exits 1 (traceback with ``--debug``). Heavy libraries are imported only by
the commands that need them, so scripted calls stay fast.

Imports: eventlogs (and later mining, opportunity), rich.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.cli_render import (
    print_datasets,
    print_load,
    print_map,
    print_quality,
    print_variants,
    progress_bar,
)
from eventlogs.errors import HyperpathError

Handler = Callable[[argparse.Namespace], Any]


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--workspace",
        metavar="FILE",
        help="workspace DuckDB file (default ./hyperpath.duckdb or $HYPERPATH_WORKSPACE)",
    )
    common.add_argument(
        "--json", action="store_true", help="print exactly one JSON document on stdout"
    )
    common.add_argument(
        "--debug", action="store_true", help="show the traceback of unexpected errors"
    )
    return common


def _filters() -> argparse.ArgumentParser:
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("dataset", help="dataset id or name")
    shared.add_argument(
        "--from",
        dest="date_from",
        metavar="DATE",
        help="keep cases contained in the window from DATE (ISO 8601)",
    )
    shared.add_argument(
        "--to",
        dest="date_to",
        metavar="DATE",
        help="... to DATE (inclusive; a date means its whole day)",
    )
    shared.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="ATTR=VALUE",
        help="keep cases whose attribute ATTR equals VALUE (repeatable; repeats of one ATTR mean any of)",
    )
    shared.add_argument(
        "--top-variants",
        type=int,
        metavar="K",
        help="keep the cases of the K most frequent variants",
    )
    return shared


def _log_filter(args: argparse.Namespace) -> Any:
    from mining.filters import LogFilter

    return LogFilter.from_cli(
        date_from=args.date_from,
        date_to=args.date_to,
        where=args.where,
        top_variants=args.top_variants,
    )


def _time_basis() -> argparse.ArgumentParser:
    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument(
        "--basis",
        choices=("calendar", "working"),
        default="calendar",
        help="durations in calendar time or in working time (default calendar)",
    )
    shared.add_argument(
        "--work-hours", metavar="HH:MM-HH:MM", help="working hours (default 09:00-17:00)"
    )
    shared.add_argument("--work-days", metavar="DAYS", help="working days (default mon-fri)")
    shared.add_argument(
        "--holidays", metavar="REGION", help="bank holidays of COUNTRY[-REGION] (default GB-ENG)"
    )
    return shared


def _calendar(args: argparse.Namespace) -> Any:
    from mining.calendar import WorkingCalendar

    return WorkingCalendar.from_options(
        region=args.holidays, hours=args.work_hours, days=args.work_days
    )


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


def _add_load(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "load", parents=[common], help="load an event log (CSV/TSV, XES, XLSX, Parquet)"
    )
    p.add_argument("file")
    p.add_argument("--name", help="dataset name (default: the file name without extensions)")
    for role in ("case", "activity", "timestamp", "start-timestamp", "resource", "lifecycle"):
        p.add_argument(
            f"--{role}",
            metavar="COLUMN",
            help=f"source column holding the {role.replace('-', ' ')}",
        )
    order = p.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst",
        dest="dayfirst",
        action="store_const",
        const=True,
        help="read 03/04/2021 as 3 April",
    )
    order.add_argument(
        "--monthfirst",
        dest="dayfirst",
        action="store_const",
        const=False,
        help="read 03/04/2021 as 4 March",
    )
    p.add_argument(
        "--timezone", default="UTC", help="IANA zone of timestamps without an offset (default UTC)"
    )
    p.add_argument(
        "--dedupe",
        action="store_true",
        help="remove exact duplicate events (kept by default, quarantined when removed)",
    )
    p.add_argument(
        "--pseudonymise",
        action="append",
        metavar="COLS",
        help="comma list: case, resource or column names to replace by keyed hashes",
    )
    p.add_argument(
        "--pseudonym-key-file", metavar="FILE", help="key file (default: $HYPERPATH_PSEUDONYM_KEY)"
    )
    p.add_argument(
        "--drop",
        action="append",
        metavar="COLS",
        help="comma list of columns not to keep (e.g. free text)",
    )
    p.add_argument("--sheet", help="worksheet of an .xlsx file (default: the first)")
    p.add_argument(
        "--allow-same-file",
        action="store_true",
        help="load a file whose sha256 is already in the workspace",
    )
    p.set_defaults(handler=cmd_load)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    common = _common()
    parser = argparse.ArgumentParser(
        prog="hyperpath", description="Process mining and automation opportunities from event logs."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_load(sub, common)
    p = sub.add_parser("datasets", parents=[common], help="list the datasets in the workspace")
    p.set_defaults(handler=cmd_datasets)
    p = sub.add_parser("quality", parents=[common], help="data-quality report of a dataset")
    p.add_argument("dataset", help="dataset id or name")
    p.set_defaults(handler=cmd_quality)
    p = sub.add_parser("quarantine", parents=[common], help="export a dataset's quarantined rows")
    p.add_argument("dataset", help="dataset id or name")
    p.add_argument("--csv", required=True, metavar="OUT", help="CSV file to write")
    p.set_defaults(handler=cmd_quarantine)
    filters = _filters()
    p = sub.add_parser(
        "map",
        parents=[common, filters],
        help="directly-follows process map (frequencies and times)",
    )
    p.add_argument(
        "--svg", metavar="FILE", help="also draw the (simplified) map as SVG with Graphviz"
    )
    p.add_argument(
        "--color-by",
        choices=("frequency", "performance"),
        default="frequency",
        help="SVG colouring",
    )
    p.add_argument(
        "--activities",
        type=float,
        default=1.0,
        metavar="SHARE",
        help="keep the activities covering this share of events (0-1]",
    )
    p.add_argument(
        "--paths",
        type=float,
        default=1.0,
        metavar="SHARE",
        help="keep the paths covering this share of path frequency (0-1]",
    )
    p.set_defaults(handler=cmd_map)
    p = sub.add_parser(
        "model",
        parents=[common, filters],
        help="discover a process model (inductive miner) and export it",
    )
    p.add_argument("--bpmn", required=True, metavar="FILE", help="BPMN 2.0 XML file to write")
    p.add_argument("--noise", type=float, default=0.0, help="inductive miner noise threshold (0-1)")
    p.add_argument(
        "--budget",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="time budget; refused or stopped beyond it",
    )
    p.set_defaults(handler=cmd_model)
    p = sub.add_parser(
        "variants", parents=[common, filters], help="process variants, most frequent first"
    )
    p.add_argument("--limit", type=int, default=20, help="rows in the human table (JSON has all)")
    p.set_defaults(handler=cmd_variants)
    p = sub.add_parser(
        "bottlenecks",
        parents=[common, filters, _time_basis()],
        help="where cases wait: activities (or paths) ranked by time lost",
    )
    p.add_argument("--top", type=int, metavar="N", help="only the N losing the most time")
    view = p.add_mutually_exclusive_group()
    view.add_argument("--paths", action="store_true", help="waits per path (source -> target)")
    view.add_argument("--trend", choices=("D", "W", "M"), help="waits per day, week or month")
    p.set_defaults(handler=cmd_bottlenecks)
    p = sub.add_parser(
        "backlog",
        parents=[common, filters],
        help="open cases per period: arrivals, completions, age and trend of the backlog",
    )
    from app.cli_backlog import add_backlog_arguments

    add_backlog_arguments(p)
    p.set_defaults(handler=cmd_backlog)
    p = sub.add_parser("delete", parents=[common], help="delete a dataset from the workspace")
    p.add_argument("dataset", help="dataset id or name")
    p.set_defaults(handler=cmd_delete)
    from app.cli_opportunity import add_opportunity_parsers

    add_opportunity_parsers(sub, [common, filters, _time_basis()])
    from app.cli_serve import add_serve_parser

    add_serve_parser(sub, common)
    return parser


def _connect(args: argparse.Namespace, *, read_only: bool = False) -> Any:
    from eventlogs.engine import connect

    return connect(args.workspace, read_only=read_only)


def _emit(args: argparse.Namespace, document: object, human: Callable[[], None]) -> None:
    if args.json:
        sys.stdout.write(json.dumps(document, default=str) + "\n")
    else:
        human()


def cmd_load(args: argparse.Namespace) -> int:
    from eventlogs.load import LoadOptions, load_log
    from eventlogs.privacy import load_pseudonym_key

    pseudonymise = _split(args.pseudonymise)
    options = LoadOptions(
        name=args.name,
        case=args.case,
        activity=args.activity,
        timestamp=args.timestamp,
        start_timestamp=args.start_timestamp,
        resource=args.resource,
        lifecycle=args.lifecycle,
        dayfirst=args.dayfirst,
        time_zone=args.timezone,
        dedupe=args.dedupe,
        pseudonymise=pseudonymise,
        drop=_split(args.drop),
        sheet=args.sheet,
        pseudonym_key=load_pseudonym_key(args.pseudonym_key_file) if pseudonymise else None,
        allow_same_file=args.allow_same_file,
    )
    con = _connect(args)
    with progress_bar(args.file) as report:
        result = load_log(con, args.file, options=options, progress=report)
    from app.cli_render import load_document

    _emit(args, load_document(result), lambda: print_load(result))
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    from eventlogs.datasets import list_datasets

    found = list_datasets(_connect(args))
    _emit(args, [d.summary() for d in found], lambda: print_datasets(found))
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from eventlogs.quality import compute_quality

    report = compute_quality(_connect(args), args.dataset)
    _emit(args, report.to_dict(), lambda: print_quality(report))
    return 0


def cmd_quarantine(args: argparse.Namespace) -> int:
    from eventlogs.datasets import export_quarantine_csv

    n = export_quarantine_csv(_connect(args), args.dataset, args.csv)
    _emit(
        args,
        {"dataset": args.dataset, "csv": args.csv, "rows": n},
        lambda: print(f"{n} quarantined rows written to {args.csv}"),
    )
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    from mining.dfg import discover_dfg

    dfg = discover_dfg(_connect(args), args.dataset, log_filter=_log_filter(args))
    document = dfg.to_dict()
    if args.svg or args.activities < 1.0 or args.paths < 1.0:
        from mining.graph import build_process_graph
        from mining.render import render_svg
        from mining.simplify import simplify_map

        simplified = simplify_map(dfg, activity_share=args.activities, path_share=args.paths)
        document["simplified"] = simplified.to_dict()
        if args.svg:
            svg = render_svg(build_process_graph(simplified), color_by=args.color_by)
            Path(args.svg).write_text(svg, encoding="utf-8")
            document["svg"] = args.svg
    _emit(args, document, lambda: print_map(dfg, svg=args.svg))
    return 0


def cmd_model(args: argparse.Namespace) -> int:
    from mining.models import export_bpmn

    result = export_bpmn(
        _connect(args),
        args.dataset,
        args.bpmn,
        log_filter=_log_filter(args),
        noise_threshold=args.noise,
        time_budget_s=args.budget,
    )
    document = result.to_dict()
    _emit(
        args,
        document,
        lambda: print(
            f"BPMN model with {len(result.activities)} activities written to {args.bpmn}"
        ),
    )
    return 0


def cmd_variants(args: argparse.Namespace) -> int:
    from mining.variants import discover_variants

    found = discover_variants(_connect(args), args.dataset, log_filter=_log_filter(args))
    _emit(args, found.to_list(), lambda: print_variants(found, limit=args.limit))
    return 0


def cmd_bottlenecks(args: argparse.Namespace) -> int:
    from app.cli_render import print_bottleneck_trend, print_bottlenecks
    from eventlogs.errors import InputError
    from mining.bottlenecks import compute_bottleneck_trend, compute_bottlenecks

    if args.top is not None and args.top < 1:
        raise InputError(f"--top must be a whole number >= 1, found {args.top}")
    options = {"log_filter": _log_filter(args), "basis": args.basis, "calendar": _calendar(args)}
    con, top = _connect(args), args.top
    if args.trend:
        trend = compute_bottleneck_trend(con, args.dataset, freq=args.trend, **options)
        trend = trend.top(top) if top else trend
        _emit(args, trend.to_list(), lambda: print_bottleneck_trend(trend, top=top or 5))
        return 0
    found = compute_bottlenecks(con, args.dataset, **options)
    document = found.paths_to_list(top=top) if args.paths else found.to_list(top=top)
    _emit(args, document, lambda: print_bottlenecks(found, top=top or 20, paths=args.paths))
    return 0


def cmd_backlog(args: argparse.Namespace) -> int:
    from app.cli_backlog import backlog_document, print_backlog
    from mining.backlog import compute_backlog

    con, log_filter = _connect(args), _log_filter(args)
    backlog = compute_backlog(
        con,
        args.dataset,
        freq=args.freq,
        log_filter=log_filter,
        end_activities=args.end_activity or None,
        last_periods=args.last,
        open_case_limit=args.open_cases,
    )
    queues = None
    if args.queues or args.queue_activity:
        from mining.queues import compute_step_queues

        queues = compute_step_queues(
            con,
            args.dataset,
            freq=args.freq,
            activities=args.queue_activity or None,
            log_filter=log_filter,
        )
    document = backlog_document(backlog, queues)
    _emit(args, document, lambda: print_backlog(backlog, queues, limit=args.limit))
    return 0


def cmd_delete(args: argparse.Namespace) -> int:
    from eventlogs.datasets import delete_dataset

    ds = delete_dataset(_connect(args), args.dataset)
    _emit(
        args,
        {"dataset": str(ds.dataset_id), "name": ds.name, "deleted": True},
        lambda: print(f"deleted dataset {ds.dataset_id} ({ds.name})"),
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hyperpath`` console script; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except HyperpathError as exc:
        print(f"hyperpath: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("hyperpath: interrupted; the workspace is unchanged", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so, keep the traceback for --debug
        if args.debug:
            traceback.print_exc()
        else:
            print(
                f"hyperpath: internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                file=sys.stderr,
            )
        return 1


if __name__ == "__main__":
    sys.exit(main())
