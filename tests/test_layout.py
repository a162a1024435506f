"""`--layout long|wide` and `--pivot DIM` on the hand-worked fixture (kpi_fixture.py), and the
CSV and workbook people open in a spreadsheet, read back by LibreOffice.

Worked by hand (orders of the fixture; a successful order counts online when it came from a
platform campaign or an online channel, once):
- 2022-10: o9 (A, app, success) → A online share 1/1 = 100%, order success 1/1; B has no order.
- 2022-11: A o1 (app, C1) o2 (store, C1) o3 (store) succeeded, o10 failed → online 2/3, success
  3/4; B o4 (outbound) o6 (partner_store) o7 (hotline) succeeded, o5 failed → online 2/3, 3/4.
- Province online share: October 1/1, November 4/6 → change 66.67% − 100% = −33.33pp.
- Complaints per million active customers: October k4 / (01 03 04 05 active at 10-31) = 1/4 →
  250,000; November k1 k2 k3 / (01 02 04 06) = 3/4 → 750,000, change +500,000.00. By region in
  November: A k1 / (01 02) = 500,000, B k2 / (04 06) = 500,000; k3 has no region (no msisdn).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from . import kpi_fixture
from .conftest import require


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return kpi_fixture.build(tmp_path_factory.mktemp("layout"))


SHARES = ("--metric", "online_share,order_success_rate", "--from", "2022-10", "--to", "2022-11", "--by", "region")


def test_pivot_month_for_a_program_spreads_every_column_of_the_wide_layout(chanops, db):
    """JSON is for programs: wide by default, so --pivot month repeats each column per month."""
    result = chanops("kpi", "--db", db, *SHARES, "--pivot", "month", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = {row["region"]: row for row in json.loads(result.stdout)}
    assert list(rows) == ["A", "B"]
    a, b = rows["A"], rows["B"]
    assert (a["online_share_2022-10"], a["online_share_num_2022-10"], a["online_share_den_2022-10"]) == (1.0, 1, 1)
    assert (a["online_share_2022-11"], a["order_success_rate_2022-11"]) == pytest.approx((2 / 3, 0.75))
    assert b["online_share_2022-10"] is None and b["online_share_2022-11"] == pytest.approx(2 / 3)
    assert list(a)[:3] == ["region", "online_share_2022-10", "online_share_2022-11"]  # months in time order


def test_pivot_month_in_the_long_layout_has_a_row_per_region_and_kpi(chanops, db):
    """--layout long on stdout CSV: ids and fractions still, one column per month of the value."""
    result = chanops("kpi", "--db", db, *SHARES, "--pivot", "month", "--layout", "long", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "region,kpi,unit,2022-10,2022-11",
        "A,online_share,share,1.0,0.6666666666666666",
        "A,order_success_rate,share,1.0,0.75",
        "B,online_share,share,,0.6666666666666666",
        "B,order_success_rate,share,,0.75",
    ]


def test_pivot_month_for_people_is_a_region_by_month_table(chanops, db):
    """The table (long for people): regions down, months across, each value in its unit."""
    result = chanops("kpi", "--db", db, *SHARES, "--pivot", "month", "--format", "markdown")
    assert result.exit_code == 0, result.stderr
    lines = [line.replace(" ", "") for line in result.stdout.splitlines()]
    assert lines[:3] == ["##kpi", "", "|地市|指标|2022-10|2022-11|"]
    assert lines[4:] == [
        "|A|线上产能占比|100.00%|66.67%|",
        "|A|办理成功率|100.00%|75.00%|",
        "|B|线上产能占比||66.67%|",
        "|B|办理成功率||75.00%|",
    ]


def test_one_kpi_goes_into_the_title_so_months_fit(chanops, db):
    result = chanops(
        "kpi", "--db", db, "--metric", "online_share", *SHARES[2:], "--pivot", "month", "--format", "table"
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[0].strip() == "kpi · 线上产能占比"
    assert "指标" not in result.stdout


def test_machine_csv_on_stdout_is_unchanged_unless_asked(chanops, db):
    plain = chanops("kpi", "--db", db, "--month", "2022-11", "--metric", "online_share", "--format", "csv")
    wide = chanops(
        "kpi", "--db", db, "--month", "2022-11", "--metric", "online_share", "--format", "csv", "--layout", "wide"
    )
    assert (
        plain.stdout
        == wide.stdout
        == "month,online_share,online_share_num,online_share_den\n2022-11,0.6666666666666666,4,6\n"
    )


def test_pivot_on_a_dimension_the_rows_do_not_carry_is_a_usage_error(chanops, db):
    result = chanops("kpi", "--db", db, *SHARES, "--pivot", "product", "--format", "csv")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "chanops: error: --pivot product: not a dimension of these rows; pivot one of month, region\n"
    )


def test_unknown_layout_is_a_usage_error(chanops, db):
    result = chanops("kpi", "--db", db, "--layout", "tall")
    assert result.exit_code == 2 and "tall" in result.stderr and len(result.stderr.splitlines()) == 1


def _excel_rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) and b"\r\n" in raw
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_excel_csv_pivoted_by_region_has_labels_and_figures_excel_reads_as_numbers(chanops, db, tmp_path):
    target = tmp_path / "kpi.csv"
    result = chanops(
        "kpi", "--db", db, "--month", "2022-11", "--metric", "online_share,complaint_rate_per_million",
        "--by", "region", "--pivot", "region", "-o", target,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert _excel_rows(target) == [
        ["月份", "指标", "单位", "A", "B", "未知"],
        ["2022-11", "线上产能占比", "占比（%），变化为百分点（pp）", "66.67%", "66.67%", ""],
        ["2022-11", "百万客户申诉率", "每百万", "500000.00", "500000.00", ""],
    ]


def test_excel_csv_long_shows_percentages_changes_in_pp_and_whole_counts(chanops, db, tmp_path):
    target = tmp_path / "kpi.csv"
    result = chanops(
        "kpi", "--db", db, "--month", "2022-11", "--metric", "online_share,complaint_rate_per_million",
        "--compare", "prev", "-o", target, "--lang", "en",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert _excel_rows(target) == [
        ["Month", "KPI", "Unit", "Value", "Numerator", "Denominator", "Compared month", "Compared", "Change"],
        ["2022-11", "Online share of orders", "share (%), change in pp", "66.67%", "4", "6", "2022-10", "100.00%",
         "-33.33"],
        ["2022-11", "Complaints per million customers", "per million", "750000.00", "3", "4", "2022-10",
         "250000.00", "500000.00"],
    ]  # fmt: skip


def test_excel_csv_wide_says_pp_in_the_header_of_a_change_of_a_share(chanops, db, tmp_path):
    target = tmp_path / "kpi.csv"
    result = chanops(
        "kpi", "--db", db, "--month", "2022-11", "--metric", "online_share", "--compare", "prev",
        "--layout", "wide", "--excel", "-o", target,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert _excel_rows(target) == [
        ["月份", "线上产能占比", "线上产能占比·分子", "线上产能占比·分母", "对比月份", "线上产能占比·对比值",
         "线上产能占比·变化（pp）"],
        ["2022-11", "66.67%", "4", "6", "2022-10", "100.00%", "-33.33"],
    ]  # fmt: skip


def test_workbook_pivoted_by_region_stores_typed_numbers_with_formats(chanops, db, tmp_path):
    import openpyxl

    target = tmp_path / "kpi.xlsx"
    result = chanops(
        "kpi", "--db", db, "--month", "2022-11", "--metric", "online_share,complaint_rate_per_million",
        "--by", "region", "--pivot", "region", "-o", target,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    sheet = openpyxl.load_workbook(target).active
    assert [c.value for c in sheet[1]] == ["月份", "指标", "A", "B", "未知"]
    share, complaints = sheet[2], sheet[3]
    assert share[1].value == "线上产能占比" and share[2].value == pytest.approx(2 / 3)
    assert share[2].number_format == "0.00%"
    assert complaints[2].value == 500_000 and complaints[2].number_format == '#,##0.00"/百万"'


# --- LibreOffice reads them back -------------------------------------------------------------


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _convert(source: Path, out: Path, *, csv_import: bool = False) -> Path:
    """LibreOffice headless: `source` re-saved as xlsx in `out` (a CSV read as UTF-8, comma-separated)."""
    soffice = _soffice()
    assert soffice is not None
    out.mkdir()
    command = [soffice, f"-env:UserInstallation=file://{out.parent / 'lo-profile'}", "--headless"]
    if csv_import:
        command.append("--infilter=CSV:44,34,76,1")  # comma, double quote, UTF-8, from line 1
    command += ["--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(source)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=180, env={**os.environ, "HOME": str(out.parent)}
    )
    converted = out / f"{source.stem}.xlsx"
    assert done.returncode == 0 and converted.exists(), done.stderr or done.stdout
    return converted


@pytest.mark.office
def test_libreoffice_reads_the_pivoted_workbook_and_the_excel_csv_with_labels_and_numbers(chanops, db, tmp_path):
    """What a manager opens: LibreOffice converts both files; the Chinese headers come back and
    every figure is a number (a share with a percentage format), not text."""
    require(_soffice() is not None, "LibreOffice (soffice)")
    import openpyxl

    args = ["kpi", "--db", db, "--month", "2022-11", "--metric", "online_share,complaint_rate_per_million",
            "--by", "region", "--pivot", "region"]  # fmt: skip
    book, sheet_csv = tmp_path / "kpi.xlsx", tmp_path / "kpi-excel.csv"
    assert chanops(*args, "-o", book).exit_code == 0
    assert chanops(*args, "--excel", "--format", "csv", "-o", sheet_csv).exit_code == 0

    for converted in (
        _convert(book, tmp_path / "from-xlsx"),
        _convert(sheet_csv, tmp_path / "from-csv", csv_import=True),
    ):
        sheet = openpyxl.load_workbook(converted).active
        header = [c.value for c in sheet[1]]
        assert header[:2] == ["月份", "指标"] and header[-3:] == ["A", "B", "未知"]
        a = header.index("A")
        share_a, complaints_a = sheet[2][a], sheet[3][a]
        assert sheet[2][1].value == "线上产能占比" and sheet[3][1].value == "百万客户申诉率"
        assert share_a.data_type == "n" and share_a.value == pytest.approx(2 / 3, abs=5e-5)
        assert "%" in share_a.number_format
        assert complaints_a.data_type == "n" and complaints_a.value == pytest.approx(500_000)


# --- any command's rows ----------------------------------------------------------------------


def test_pivot_of_any_section_orders_regions_officially_and_names_codes_for_people(capsys):
    """Rows from any command pivot alike: regions across in the official order (呼和浩特 before
    乌海, whatever order the rows come in), a touchpoint's label goes across with its code, and a
    channel code reads as its name in a people format."""
    import polars as pl

    from chanops.present.formats import OutputOptions
    from chanops.present.output import emit
    from chanops.present.section import Section

    orders = pl.DataFrame(
        {
            "month": ["2022-11", "2022-11", "2022-10", "2022-10"],
            "region": ["乌海", "呼和浩特", "乌海", "呼和浩特"],
            "orders": [1, 2, 3, 4],
        }
    )
    emit(Section(orders, "orders"), OutputOptions(format="csv", pivot="region"))
    assert capsys.readouterr().out == "month,呼和浩特,乌海\n2022-11,2,1\n2022-10,4,3\n"

    used = pl.DataFrame({"channel": ["store", "app"], "label": ["自有营业厅", "手机营业厅"], "used": [5, 7]})
    emit(Section(used, "quota"), OutputOptions(format="csv", pivot="channel"))
    assert capsys.readouterr().out == "label_store,label_app,used_store,used_app\n自有营业厅,手机营业厅,5,7\n"
    emit(Section(used.drop("label"), "quota"), OutputOptions(format="markdown", pivot="channel"))
    lines = [line.replace(" ", "") for line in capsys.readouterr().out.splitlines()]
    assert (lines[2], lines[4]) == ("|自有营业厅|手机营业厅|", "|5|7|")
