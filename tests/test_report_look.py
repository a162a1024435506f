"""What a manager sees in the monthly report of a sample province: the workbook opened
with openpyxl, the HTML in Chromium at 1440 px. Numbers move with the sample, so these
tests check structure strictly and leave the figures to test_report and test_kpi."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from chanops.channels import DEFAULT_CHANNELS
from chanops.ingest.sample import SampleSpec, generate_sample
from chanops.kpi.catalog import BUILTIN_KPIS
from chanops.regions import OFFICIAL_ORDER
from chanops.report.axes import fitted_axis, tick_text

from .conftest import require

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import report_screenshots  # noqa: E402  (scripts/ is not a package)

CHANNEL_CODES = {c.code for c in DEFAULT_CHANNELS}
OTHER_CODES = {"true", "false", "new", "stable", "at_risk", "churned", "high", "medium", "low", "(all)"}
KPI_IDS = {k.id for k in BUILTIN_KPIS}


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """A 6,000-row sample province, loaded, reported in zh and en (lang → HTML path)."""
    root = tmp_path_factory.mktemp("look")
    generate_sample(SampleSpec(root / "sample", rows=6000, seed=3))
    db = report_screenshots.load_sample(root / "sample", root / "wh.duckdb")
    return report_screenshots.write_reports(db, root / "sample" / "chanops.toml", root / "report")


def test_fitted_axis_has_round_ticks_around_the_data():
    """Online share 38.3% … 45.3%: span 7.0 points plus 10% air each side (37.6–46.0) cut
    into about four → step 2.5 points, ticks 37.5% … 47.5%. A 1.1–1.6% platform rate gets
    steps of 0.2 points, never a 0–30% axis. Bars keep zero."""
    axis = fitted_axis([0.383, 0.396, 0.414, 0.426, 0.442, 0.453])
    assert [tick_text(t, axis.step, True) for t in axis.ticks] == ["37.5%", "40.0%", "42.5%", "45.0%", "47.5%"]
    small = fitted_axis([0.011, 0.016, 0.014])
    assert [tick_text(t, small.step, True) for t in small.ticks] == ["1.0%", "1.2%", "1.4%", "1.6%", "1.8%"]
    bars = fitted_axis([0.27, 0.57], include_zero=True)
    assert [tick_text(t, bars.step, True) for t in bars.ticks] == ["0%", "20%", "40%", "60%"]
    flat = fitted_axis([0.45, 0.45])  # one value: a band around it, not a zero-height axis
    assert flat.low < 0.45 < flat.high


def test_a_line_chart_whose_axis_leaves_zero_out_says_so():
    """电子渠道客户普及率 38.6% → 37.3%: span 1.3 points plus 10% air each side (37.17–38.73)
    cut into about four → steps of 0.5 points, ticks 37.0% … 39.0%: zero is far below, so the
    chart carries the break mark on its axis foot and says '纵轴未从 0 开始' (in English 'axis
    does not start at 0'). A line crossing zero and a bar chart (bars start at 0) carry neither."""
    from chanops.report import charts

    cut = charts.line_chart("电子渠道客户普及率", ["2022-10", "2022-11"], {"p": [0.386, 0.373]}, lang="zh")
    ticks = re.findall(r'class="tick">([^<]+)<', cut)
    assert ticks == ["37.0%", "37.5%", "38.0%", "38.5%", "39.0%"]
    assert 'class="axis-cut"' in cut and ">纵轴未从 0 开始</text>" in cut
    english = charts.line_chart("E-channel penetration", ["2022-10", "2022-11"], {"p": [0.386, 0.373]}, lang="en")
    assert ">axis does not start at 0</text>" in english
    crossing = charts.line_chart("change", ["2022-10", "2022-11"], {"c": [-0.01, 0.02]}, lang="zh")
    bars = charts.ranked_bars("普及率", ["a", "b"], [0.386, 0.373], str)
    assert "axis-cut" not in crossing and "axis-cut" not in bars


def test_workbook_holds_numbers_formats_filters_and_words(reports):
    book = load_workbook(reports["zh"].with_suffix(".xlsx"))
    names = book.sheetnames
    assert names[:4] == ["封面", "数据完整性检查", "核心指标", "近六个月趋势"]
    assert all(re.fullmatch(r"[A-Za-z_0-9]+", n) is None for n in names), names  # no English ids
    for sheet in book.worksheets[1:]:
        header = next(sheet.iter_rows(min_row=1, max_row=1))
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet.freeze_panes == "A2", sheet.title
        assert all(cell.font.b for cell in header), sheet.title
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    assert cell.value not in CHANNEL_CODES | OTHER_CODES, (sheet.title, cell.coordinate, cell.value)
    headline = book["核心指标"]
    rows = {r[0].value: r for r in headline.iter_rows(min_row=2)}
    online = rows["线上产能占比"]
    assert online[1].data_type == "n" and online[1].number_format == "0.00%"
    assert online[3].number_format == '+0.00"pp";-0.00"pp";0.00"pp"'
    assert -100 < online[3].value < 100  # percentage points, not a fraction
    complaints = rows["百万客户申诉率"]
    assert complaints[1].number_format == '#,##0.00"/百万"'  # a rate per million, not a percentage
    assert complaints[3].number_format == '+#,##0.00"/百万";-#,##0.00"/百万";0.00"/百万"'  # nor its change pp
    channels = book["分触点"]
    assert {c.number_format for c in next(channels.iter_cols(min_col=2, max_col=2, min_row=2))} == {"#,##0"}
    top = book["积分排名前20"]
    assert {c.number_format for c in next(top.iter_cols(min_col=9, max_col=9, min_row=2))} == {"#,##0.00"}
    # a CJK store name needs about two widths per character
    widest = max(len(c.value) for c in next(top.iter_cols(min_col=4, max_col=4, min_row=2)))
    assert top.column_dimensions["D"].width >= 2 * widest
    # the 盟市 in the province's official order, in every sheet that lists them (and so the charts)
    for name, column in (("分盟市", 1), ("保有率", 2), ("分区域", 1)):
        regions = [c.value for c in next(book[name].iter_cols(min_col=column, max_col=column, min_row=2))]
        assert regions == [r for r in OFFICIAL_ORDER if r in regions] and len(regions) >= 8, (name, regions)
    cover = book["封面"]
    assert cover["A1"].value.startswith("渠道运营月报")
    assert cover["A3"].value.startswith("数据完整性检查")


# the titles of the tables wider than their box: their last columns hidden in a scroll box
CLIPPED_TABLES = (
    "[...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1)"
    ".map(w => w.querySelector('h3') ? w.querySelector('h3').textContent : w.closest('section').id)"
)


@pytest.mark.browser
def test_report_reads_in_chromium_at_1440(reports, tmp_path):
    """Cards for every KPI with a value, no raw ids or codes in the zh report, charts with
    more than one distinct tick, the threshold drawn and the lagging 盟市 marked; a
    screenshot of each language is taken the way docs/ got its own."""
    require(importlib.util.find_spec("playwright") is not None, "playwright (the dev extra)")
    require(Path(report_screenshots.CHROMIUM).exists(), "Debian's chromium (make test-all installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=report_screenshots.CHROMIUM, args=report_screenshots.BROWSER_ARGS)
        try:
            context = browser.new_context(offline=True, viewport={"width": 1440, "height": 1800})
            page = context.new_page()
            errors = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: errors.append(r.url))
            page.goto(reports["zh"].as_uri(), wait_until="load")
            page.screenshot(path=str(tmp_path / "zh.png"))
            cards = page.eval_on_selector_all(
                ".card", "cs => cs.map(c => [c.dataset.kpi, c.querySelector('.value').textContent])"
            )
            ticks = page.eval_on_selector_all(
                "svg.chart", "ss => ss.map(s => [...s.querySelectorAll('text.tick')].map(t => t.textContent))"
            )
            cells = page.eval_on_selector_all("td", "ts => ts.map(t => t.textContent)")
            text = page.inner_text("body")
            thresholds = page.locator("svg.chart line.threshold").count()
            breached_bars = page.locator("svg.chart rect.bar.breach").count()
            toc = page.eval_on_selector_all("nav.toc a", "as => as.map(a => a.getAttribute('href'))")
            width = page.evaluate("document.querySelector('main').getBoundingClientRect().width")
            # a table wider than its box hides its last columns in a scroll box
            clipped = page.evaluate(CLIPPED_TABLES)
            movers = page.eval_on_selector_all(".movers .mover-line", "ms => ms.map(m => m.textContent)")
            cut_notes = page.locator("svg.chart .axis-cut-note").count()
            line_chart_count = page.locator("svg.chart polyline").count()
            page.goto(reports["en"].as_uri(), wait_until="load")
            page.screenshot(path=str(tmp_path / "en.png"))
            english = page.inner_text("body")
            clipped += page.evaluate(CLIPPED_TABLES)  # long English headers wrap rather than widen
        finally:
            browser.close()
    assert errors == []
    assert {kpi for kpi, _ in cards} == KPI_IDS
    assert all(value.strip() not in ("", "—") for _, value in cards), cards
    line_charts = [t for t in ticks if t]
    assert len(line_charts) >= 8 and all(len(set(t)) >= 3 for t in line_charts), ticks
    assert not KPI_IDS & set(re.findall(r"[a-z_]+", text)), "a raw KPI id in the zh report"
    assert not (CHANNEL_CODES | OTHER_CODES) & {c.strip() for c in cells}, "a code in a zh table"
    assert thresholds >= 3 and breached_bars >= 1  # the sample's lagging 兴安盟 is below the line
    assert toc[0] == "#completeness" and len(toc) >= 8
    assert width > 1300  # full width, not the left 55% of the screen
    assert clipped == [], f"tables cut at 1440 px: {clipped}"
    assert len(movers) == 3 and all("→" in m for m in movers), movers  # the HTML's 变化最大, as the Markdown
    # every trend chart's axis is fitted, none of these rates reaches 0 on it: each says so
    assert cut_notes >= 8 and cut_notes <= line_chart_count
    assert "Headline KPIs" in english and "线上产能占比" not in english
    for shot in ("zh.png", "en.png"):
        assert (tmp_path / shot).stat().st_size > 100_000  # a drawn page, not a blank one
