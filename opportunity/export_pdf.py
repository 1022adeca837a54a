"""Export the one-page summary for a Chief Data Officer as HTML and an A4 PDF.

The page is built once as HTML (opportunity.summary_html: inline CSS, inline SVG
charts, every log string escaped) and rendered by WeasyPrint with the DejaVu
fonts the system has (Debian's fonts-dejavu-core). Nothing is fetched: the
renderer's URL fetcher refuses every URL that is not a ``data:`` URL and records
what it refused. The summary must fit one A4 page: when it would spill onto a
second, the table of candidates is cut to the most rows that fit (by bisection:
the page count only grows with rows), never below the headline figures.
Files are written to a temporary name and renamed, so a failed export leaves
no half-written file.

Imports: weasyprint, eventlogs.errors, opportunity (montecarlo, portfolio, summary_html, whatif).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from weasyprint import HTML, Document
from weasyprint.urls import URLFetcher, URLFetcherResponse

from eventlogs.errors import InputError
from opportunity.montecarlo import Simulation, portfolio_figures
from opportunity.portfolio import Portfolio
from opportunity.summary_html import summary_html
from opportunity.whatif import WhatIf

MAX_CANDIDATES = 8


@dataclass(frozen=True, slots=True, kw_only=True)
class RoiSummary:
    """What ``export_roi_summary`` wrote and what the page shows."""

    html_path: Path | None
    pdf_path: Path | None
    pages: int  # pages of the rendered PDF: always 1
    candidates_shown: int
    figures: Mapping[str, float | None]  # portfolio_figures(portfolio, simulation)
    refused_urls: tuple[str, ...]  # URLs the renderer asked for and was refused


class OfflineFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that refuses every URL but ``data:`` and records the refusals."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=("data",))
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Resolve a ``data:`` URL in memory; refuse anything else."""
        if not url.lower().startswith("data:"):
            self.refused.append(url)
            raise ValueError(f"{url}: fetching is disabled; the summary renders offline")
        return super().fetch(url, headers)


def _render(html: str, fetcher: OfflineFetcher) -> Document:
    return HTML(string=html, url_fetcher=fetcher).render()


def render_pdf(html: str) -> tuple[bytes, int, tuple[str, ...]]:
    """Render ``html`` offline: (PDF bytes, page count, URLs refused)."""
    fetcher = OfflineFetcher()
    document = _render(html, fetcher)
    return bytes(document.write_pdf()), len(document.pages), tuple(fetcher.refused)


def _write(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    if not path.parent.is_dir():
        raise InputError(f"{path}: the folder {path.parent} does not exist")
    fd, tmp = tempfile.mkstemp(suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


Attempt = Callable[[int], tuple[str, Document]]


def _fewer_rows(attempt: Attempt, most: int) -> tuple[int, str, Document]:
    """The most candidate rows (at most ``most``) that fit one page, by bisection.

    Pages only grow with rows, so the answer is the largest count that fits.
    """
    lo, hi, fits = 0, most, None  # the answer lies in lo..hi
    while lo < hi:
        mid = (lo + hi + 1) // 2
        html, document = attempt(mid)
        if len(document.pages) == 1:
            lo, fits = mid, (html, document)
        else:
            hi = mid - 1
    html, document = attempt(0) if fits is None else fits
    if len(document.pages) != 1:
        raise InputError(
            f"the summary takes {len(document.pages)} pages even without candidates; "
            "shorten the title or the findings"
        )
    return lo, html, document


def export_roi_summary(
    html_path: Path | None,
    pdf_path: Path | None,
    *,
    portfolio: Portfolio,
    simulation: Simulation,
    candidates: Sequence[Mapping[str, Any]] = (),
    whatif: WhatIf | None = None,
    findings: Sequence[str] = (),
    provenance: Mapping[str, Any] | None = None,
    title: str = "Automation business case on a page",
    max_candidates: int = MAX_CANDIDATES,
    prepared: dt.date | None = None,
) -> RoiSummary:
    """Write the one-page summary as HTML and/or PDF (a path of None skips that file).

    ``candidates`` are ranked opportunity records (``StepScore.to_dict()``: activity,
    class, reason, confidence, expected_hours_saved), shown best first; at most
    ``max_candidates`` of them, fewer when the page would otherwise overflow.
    ``findings`` are short sentences about the data; ``provenance`` (dataset,
    filters, parameters) is printed at the foot of the page.
    """
    for target in (html_path, pdf_path):
        if target is not None and not Path(target).parent.is_dir():
            raise InputError(f"{target}: the folder {Path(target).parent} does not exist")
    page = partial(summary_html, portfolio=portfolio, simulation=simulation,
                   candidates=candidates, whatif=whatif, findings=findings,
                   provenance=provenance, title=title, prepared=prepared or dt.date.today())  # fmt: skip
    fetcher = OfflineFetcher()

    def attempt(shown: int) -> tuple[str, Document]:
        html = page(max_candidates=shown)
        return html, _render(html, fetcher)

    shown = min(max_candidates, len(candidates))
    html, document = attempt(shown)
    if len(document.pages) > 1:
        shown, html, document = _fewer_rows(attempt, shown - 1)
    if html_path is not None:
        _write(Path(html_path), html.encode("utf-8"))
    if pdf_path is not None:
        _write(Path(pdf_path), bytes(document.write_pdf()))
    return RoiSummary(
        html_path=None if html_path is None else Path(html_path),
        pdf_path=None if pdf_path is None else Path(pdf_path),
        pages=len(document.pages),
        candidates_shown=shown,
        figures=portfolio_figures(portfolio, simulation),
        refused_urls=tuple(dict.fromkeys(fetcher.refused)),
    )
