"""The library seam: `import chanops` gives what the commands give, through the same Config.

Numbers from kpi_fixture and points_fixture (worked out by hand in their docstrings):
- November online share 4/6: successful orders o1–o4, o6, o7; online or platform o1, o2
  (campaign C1), o4 (outbound), o7 (hotline). October 1/1 (o9 on app).
- With [points] complaint_deduction = 10: G4's two complaints deduct 20.00 (net −20.00),
  G5's one 10.00; G2 nets 9.50 and ranks first.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

import chanops

from . import kpi_fixture, points_fixture
from .conftest import write_text


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tables = {**kpi_fixture.TABLES, **points_fixture.TABLES}
    return points_fixture.build(tmp_path_factory.mktemp("library"), tables)


def test_run_kpis_is_the_kpi_command(db, chanops_cli):
    config = chanops.load_config(None)
    with chanops.open_warehouse(db, read_only=True) as con:
        result = chanops.run_kpis(con, config, chanops.KpiRequest(month="2022-11", compare="prev"))
    [row] = result.frame.to_pylist()
    assert (row["online_share_num"], row["online_share_den"]) == (4, 6)
    assert row["online_share_prev"] == 1.0 and row["online_share_change"] == pytest.approx(4 / 6 - 1)
    cli = chanops_cli("kpi", "--month", "2022-11", "--compare", "prev", "--db", db, "--format", "json")
    assert cli.exit_code == 0, cli.stderr
    assert '"online_share_num":4,"online_share_den":6' in cli.stdout.replace(" ", "")


def test_run_statement_uses_the_config_and_records_the_run(db, tmp_path):
    config = chanops.Config.from_dict({"points": {"complaint_deduction": 10}})
    with chanops.open_warehouse(db, read_only=False) as con:
        run = chanops.run_statement(con, config, chanops.PointsRequest("2022-11", budget=None))
    rows = {r["staff_id"]: r for r in run.table.to_pylist()}
    assert rows["G4"]["deductions"] == Decimal("20.00") and rows["G4"]["net"] == Decimal("-20.00")
    assert rows["G5"]["deductions"] == Decimal("10.00")
    assert rows["G2"]["rank"] == 1 and rows["G2"]["net"] == Decimal("9.50")
    assert run.run_id is not None and run.run_id >= 1
    file_config = chanops.load_config(write_text(tmp_path / "c.toml", "[points]\ncomplaint_deduction = 10\n"))
    assert file_config.points == config.points


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[points]\ncomplaint_deduction = 'x'\n", "[points] complaint_deduction and category_deduction must be"),
        ("[prefer]\nwindow = 0\n", "[prefer] window and usage_cap must be whole numbers"),
        ("[quota]\nfax = 10\n", "[quota] fax: not a channel code"),
        ('[quota."2022-11"]\nsms = -1\n', '[quota."2022-11"] sms: quota must be a whole number'),
        ("[report]\nfocus_product = ''\n", "[report] focus_product must be a product name"),
        ("[points]\nbonus = 1\n", "[points]: unknown key(s) bonus"),
    ],
)
def test_every_section_is_validated_when_the_file_is_read(tmp_path, toml, message):
    path = write_text(tmp_path / "chanops.toml", toml)
    with pytest.raises(chanops.ChanopsError, match=re.escape(message)):
        chanops.load_config(path)
