"""Units travel with the KPI (SPEC §4): a share is a fraction shown as %, its change in
percentage points; a rate per million customers and its change are in their own unit. Every
surface renders from `Kpi.unit`, and the workbook stores each figure with a number format
naming the unit.

Worked by hand on the KPI fixture (tests/kpi_fixture.py), 2022-11 against 2022-10:
- online_share: Nov 4 / 6 (see test_kpi.py); Oct: the one successful order o9 (app, online)
  → 1 / 1. Change 4/6 − 1 = −1/3 of a fraction = −33.33pp, stored as −33.33 with a pp format.
- complaint_rate_per_million: Nov 3 × 1e6 / 4 = 750,000; Oct: complaint k4 over the customers
  active at 2022-10-31 (01 03 04 05; 08 churned that day, 02 and 06 joined later) = 1 × 1e6 / 4
  = 250,000. Change +500,000 in the same unit — stored as 500,000, never × 100.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from chanops.errors import ConfigError
from chanops.kpi.catalog import build_kpi_catalog
from chanops.present.numbers import kpi_text
from chanops.schema import KINDS

from . import kpi_fixture

SAMPLE_DATA = Path(__file__).resolve().parent.parent / "sample_data"
PP = '+0.00"pp";-0.00"pp";0.00"pp"'
PER_MILLION = '#,##0.00"/百万"'
PER_MILLION_CHANGE = '+#,##0.00"/百万";-#,##0.00"/百万";0.00"/百万"'


def test_every_builtin_declares_its_unit_and_the_change_unit_follows():
    catalog = build_kpi_catalog(None)
    assert {k.id: k.unit for k in catalog.values() if k.unit != "share"} == {
        "complaint_rate_per_million": "per_million"
    }
    assert catalog["online_share"].change_unit == "pp"
    assert catalog["complaint_rate_per_million"].change_unit == "per_million"
    assert kpi_text(catalog["online_share"], -1 / 3, change=True) == "-33.33pp"
    assert kpi_text(catalog["complaint_rate_per_million"], -4.0978, change=True) == "-4.10"


def test_user_kpis_say_unit_or_the_older_format():
    measure = {"source": "orders"}
    catalog = build_kpi_catalog(
        {
            "old_pct": {"numerator": measure, "denominator": measure, "format": "pct"},
            "old_number": {"numerator": measure, "denominator": measure, "format": "number", "scale": 10},
            "rate": {"numerator": measure, "denominator": measure, "unit": "per_million"},
            "fee": {"numerator": measure, "denominator": measure, "unit": "amount"},
            "plain": {"numerator": measure, "denominator": measure},
        }
    )
    assert [(catalog[k].unit, catalog[k].scale) for k in ("old_pct", "old_number", "rate", "fee", "plain")] == [
        ("share", 1.0),
        ("number", 10.0),
        ("per_million", 1_000_000.0),  # the unit's own scale unless `scale` says otherwise
        ("amount", 1.0),
        ("share", 1.0),
    ]
    assert catalog["fee"].change_unit == "amount" and catalog["old_pct"].format == "pct"
    with pytest.raises(ConfigError, match="unit must be one of share, per_million, amount, number"):
        build_kpi_catalog({"x": {"numerator": measure, "denominator": measure, "unit": "percent"}})
    with pytest.raises(ConfigError, match="contradicts"):
        build_kpi_catalog({"x": {"numerator": measure, "denominator": measure, "unit": "share", "format": "number"}})


def _rows(sheet) -> dict[str, list]:
    """KPI name → its row's cells (value, previous, change …), for a table with a 指标 header."""
    rows = {}
    for row in sheet.iter_rows():
        if row and isinstance(row[0].value, str) and len(row) > 3:
            rows[row[0].value] = list(row[1:])
    return rows


@pytest.fixture(scope="module")
def fixture_report(tmp_path_factory):
    from typer.testing import CliRunner

    from chanops.cli import app

    tmp = tmp_path_factory.mktemp("units")
    db = kpi_fixture.build(tmp)
    result = CliRunner().invoke(
        app, ["report", "monthly", "--month", "2022-11", "--db", str(db), "--out", str(tmp), "--formats", "xlsx"]
    )
    assert result.exit_code in (0, 3), result.stderr
    return openpyxl.load_workbook(tmp / "chanops-report-2022-11.xlsx")


@pytest.mark.parametrize("sheet", ["封面", "核心指标"])
def test_the_report_workbook_stores_each_change_in_its_unit(fixture_report, sheet):
    rows = _rows(fixture_report[sheet])
    value, previous, change = rows["线上产能占比"][:3]
    assert (value.value, previous.value) == (pytest.approx(4 / 6), pytest.approx(1.0))
    assert value.number_format == previous.number_format == "0.00%"
    assert (change.value, change.number_format) == (pytest.approx(-100 / 3), PP)
    value, previous, change = rows["百万客户申诉率"][:3]
    assert (value.value, previous.value) == (pytest.approx(750_000), pytest.approx(250_000))
    assert value.number_format == previous.number_format == PER_MILLION
    assert (change.value, change.number_format) == (pytest.approx(500_000), PER_MILLION_CHANGE)


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory):
    from typer.testing import CliRunner

    from chanops.cli import app

    db = tmp_path_factory.mktemp("sample") / "wh.duckdb"
    runner = CliRunner()
    for kind in KINDS:
        as_of = ["--as-of", "2022-11-30"] if kind == "customers" else []  # the sample's month-end snapshot
        result = runner.invoke(app, ["load", kind, str(SAMPLE_DATA / f"{kind}.csv"), "--db", str(db), *as_of])
        assert result.exit_code == 0, result.stderr
    return db


def test_sample_complaint_rate_change_is_the_kpi_commands_figure(sample_db, tmp_path):
    """Finding 1: `kpi --compare prev` says 638.09 vs 642.19, change −4.10; the workbook stored
    −409.78 with a pp format. Now it stores the command's −4.10, named per million."""
    from typer.testing import CliRunner

    from chanops.cli import app

    runner = CliRunner()
    kpi = runner.invoke(
        app, ["kpi", "--month", "2022-11", "--compare", "prev", "--format", "json", "--db", str(sample_db)]
    )
    assert kpi.exit_code == 0, kpi.stderr
    [record] = json.loads(kpi.stdout)
    assert record["complaint_rate_per_million_change"] == pytest.approx(-4.0978, abs=1e-4)
    assert 0 < record["online_share"] < 1  # JSON keeps full-precision fractions for shares
    report = runner.invoke(
        app, ["report", "monthly", "--month", "2022-11", "--db", str(sample_db), "--out", str(tmp_path)]
    )
    assert report.exit_code in (0, 3), report.stderr
    book = openpyxl.load_workbook(tmp_path / "chanops-report-2022-11.xlsx")
    for sheet in ("封面", "核心指标"):
        rows = _rows(book[sheet])
        change = rows["百万客户申诉率"][2]
        assert change.value == pytest.approx(record["complaint_rate_per_million_change"])
        assert change.number_format == PER_MILLION_CHANGE
        change = rows["线上产能占比"][2]
        assert change.value == pytest.approx(record["online_share_change"] * 100)
        assert change.number_format == PP

    # `kpi -o kpi.xlsx --layout wide`: the wide frame with the same units, labelled
    out = tmp_path / "kpi.xlsx"
    args = ["kpi", "--month", "2022-11", "--compare", "prev", "-o", str(out), "--db", str(sample_db)]
    kpi = runner.invoke(app, [*args, "--layout", "wide"])
    assert kpi.exit_code == 0, kpi.stderr
    sheet = openpyxl.load_workbook(out).active
    cells = {sheet.cell(1, c).value: sheet.cell(2, c) for c in range(1, sheet.max_column + 1)}
    change = cells["百万客户申诉率·变化"]
    assert change.number_format == PER_MILLION_CHANGE
    assert change.value == pytest.approx(record["complaint_rate_per_million_change"])
    assert cells["线上产能占比·变化"].number_format == PP
    assert cells["线上产能占比"].number_format == cells["线上产能占比·对比值"].number_format == "0.00%"
    assert cells["百万客户申诉率"].number_format == PER_MILLION
    assert cells["线上产能占比·分子"].number_format == "#,##0"  # a count, without decimals

    # the default, long: one row per KPI, each figure in its row's unit, as the report's headline
    kpi = runner.invoke(app, args)
    assert kpi.exit_code == 0, kpi.stderr
    sheet = openpyxl.load_workbook(out).active
    assert [c.value for c in sheet[1]] == ["月份", "指标", "值", "分子", "分母", "对比月份", "对比值", "变化"]
    rows = {row[1].value: row[2:] for row in sheet.iter_rows(min_row=2)}  # KPI → value … change
    value, numerator, change = rows["百万客户申诉率"][0], rows["百万客户申诉率"][1], rows["百万客户申诉率"][-1]
    assert (value.number_format, change.number_format) == (PER_MILLION, PER_MILLION_CHANGE)
    assert change.value == pytest.approx(record["complaint_rate_per_million_change"])
    assert numerator.value == record["complaint_rate_per_million_num"] and numerator.number_format == "#,##0"
    change = rows["线上产能占比"][-1]
    assert change.value == pytest.approx(record["online_share_change"] * 100) and change.number_format == PP
