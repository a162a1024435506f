"""`chanops check`: data completeness before the report goes out (SPEC §13).

The fixture: August to October 2022, every day 3 orders and 3 contacts in each of regions
A and B — 186 orders in August and October (31 days × 6), 180 in September; the median of
the three months is 186, per region 93. November varies per test:
- clean: every day 3 + 3 → 180 orders (97% of 186), 90 per region (97% of 93): all pass; the
  two loads that wrote November read 732 lines each (186 + 180 + 186 + 180), none rejected;
- 30% volume: 1 + 1 a day → 60 (32%): volume and both regions breach;
- vanished region: 6 a day in A only → 180 (97%, passes), A 180 (194% of 93, passes), B 0: breach;
- a day with no orders: clean but nothing on 2022-11-15 → 174 (94%, passes), empty_days 1: breach;
- missing kinds: the default list of kinds, of which only orders and contacts are loaded.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from pathlib import Path

import pytest

from chanops.channels import build_catalog
from chanops.ingest.loader import LoadOptions, load_files
from chanops.store.warehouse import connect

from .conftest import write_text

ONLY_EVENTS = '[check]\nkinds = ["orders", "contacts"]\n'


def days(month: str):
    first = date.fromisoformat(month + "-01")
    day = first
    while day.month == first.month:
        yield day
        day += timedelta(days=1)


def extracts(tmp: Path, november: dict[str, int], skip_day: str | None = None) -> tuple[Path, Path]:
    """Orders and contacts files: per region, this many rows a day (3 before November)."""
    orders, contacts, n = (
        ["order_id,order_time,msisdn,region,channel,product,status"],
        ["contact_id,contact_time,msisdn,region,touchpoint,campaign_id,reached"],
        0,
    )
    for month in ("2022-08", "2022-09", "2022-10", "2022-11"):
        per_region = november if month == "2022-11" else {"A": 3, "B": 3}
        for day in days(month):
            if skip_day and day.isoformat() == skip_day:
                continue
            for region, count in per_region.items():
                for _ in range(count):
                    n += 1
                    orders.append(f"O{n},{day} 10:00:00,138{n:08d},{region},app,视频彩铃,成功")
                    contacts.append(f"C{n},{day} 09:00:00,138{n:08d},{region},sms,MK1,是")
    return (
        write_text(tmp / "orders.csv", "\n".join(orders) + "\n"),
        write_text(tmp / "contacts.csv", "\n".join(contacts) + "\n"),
    )


def warehouse(tmp: Path, november: dict[str, int], skip_day: str | None = None) -> Path:
    db = tmp / "wh.duckdb"
    orders, contacts = extracts(tmp, november, skip_day)
    con = connect(db, read_only=False)
    try:
        load_files(con, "orders", [orders], build_catalog(None), LoadOptions())
        load_files(con, "contacts", [contacts], build_catalog(None), LoadOptions())
    finally:
        con.close()
    return db


def check(chanops, db: Path, tmp: Path, config: str = ONLY_EVENTS):
    cfg = write_text(tmp / "chanops.toml", config)
    result = chanops("check", "--month", "2022-11", "--db", db, "--config", cfg, "--format", "csv")
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    # figure (a number), detail, status
    return result, {(r[0], r[1], r[2]): (float(r[3]), r[5], r[7]) for r in rows}


def test_a_clean_month_passes(chanops, tmp_path):
    db = warehouse(tmp_path, {"A": 3, "B": 3})
    result, rows = check(chanops, db, tmp_path)
    assert result.exit_code == 0, result.stderr
    assert rows[("volume", "orders", "")] == (180, "97% of the median", "pass")
    assert rows[("region_volume", "orders", "A")] == (90, "97% of the median", "pass")
    assert rows[("empty_days", "orders", "")] == (0, "", "pass")
    assert rows[("reject_share", "", "")] == (0.0, "0 of 1,464 rows read", "pass")
    assert {status for _figure, _detail, status in rows.values()} == {"pass"}


def test_a_month_at_30_percent_is_a_breach(chanops, tmp_path):
    db = warehouse(tmp_path, {"A": 1, "B": 1})
    result, rows = check(chanops, db, tmp_path)
    assert result.exit_code == 3
    assert rows[("volume", "orders", "")] == (60, "32% of the median", "breach")
    assert rows[("region_volume", "contacts", "B")] == (30, "32% of the median", "breach")
    assert (
        "breach: volume orders: 60 (32% of the median) (expected 0.5–2 × median 186 of the previous months)"
        in result.stderr
    )


def test_a_vanished_region_is_a_breach(chanops, tmp_path):
    db = warehouse(tmp_path, {"A": 6})
    result, rows = check(chanops, db, tmp_path)
    assert result.exit_code == 3
    assert rows[("volume", "orders", "")] == (180, "97% of the median", "pass")
    assert rows[("region_volume", "orders", "A")] == (180, "194% of the median", "pass")
    assert rows[("region_volume", "orders", "B")] == (0, "", "breach")
    assert result.stderr.endswith("chanops: error: 2 completeness test(s) breached for 2022-11\n")


def test_a_day_without_orders_is_a_breach(chanops, tmp_path):
    db = warehouse(tmp_path, {"A": 3, "B": 3}, skip_day="2022-11-15")
    result, rows = check(chanops, db, tmp_path)
    assert result.exit_code == 3
    assert rows[("empty_days", "orders", "")] == (1, "2022-11-15", "breach")
    assert rows[("volume", "orders", "")] == (174, "94% of the median", "pass")


def test_a_months_last_second_is_its_last_day_and_the_next_months_first_is_not_the_month(chanops, tmp_path):
    """Clean, but nothing on 2022-11-30 but one order at 23:59:59 in A, loaded by a second file
    with one at 2022-12-01 00:00:00 in B: November holds 29 × 6 + 1 = 175 orders (94% of 186),
    A 88 (95% of 93), B 87 (94%); the 30th has an order, no contact; the three loads that
    wrote November read 726 + 726 + 2 lines."""
    db = warehouse(tmp_path, {"A": 3, "B": 3}, skip_day="2022-11-30")
    late = write_text(
        tmp_path / "late.csv",
        "order_id,order_time,msisdn,region,channel,product,status\n"
        "L1,2022-11-30 23:59:59,13900000001,A,app,视频彩铃,成功\n"
        "L2,2022-12-01 00:00:00,13900000002,B,app,视频彩铃,成功\n",
    )
    con = connect(db, read_only=False)
    try:
        load_files(con, "orders", [late], build_catalog(None), LoadOptions())
    finally:
        con.close()
    result, rows = check(chanops, db, tmp_path)
    assert rows[("kind_loaded", "orders", "")] == (175, "", "pass")
    assert rows[("volume", "orders", "")] == (175, "94% of the median", "pass")
    assert rows[("region_volume", "orders", "A")] == (88, "95% of the median", "pass")
    assert rows[("region_volume", "orders", "B")] == (87, "94% of the median", "pass")
    assert rows[("empty_days", "orders", "")] == (0, "", "pass")
    assert rows[("empty_days", "contacts", "")] == (1, "2022-11-30", "breach")
    assert rows[("reject_share", "", "")] == (0.0, "0 of 1,454 rows read", "pass")
    assert result.exit_code == 3


def test_kinds_not_loaded_are_breaches(chanops, tmp_path):
    """The default: every kind the report reads. Only orders and contacts are here."""
    db = warehouse(tmp_path, {"A": 3, "B": 3})
    result, rows = check(chanops, db, tmp_path, config="")
    assert result.exit_code == 3
    missing = sorted(k for (test, k, _r), (*_f, status) in rows.items() if test == "kind_loaded" and status == "breach")
    assert missing == sorted(["entries", "valid", "rules", "complaints", "usage", "signals", "customers", "billing"])


def test_the_report_puts_the_check_first_and_check_fails_the_job(chanops, tmp_path):
    db = warehouse(tmp_path, {"A": 6})
    cfg = write_text(tmp_path / "chanops.toml", ONLY_EVENTS)
    out = tmp_path / "report"
    result = chanops("report", "monthly", "--month", "2022-11", "--out", out, "--db", db, "--config", cfg, "--check")
    assert result.exit_code == 3
    assert "breach: region_volume orders B: 0" in result.stderr
    markdown = (out / "chanops-report-2022-11.md").read_text(encoding="utf-8")
    assert markdown.splitlines()[2] == "**数据完整性检查：2 项未通过**"
    html = (out / "chanops-report-2022-11.html").read_text(encoding="utf-8")
    assert html.index('id="completeness"') < html.index('id="headline"')
    from openpyxl import load_workbook

    # the cover says it first, then the check's own sheet
    assert load_workbook(out / "chanops-report-2022-11.xlsx").sheetnames[:2] == ["封面", "数据完整性检查"]


def test_the_report_workbook_holds_the_check_as_numbers_and_is_the_same_on_a_rerun(chanops, tmp_path):
    """The fixture's November: 3 orders a day in each of A and B (180 orders, 90 per region),
    and 2 × 3 contacts a day over 30 days; nothing rejected. The completeness sheet's 实际
    column holds those counts as numbers under #,##0 and the reject share as 0 under 0.00%,
    the 说明 column the words beside them; a second run writes the same bytes."""
    from openpyxl import load_workbook

    db = warehouse(tmp_path, {"A": 3, "B": 3})
    cfg = write_text(tmp_path / "chanops.toml", ONLY_EVENTS)
    books = []
    for run in ("first", "second"):
        out = tmp_path / run
        result = chanops("report", "monthly", "--month", "2022-11", "--out", out, "--db", db, "--config", cfg)
        assert result.exit_code == 0, result.stderr
        books.append(out / "chanops-report-2022-11.xlsx")
    assert books[0].read_bytes() == books[1].read_bytes()
    sheet = load_workbook(books[0])["数据完整性检查"]
    header = [c.value for c in sheet[1]]
    assert header[:7] == ["检查项", "数据类型", "地市", "实际", "说明", "预期", "状态"]
    rows = {(r[0].value, r[1].value, r[2].value): r for r in sheet.iter_rows(min_row=2)}
    volume = rows[("数据量", "业务办理记录", None)]
    assert (volume[3].value, volume[3].number_format, volume[4].value) == (180, "#,##0", "为中位数的 97%")
    region = rows[("分地市数据量", "业务办理记录", "A")]
    assert (region[3].value, region[3].data_type) == (90, "n")
    rejects = rows[("拒绝率", None, None)]
    assert (rejects[3].value, rejects[3].number_format) == (0, "0.00%")
    assert rejects[4].value.startswith("读入 ")
    assert all(row[3].data_type == "n" for row in rows.values())  # no count stored as text
    assert load_workbook(books[0]).properties.created.isoformat() == "2022-12-01T00:00:00"


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[check]\nkinds = ['orders', 'faxes']\n", "[check] kinds must be a list of kinds"),
        ("[check]\nlow = 3\n", "[check] low must not be above high"),
        ("[check]\nmax_reject_share = -1\n", "[check] max_reject_share must be a non-negative number"),
    ],
)
def test_check_settings_are_validated(chanops, tmp_path, toml, message):
    cfg = write_text(tmp_path / "chanops.toml", toml)
    result = chanops("check", "--db", tmp_path / "none.duckdb", "--config", cfg)
    assert result.exit_code == 2 and message in result.stderr
