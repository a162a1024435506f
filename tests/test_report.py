"""`chanops report monthly`: opened in a real browser offline, XLSX read back, masking,
atomic writes, cron exit codes."""

from __future__ import annotations

import importlib.util
import shutil
import zipfile
from html import escape
from pathlib import Path

import polars as pl
import pytest

from chanops.report import write as report_write

from . import kpi_fixture, points_fixture
from .conftest import require, write_text

INJECTED = '=HYPERLINK("http://evil.example","x")'
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    # the KPI province plus the points case, one staff named like a spreadsheet formula
    entries = points_fixture.ENTRIES.replace("李娜", '"' + INJECTED.replace('"', '""') + '"')
    tables = {**kpi_fixture.TABLES, **points_fixture.TABLES, "entries": entries}
    return points_fixture.build(tmp_path_factory.mktemp("report"), tables)


def run_report(chanops, db, out, *extra):
    result = chanops("report", "monthly", "--month", "2022-11", "--out", out, "--db", db, *extra)
    assert result.exit_code in (0, 3), result.stderr
    return result


def test_writes_three_files_atomically_named(chanops, db, tmp_path):
    result = run_report(chanops, db, tmp_path / "out")
    assert result.stdout == ""
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == ["chanops-report-2022-11.html", "chanops-report-2022-11.md", "chanops-report-2022-11.xlsx"]
    markdown = (tmp_path / "out" / "chanops-report-2022-11.md").read_text(encoding="utf-8")
    # online share 4/6 in November vs 1/1 in October (see kpi_fixture)
    assert "| 线上产能占比 | 66.67% | 100.00% | -33.33pp |  |" in markdown


def test_html_is_self_contained_and_masks_phone_numbers(chanops, db, tmp_path):
    run_report(chanops, db, tmp_path / "zh")
    html = (tmp_path / "zh" / "chanops-report-2022-11.html").read_text(encoding="utf-8")
    for forbidden in ("<script", "<link", "src=", "url(", "@import"):
        assert forbidden not in html
    # the only URLs are the SVG namespace (never fetched) and the formula-like staff name, as text
    rest = html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(escape(INJECTED), "")
    assert "http" not in rest
    assert html.count("<svg") >= 4
    assert "138****0002" in html and "13800000002" not in html  # an app promotion target
    run_report(chanops, db, tmp_path / "en", "--lang", "en", "--unmask")
    english = (tmp_path / "en" / "chanops-report-2022-11.html").read_text(encoding="utf-8")
    assert "Headline KPIs" in english and "13800000002" in english


@pytest.mark.browser
def test_report_opens_offline_in_headless_chromium(chanops, db, tmp_path):
    require(importlib.util.find_spec("playwright") is not None, "playwright (the dev extra)")
    require(Path(CHROMIUM).exists(), "Debian's chromium (make test-all installs it)")
    from playwright import sync_api as playwright

    run_report(chanops, db, tmp_path)
    page_path = tmp_path / "chanops-report-2022-11.html"
    errors, failed = [], []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            page = browser.new_context(offline=True, viewport={"width": 1200, "height": 1600}).new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.on("requestfailed", lambda r: failed.append(r.url))
            page.goto("about:blank")
            blank = page.screenshot(full_page=False)
            page.goto(page_path.as_uri(), wait_until="load")
            shot = page.screenshot(full_page=False)
            charts = page.locator("svg.chart").count()
        finally:
            browser.close()
    assert errors == [] and failed == []
    assert charts >= 4
    # a blank page compresses to almost nothing; the report's tables and charts do not
    assert shot != blank and len(shot) > 5 * len(blank)


def test_xlsx_has_real_numbers_and_formula_like_text_is_neutralized(chanops, db, tmp_path):
    run_report(chanops, db, tmp_path)
    book = tmp_path / "chanops-report-2022-11.xlsx"
    with zipfile.ZipFile(book) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert all("<f>" not in z.read(n).decode() for n in sheets)  # no formulas anywhere
        strings = z.read("xl/sharedStrings.xml").decode()
        assert "'" + INJECTED in strings.replace("&quot;", '"').replace("&apos;", "'")
        workbook = z.read("xl/workbook.xml").decode()
    for sheet in ("封面", "核心指标", "分盟市", "积分排名前20", "分电子渠道", "生命周期"):
        assert f'name="{sheet}"' in workbook
    region = pl.read_excel(book, sheet_name="分盟市")
    assert region.schema["线上产能占比"] == pl.Float64
    top = pl.read_excel(book, sheet_name="积分排名前20")
    assert "'" + INJECTED in top["姓名"].to_list()  # a leading apostrophe (SPEC §11)
    assert top["奖励金额"].dtype.is_numeric()


def test_failed_write_leaves_no_partial_file(db, tmp_path, monkeypatch):
    import duckdb

    from chanops.config import Config
    from chanops.present.formats import OutputOptions
    from chanops.report import ReportRequest, build_report

    con = duckdb.connect(str(db), read_only=True)
    report = build_report(con, Config(), ReportRequest("2022-11"))
    con.close()

    def broken(report, fh, options):
        fh.write(b"PK\x03\x04 half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(report_write, "write_report_xlsx", broken)
    with pytest.raises(OSError, match="disk full"):
        report_write.write_report(report, tmp_path, ["html", "xlsx"], OutputOptions())
    assert [p.name for p in tmp_path.iterdir()] == ["chanops-report-2022-11.html"]


def test_no_data_month_and_check(chanops, db, tmp_path):
    empty = chanops("report", "monthly", "--month", "2021-01", "--out", tmp_path / "x", "--db", db)
    assert empty.exit_code == 1
    assert empty.stderr == "chanops: error: no data for 2021-01: nothing to report\n"
    assert not (tmp_path / "x").exists()
    (tmp_path / "cfg").mkdir()
    config = write_text(tmp_path / "cfg" / "alerts.toml", "[kpis.order_success_rate]\nmin = 0.9\n")
    checked = run_report(chanops, db, tmp_path / "y", "--check", "--config", config)
    assert checked.exit_code == 3
    assert "breach: order_success_rate 2022-11: 75.00% below min 90.00%" in checked.stderr
    assert (tmp_path / "y" / "chanops-report-2022-11.html").exists()


def test_report_reads_the_config_the_commands_read(chanops, db, tmp_path):
    """[points] complaint_deduction = 10 reaches the report as it reaches `points statement`.

    Hand-worked from points_fixture: G4 has two November complaints (k1, k2) → 2 × 10 = 20.00
    deducted, net −20.00; G5 one → 10.00, net −10.00 (the default 2 per complaint gave 4 and 2).
    `--budget 1,000` is the same amount for the report as for the statement."""
    config = write_text(tmp_path / "chanops.toml", "[points]\ncomplaint_deduction = 10\n")
    run_report(chanops, db, tmp_path / "out", "--config", config, "--lang", "en", "--budget", "1,000")
    top = pl.read_excel(tmp_path / "out" / "chanops-report-2022-11.xlsx", sheet_name="Top 20 by points")
    deductions = dict(zip(top["Staff ID"], top["Deductions"], strict=True))
    assert deductions["G4"] == 20.0 and deductions["G5"] == 10.0 and deductions["G2"] == 0.0
    net = dict(zip(top["Staff ID"], top["Net"], strict=True))
    assert net["G4"] == -20.0 and net["G5"] == -10.0
    statement = chanops(
        "points",
        "statement",
        "--month",
        "2022-11",
        "--db",
        db,
        "--config",
        config,
        "--format",
        "csv",
        "--budget",
        "1,000",
    )
    assert statement.exit_code == 0, statement.stderr
    g4 = next(line for line in statement.stdout.splitlines() if line.startswith("G4,"))
    assert ",20.00,0.00,-20.00," in g4  # deductions, adjustments, net


@pytest.mark.parametrize(
    ("budget", "message"),
    [
        ("NaN", "--budget must be a number, got 'NaN'"),
        ("-5", "--budget cannot be negative"),
        ("1e30", "--budget is too large"),
        ("abc", "--budget must be a number, got 'abc'"),
    ],
)
def test_report_budget_is_parsed_like_the_statements(chanops, db, tmp_path, budget, message):
    """One parser for --budget: the report refuses what `points statement` refuses, in one line."""
    for args in (
        ["report", "monthly", "--month", "2022-11", "--out", tmp_path / "x"],
        ["points", "statement", "--month", "2022-11"],
    ):
        result = chanops(*args, "--db", db, "--budget", budget)
        assert result.exit_code == 2, (args, result.stderr)
        assert message in result.stderr and result.stderr.count("\n") == 1
        assert "internal error" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_a_breach_is_named_in_words_coloured_and_marked_where_it_happens(chanops, db, tmp_path):
    """呼通率 with `min = 0.6`, worked from kpi_fixture: in November region B called 04, 05,
    12 and 13 and connected 04 (c7) and 05 (c8) → 2/4 = 50.00%, below 60%, for B and the
    province alike (A made no outbound calls: no value, no breach). October: 14 called and
    connected (c11) → 100.00%, so the change is −50.00pp, bad news for a rate where higher
    is better."""
    config = write_text(tmp_path / "chanops.toml", "[kpis.outbound_connect_rate]\nmin = 0.6\n")
    run_report(chanops, db, tmp_path / "out", "--config", config)
    markdown = (tmp_path / "out" / "chanops-report-2022-11.md").read_text(encoding="utf-8")
    assert "| 呼通率 | **50.00%** ⚠ | 100.00% | -50.00pp | ≥ 60.00% |" in markdown
    assert "- 呼通率 50.00%，低于下限 60.00%" in markdown
    assert "- 呼通率 B 50.00%，低于下限 60.00%" in markdown
    assert "- 呼通率: 100.00% → 50.00% (-50.00pp, 变差)" in markdown
    html = (tmp_path / "out" / "chanops-report-2022-11.html").read_text(encoding="utf-8")
    start = html.index('data-kpi="outbound_connect_rate"')
    card = html[html.rindex("<div", 0, start) : html.index('<div class="card', start)]
    assert card.startswith('<div class="card breach"')
    assert 'class="change bad">▼ -50.00pp' in card and "下限 60.00%" in card
    assert html.count('<td class="n breach">50.00%</td>') == 1  # B's cell in the region table
    assert "1 项全省指标未达考核线；1 项分盟市指标未达标" in html
