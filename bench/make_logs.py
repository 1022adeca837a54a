"""Generate large, realistic event logs for the load benchmark.

The seed is a real log, BPI Challenge 2012 (13,087 cases, 262,200 events), read
once with pm4py's iterparse XES reader (the reference reader, so the generated
data do not depend on the Hyperpath reader under test) and cached as
``bpic2012_base.parquet`` in the output folder. Bigger logs are copies of it:
copy ``k`` of every case gets the id ``<case>-<k>`` and its events are shifted by
a per-copy offset (0..8 years, from ``random.Random(SEED)``) plus a per-case
jitter of under a week (integer arithmetic on case and copy numbers, no
randomness in SQL). Copies are taken whole, in file order, until N events; the
last case may be cut short. Rows are then written sorted by event time, as a
database export would be.

Columns, like a legacy export: ``case_id, activity, timestamp, resource,
lifecycle, amount``. In CSV the timestamp is ISO 8601 local time in
Europe/Amsterdam with its offset (``2011-10-01T00:38:44.546+02:00``, as in the
XES); in Parquet it is a native TIMESTAMP WITH TIME ZONE and ``amount`` a
BIGINT. The files are built with DuckDB ``COPY ... TO`` (10M rows in seconds).
Same seed and source, same bytes.

    .venv/bin/python bench/make_logs.py --events 1000000 --events 10000000

Imports: duckdb, pyarrow; pm4py only to build the cached seed table.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import duckdb

SEED = 2012
SOURCE_XES = Path(__file__).resolve().parents[2] / "shared" / "logs" / "BPI_Challenge_2012.xes.gz"
DATA_DIR = Path(__file__).resolve().parent / "data"
BASE_NAME = "bpic2012_base.parquet"
LOCAL_ZONE = "Europe/Amsterdam"
MAX_SHIFT_S = 8 * 365 * 86_400
JITTER_S = 7 * 86_400
FORMATS = ("csv", "parquet")


def size_label(events: int) -> str:
    """File-name label of an event count.

    >>> size_label(10_000_000), size_label(500_000), size_label(1234)
    ('10m', '500k', '1234')
    """
    for unit, div in (("m", 1_000_000), ("k", 1_000)):
        if events % div == 0:
            return f"{events // div}{unit}"
    return str(events)


def parse_size(text: str) -> int:
    """'10m' -> 10_000_000, '500k' -> 500_000, '1234' -> 1234.

    >>> parse_size('10m'), parse_size('250K'), parse_size('1_000')
    (10000000, 250000, 1000)
    """
    text = text.strip().lower().replace("_", "")
    scale = {"m": 1_000_000, "k": 1_000}.get(text[-1:], 1)
    return int(text[:-1] if scale > 1 else text) * scale


def log_path(out: Path, events: int, fmt: str) -> Path:
    """Where the generated log of ``events`` rows in ``fmt`` lives."""
    return out / f"events_{size_label(events)}.{fmt}"


def build_base(out: Path, source: Path = SOURCE_XES) -> Path:
    """Read the seed XES once with pm4py (iterparse) and cache it as Parquet."""
    target = out / BASE_NAME
    if target.exists():
        return target
    import pm4py
    import pyarrow as pa
    import pyarrow.parquet as pq

    started = time.perf_counter()
    df = pm4py.read_xes(str(source), variant="iterparse", show_progress_bar=False)
    table = pa.table(
        {
            "src_row": pa.array(range(len(df)), type=pa.int64()),
            "case_id": pa.array(df["case:concept:name"].astype(str).tolist(), type=pa.string()),
            "activity": pa.array(df["concept:name"].astype(str).tolist(), type=pa.string()),
            "ts": pa.Array.from_pandas(df["time:timestamp"]),
            "resource": pa.array(df["org:resource"].tolist(), type=pa.string(), from_pandas=True),
            "lifecycle": pa.array(
                df["lifecycle:transition"].tolist(), type=pa.string(), from_pandas=True
            ),
            "amount": pa.array(
                df["case:AMOUNT_REQ"].astype("Int64").tolist(), type=pa.int64(), from_pandas=True
            ),
        }
    )
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, out / (BASE_NAME + ".part"))
    (out / (BASE_NAME + ".part")).rename(target)
    print(
        f"seed table: {len(df):,} events from {source.name} in {time.perf_counter() - started:.1f} s"
    )
    return target


def _copy_offsets(copies: int, seed: int) -> list[tuple[int, int]]:
    """(copy number, shift in seconds); copy 0 keeps the original times."""
    rng = random.Random(seed)
    return [(k, 0 if k == 0 else rng.randrange(MAX_SHIFT_S)) for k in range(copies)]


def _events_sql(events: int, base_rows: int) -> str:
    """The generated events, sorted by time (copy and source row break ties)."""
    return f"""
        SELECT b.case_id || '-' || o.k AS case_id, b.activity,
               b.ts + to_seconds(o.shift_s + ((b.case_no * 7919 + o.k * 104729) % {JITTER_S})) AS ts,
               b.resource, b.lifecycle, b.amount
        FROM base b JOIN offsets o ON o.k * {base_rows} + b.src_row < {events}
        ORDER BY ts, o.k, b.src_row"""


def _iso_sql(column: str) -> str:
    """ISO 8601 local time in LOCAL_ZONE with its offset, milliseconds kept."""
    local = f"timezone('{LOCAL_ZONE}', {column})"
    off = f"CAST(round((epoch({local}) - epoch({column})) / 60) AS INTEGER)"
    return (
        f"strftime({local}, '%Y-%m-%dT%H:%M:%S.%g') || CASE WHEN {off} < 0 THEN '-' ELSE '+' END"
        f" || lpad(CAST(abs({off}) // 60 AS VARCHAR), 2, '0') || ':'"
        f" || lpad(CAST(abs({off}) % 60 AS VARCHAR), 2, '0')"
    )


def generate(
    events: int, out: Path = DATA_DIR, *, seed: int = SEED, formats: tuple[str, ...] = FORMATS
) -> list[Path]:
    """Write ``events_<label>.csv`` / ``.parquet`` with exactly ``events`` rows; return the paths."""
    base = build_base(out)
    con = duckdb.connect(config={"threads": 2})
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        "CREATE TEMP TABLE base AS SELECT *, dense_rank() OVER (ORDER BY first_row) - 1 AS case_no"
        " FROM (SELECT *, min(src_row) OVER (PARTITION BY case_id) AS first_row FROM read_parquet(?))",
        [str(base)],
    )
    base_rows = int(con.execute("SELECT count(*) FROM base").fetchall()[0][0])
    copies = -(-events // base_rows)
    con.execute("CREATE TEMP TABLE offsets (k INTEGER, shift_s BIGINT)")
    con.executemany("INSERT INTO offsets VALUES (?, ?)", _copy_offsets(copies, seed))
    con.execute(f"CREATE TEMP TABLE gen AS {_events_sql(events, base_rows)}")
    written = []
    for fmt in formats:
        target = log_path(out, events, fmt)
        part = target.with_suffix(target.suffix + ".part")
        started = time.perf_counter()
        if fmt == "csv":
            select = f"SELECT case_id, activity, {_iso_sql('ts')} AS timestamp, resource, lifecycle, amount FROM gen"
            options = "FORMAT csv, HEADER true"
        else:
            select = (
                "SELECT case_id, activity, ts AS timestamp, resource, lifecycle, amount FROM gen"
            )
            options = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880"
        con.execute(f"COPY ({select}) TO '{part}' ({options})")
        part.rename(target)
        mb = target.stat().st_size / 1e6
        print(
            f"{target.name}: {events:,} events, {mb:,.0f} MB in {time.perf_counter() - started:.1f} s"
        )
        written.append(target)
    con.close()
    return written


def ensure_logs(sizes: list[int], out: Path = DATA_DIR) -> None:
    """Generate the logs of ``sizes`` that are missing (either format)."""
    for events in sizes:
        missing = tuple(f for f in FORMATS if not log_path(out, events, f).exists())
        if missing:
            generate(events, out, formats=missing)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--events",
        action="append",
        metavar="N",
        help="event count (1000000, 10m, 500k); repeatable; default 1m and 10m",
    )
    parser.add_argument(
        "--out", type=Path, default=DATA_DIR, help=f"output folder (default {DATA_DIR})"
    )
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the per-copy time shifts")
    parser.add_argument("--force", action="store_true", help="rewrite files that exist")
    args = parser.parse_args(argv)
    sizes = [parse_size(e) for e in args.events or ["1m", "10m"]]
    for events in sizes:
        if args.force or not all(log_path(args.out, events, f).exists() for f in FORMATS):
            generate(events, args.out, seed=args.seed)
        else:
            print(
                f"{log_path(args.out, events, 'csv').name} and .parquet exist (--force to rewrite)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
