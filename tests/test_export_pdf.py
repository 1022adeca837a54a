"""The one-page summary: one A4 page, not blank, figures equal the business case, log text
escaped, nothing fetched, candidates shortened rather than spilling onto a second page."""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image

from eventlogs.errors import InputError
from opportunity.assumptions import parse_assumptions
from opportunity.business_case import CaseInput
from opportunity.export_pdf import OfflineFetcher, export_roi_summary, render_pdf
from opportunity.montecarlo import portfolio_figures, simulate_portfolio
from opportunity.plain_format import format_gbp, format_months
from opportunity.portfolio import Portfolio, build_portfolio
from opportunity.summary_html import summary_html
from opportunity.whatif import FlowRates, WhatIf, project

# Round numbers: no on-costs, so an EO hour costs 32,000 / 1,600 = GBP 20.
ROUND = parse_assumptions(
    {
        "hours_per_fte_year": 1600.0,
        "grade_salary_gbp": {"EO": 32000.0},
        "employer_ni_rate": 0.0,
        "employer_pension_rate": 0.0,
    }
)
SCRIPT = "<script>alert(1)</script>"
FORMULA = '=HYPERLINK("http://evil.example/x","click")'
PIXEL = '<img src="http://127.0.0.1:9/pixel.png">'
PREPARED = dt.date(2024, 1, 1)
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "div", "span",
                "ul", "li", "table", "tr", "th", "td", "svg", "text", "line", "rect",
                "polyline", "circle"}  # fmt: skip


def step(name: str, position: int) -> CaseInput:
    # Each step: 12,000 x 300 s / 3,600 x 0.8 = 800 h a year, GBP 16,000 saved;
    # one-off 8,000 x 1.25 = 10,000; running (5,000 / 5 + 20% x 8,000) x 1.25 = 3,250.
    return CaseInput(activity=name, process="P", automation_class="RPA",
                     annual_executions=12000, handling_time_s=300, ease_band="high",
                     value_score=80, cases=500, position=position,
                     handling_time_samples_s=(240.0, 300.0, 360.0))  # fmt: skip


@pytest.fixture(scope="module")
def case() -> tuple[Portfolio, object]:
    portfolio = build_portfolio([step("Check form", 0), step(SCRIPT, 1), step(FORMULA, 2)], ROUND)
    return portfolio, simulate_portfolio(portfolio, runs=300, seed=0)


def candidates(
    n: int = 3, reason: str = "Suits a software robot: the same rule every time."
) -> list[dict[str, object]]:
    names = ["Check form", SCRIPT, FORMULA] + [f"Step {i} " + "long name " * 6 for i in range(n)]
    return [
        {"activity": names[i], "class": "RPA", "reason": reason + (PIXEL if i == 1 else ""),
         "confidence": "high", "expected_hours_saved": 800.0}
        for i in range(n)
    ]  # fmt: skip


def whatif() -> WhatIf:
    # 100 open, 20 arrive and 30 finish a week: -10 a week, clear after 10 weeks (11 March 2024).
    # 1,000 staff hours with 250 saved: capacity x 4/3 = 40 a week, clear after 100/20 = 5 weeks.
    rates = FlowRates(freq="W", period_days=7.0, arrivals_per_period=20.0,
                      completions_per_period=30.0, open_now=100, window_periods=12,
                      start=dt.datetime(2024, 1, 1, tzinfo=dt.UTC))  # fmt: skip
    return WhatIf(rates=rates, baseline=project(rates, 30.0, periods=26, label="today"),
                  automated=project(rates, 40.0, periods=26, label="with automation"),
                  capacity_uplift=4 / 3, hours_saved_per_year=250.0,
                  staff_hours_per_year=1000.0, median_cycle_time_s=20 * 86400.0,
                  new_median_cycle_time_s=14 * 86400.0)  # fmt: skip


class Page(HTMLParser):
    """Tags used, and the exact value and shown text of every ``data-key`` element."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.rows = 0
        self.values: dict[str, tuple[str, str]] = {}
        self._open: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.rows += tag == "tr"
        found = dict(attrs)
        if "data-key" in found:
            self._open = str(found["data-key"])
            self.values[self._open] = (str(found.get("data-value")), "")

    def handle_data(self, data: str) -> None:
        if self._open:
            value, text = self.values[self._open]
            self.values[self._open] = (value, text + data)

    def handle_endtag(self, tag: str) -> None:
        self._open = None


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def ink(png: Path) -> tuple[float, float]:
    """Share of non-white pixels on the whole page and in its bottom third."""
    grey = Image.open(png).convert("L")
    dark = [v < 200 for v in grey.getdata()]
    third = grey.width * (2 * grey.height // 3)
    return sum(dark) / len(dark), sum(dark[third:]) / (len(dark) - third)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every attempt to open a socket connection, refused and recorded."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


def test_one_a4_page_with_ink_fonts_and_figures(tmp_path: Path, case, no_network) -> None:
    portfolio, sim = case
    result = export_roi_summary(
        tmp_path / "summary.html", tmp_path / "summary.pdf", portfolio=portfolio, simulation=sim,
        candidates=candidates(), whatif=whatif(), prepared=PREPARED,
        findings=["Half the cases wait more than 9 days before 'Check form'."],
        provenance={"name": "hand-made", "filter": {"from": None, "where": {}}},
    )  # fmt: skip
    assert (result.pages, result.candidates_shown, result.refused_urls) == (1, 3, ())
    assert no_network == []
    info = subprocess.run(["pdfinfo", str(result.pdf_path)], capture_output=True, text=True,
                          check=True).stdout  # fmt: skip
    assert "Pages:           1" in info and "595.276 x 841.89 pts (A4)" in info
    fonts = subprocess.run(["pdffonts", str(result.pdf_path)], capture_output=True, text=True,
                           check=True).stdout  # fmt: skip
    assert "DejaVu-Sans" in fonts and "DejaVu-Sans-Bold" in fonts
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(result.pdf_path), str(tmp_path / "page")],
                   check=True)  # fmt: skip
    assert sorted(p.name for p in tmp_path.glob("page*.png")) == ["page-1.png"]
    with Image.open(tmp_path / "page-1.png") as image:
        assert image.size == (414, 585)  # A4 at 50 dpi: 8.27 x 11.69 in
    whole, bottom = ink(tmp_path / "page-1.png")
    assert whole > 0.04 and bottom > 0.02, (whole, bottom)  # text and charts, down to the foot
    text = subprocess.run(["pdftotext", str(result.pdf_path), "-"], capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    assert SCRIPT in text and "£30k" in text and "clears 11 Mar 2024" in text


def test_headline_figures_equal_the_business_case(tmp_path: Path, case) -> None:
    portfolio, sim = case
    result = export_roi_summary(tmp_path / "s.html", None, portfolio=portfolio, simulation=sim,
                                candidates=candidates(), prepared=PREPARED)  # fmt: skip
    figures = portfolio_figures(portfolio, sim)
    assert result.figures == figures and result.pdf_path is None
    page = parse(result.html_path.read_text("utf-8"))  # type: ignore[union-attr]
    exact = {k: "" if v is None else repr(float(v)) for k, v in figures.items()}
    assert {k: v for k, (v, _) in page.values.items()} == exact
    shown = {k: text for k, (_, text) in page.values.items()}
    # By hand: 3 steps x 800 h = 2,400 h = 1.5 FTE of 1,600 h; one-off 3 x 10,000 = GBP 30k;
    # net 3 x (16,000 - 3,250) = 38,250 a year -> three figures, halves up: GBP 38.3k.
    assert (shown["annual_hours_saved"], shown["fte_released"]) == ("2,400", "1.5")
    assert (shown["one_off_cost_gbp"], shown["annual_net_benefit_gbp"]) == ("£30k", "£38.3k")
    for key in ("npv_gbp", "npv_p10_gbp", "npv_p90_gbp"):
        assert shown[key] == format_gbp(figures[key])
    assert shown["payback_months"] == format_months(figures["payback_months"], 5)
    assert sim.npv_gbp.p10 < portfolio.npv_gbp < sim.npv_gbp.p90


def test_log_text_is_escaped_and_never_fetched(tmp_path: Path, case, no_network) -> None:
    portfolio, sim = case
    result = export_roi_summary(
        tmp_path / "s.html", tmp_path / "s.pdf", portfolio=portfolio, simulation=sim,
        candidates=candidates(), whatif=whatif(), findings=[SCRIPT], prepared=PREPARED,
        provenance={"name": PIXEL}, title=SCRIPT,
    )  # fmt: skip
    html = result.html_path.read_text("utf-8")  # type: ignore[union-attr]
    assert "<script" not in html and "<img" not in html
    assert html.count(escape(SCRIPT)) >= 4  # title (twice), finding, candidate row
    assert escape(FORMULA) in html and escape(PIXEL) in html
    assert parse(html).tags <= ALLOWED_TAGS
    assert result.refused_urls == () and no_network == []


def test_the_fetcher_refuses_everything_but_data_urls(no_network) -> None:
    html = (
        "<html><head><style>@import url('https://example.invalid/a.css');</style>"
        "<link rel='stylesheet' href='file:///etc/hostname'></head><body><p>x</p>"
        f"{PIXEL}<img src=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' "
        "width='4' height='4'%3E%3Crect width='4' height='4'/%3E%3C/svg%3E\"></body></html>"
    )
    pdf, pages, refused = render_pdf(html)
    assert pdf.startswith(b"%PDF") and pages == 1
    assert sorted(refused) == ["file:///etc/hostname", "http://127.0.0.1:9/pixel.png",
                               "https://example.invalid/a.css"]  # fmt: skip
    assert no_network == []
    assert OfflineFetcher().fetch("data:text/plain,hello").read() == b"hello"


def test_too_many_candidates_are_cut_not_spilled(tmp_path: Path, case) -> None:
    portfolio, sim = case
    many = candidates(12, reason="Suits a software robot: " + "a rule decides the next step. " * 5)
    result = export_roi_summary(None, tmp_path / "s.pdf", portfolio=portfolio, simulation=sim,
                                candidates=many, whatif=whatif(), max_candidates=12,
                                prepared=PREPARED)  # fmt: skip
    shown = result.candidates_shown
    assert result.pages == 1 and 3 <= shown < 12 and result.html_path is None
    page = summary_html(portfolio=portfolio, simulation=sim, candidates=many, whatif=whatif(),
                        max_candidates=shown, prepared=PREPARED)  # fmt: skip
    assert parse(page).rows == shown + 1  # the header row and one row per candidate shown
    one_more = summary_html(portfolio=portfolio, simulation=sim, candidates=many,
                            whatif=whatif(), max_candidates=shown + 1, prepared=PREPARED)  # fmt: skip
    assert render_pdf(one_more)[1] == 2  # the largest count that fits was chosen


def test_backlog_what_if_and_its_absence(case) -> None:
    portfolio, sim = case
    w = whatif()
    with_it = summary_html(portfolio=portfolio, simulation=sim, whatif=w, prepared=PREPARED)
    assert "clears 11 Mar 2024" in with_it and "clears 5 Feb 2024" in with_it
    assert escape(w.summary()) in with_it
    assert "takes 20 days from start to finish today; with the automation, 14 days." in with_it
    assert "new cases and 30.0 finished a week (the average of the last 12 weeks)" in with_it
    without = summary_html(portfolio=portfolio, simulation=sim, prepared=PREPARED)
    assert "No backlog projection" in without and without.count("<svg") == 1
    assert with_it == summary_html(portfolio=portfolio, simulation=sim, whatif=w,
                                   prepared=PREPARED)  # fmt: skip


def test_empty_portfolio_and_bad_folder(tmp_path: Path) -> None:
    human = CaseInput(activity="Decide", process="P", automation_class="Human",
                      annual_executions=100, handling_time_s=60)  # fmt: skip
    empty = build_portfolio([human], ROUND)
    sim = simulate_portfolio(empty, runs=50)
    html = summary_html(portfolio=empty, simulation=sim, prepared=PREPARED)
    assert "No candidate pays for itself" in html and "no steps in the case" in html
    with pytest.raises(InputError, match="does not exist"):
        export_roi_summary(tmp_path / "s.html", tmp_path / "missing" / "s.pdf",
                           portfolio=empty, simulation=sim)  # fmt: skip
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
