"""Cell writing for the roadmap workbook: formulas only from code, text always defused.

A value becomes a formula only when it is a ``Formula`` built by our own code;
every other string (activity names, attributes, anything from a log) goes
through ``safe_text``: characters a workbook cannot hold are dropped, and a
leading ``= + - @`` tab or CR is defused with ``eventlogs.datasets.neutralise_cell``,
so no log value can ever run as a formula. Also: header styling, number formats,
column widths and workbook-level names.

Imports: openpyxl, eventlogs.datasets.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Sequence
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import absolute_coordinate, get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from eventlogs.datasets import neutralise_cell

GBP = '"£"#,##0.00'
GBP0 = '"£"#,##0'
HOURS = "#,##0.0"
FTE = "0.00"
PCT = "0.0%"
MONTHS = "0.0"
COUNT = "#,##0"
FACTOR = "0.0000"
MAX_TEXT = 32_000  # a cell holds at most 32,767 characters
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_HEADER_FONT = Font(bold=True, color="FFFFFF")


class Formula(str):
    """A formula written by this package (without the leading '=')."""


def safe_text(text: str) -> str:
    """Text fit for a cell that can never run as a formula.

    >>> safe_text("=HYPERLINK(1)"), safe_text("@SUM(A1)"), safe_text("ok\\x00")
    ("'=HYPERLINK(1)", "'@SUM(A1)", 'ok')
    """
    return neutralise_cell(ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_TEXT])


def cell_value(value: Any) -> Any:
    """A Python value as a cell value: numbers stay, everything else becomes safe text."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple | dict):
        return safe_text(json.dumps(value, ensure_ascii=False, default=str))
    return safe_text(str(value))


def put(ws: Worksheet, row: int, col: int, value: Any, fmt: str | None = None) -> None:
    """Write one cell: a ``Formula`` as a formula, anything else through ``cell_value``."""
    cell = ws.cell(row=row, column=col)
    cell.value = "=" + value if isinstance(value, Formula) else cell_value(value)
    if fmt:
        cell.number_format = fmt


def header(ws: Worksheet, row: int, labels: Sequence[str], *, freeze: bool = True) -> None:
    """A styled header row; ``freeze`` keeps it (and rows above) in view."""
    for col, label in enumerate(labels, start=1):
        put(ws, row, col, label)
        cell = ws.cell(row=row, column=col)
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if freeze:
        ws.freeze_panes = ws.cell(row=row + 1, column=1)


def table_finish(ws: Worksheet, header_row: int, ncols: int, last_row: int) -> None:
    """Autofilter over the table and column widths from the contents."""
    if ncols:
        last = get_column_letter(ncols)
        ws.auto_filter.ref = f"A{header_row}:{last}{max(last_row, header_row + 1)}"
    fit_columns(ws)


def fit_columns(ws: Worksheet, *, least: int = 8, most: int = 60) -> None:
    """Column widths from the longest text (formulas count as 12 characters)."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = str(cell.value)
            size = 12 if text.startswith("=") else len(text)
            widths[cell.column] = max(widths.get(cell.column, 0), size)
    for col, size in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(max(size + 2, least), most)


def ref(ws: Worksheet, cells: str) -> str:
    """An absolute reference to ``cells`` on ``ws``: 'Business case'!$I$2:$I$9."""
    return f"{quote_sheetname(ws.title)}!{absolute_coordinate(cells)}"


def define(wb: Workbook, name: str, ws: Worksheet, cells: str) -> None:
    """A workbook-level name for ``cells`` on ``ws``, usable in every formula."""
    wb.defined_names[name] = DefinedName(name, attr_text=ref(ws, cells))
