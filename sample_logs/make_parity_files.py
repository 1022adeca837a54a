"""Write roadtraffic100traces.csv and .parquet from the committed .xes.gz.

The three files hold the same log, for the format-parity tests. This script is
independent of Hyperpath's readers (stdlib XML parsing of a trusted file, then
pyarrow), so the parity test compares two separate paths. Run from the repo
root: ``.venv/bin/python sample_logs/make_parity_files.py``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import xml.etree.ElementTree as ET  # noqa: S405 - trusted file committed in this repo
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent
SOURCE = HERE / "roadtraffic100traces.xes.gz"


def _key(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def read_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    with gzip.open(SOURCE) as handle:
        root = ET.parse(handle).getroot()  # noqa: S314 - trusted file
    for trace in root:
        if _key(trace) != "trace":
            continue
        case = {f"case:{a.get('key')}": a.get("value", "") for a in trace if _key(a) != "event"}
        for event in trace:
            if _key(event) == "event":
                row = dict(case)
                row.update({str(a.get("key")): a.get("value", "") for a in event})
                rows.append(row)
    return rows


def main() -> None:
    rows = read_rows()
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    with (HERE / "roadtraffic100traces.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    table = {c: [r.get(c) for r in rows] for c in columns}
    table["time:timestamp"] = [dt.datetime.fromisoformat(v) for v in table["time:timestamp"]]
    pq.write_table(pa.table(table), HERE / "roadtraffic100traces.parquet")


if __name__ == "__main__":
    main()
