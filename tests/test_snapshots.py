"""Customer snapshots in as-of order (SPEC §2.1 "A snapshot is only as good as its date";
issue 26 items 3, 5 and 11): where the as-of comes from, and an older snapshot loaded late
going into the history at its place."""

from __future__ import annotations

from datetime import date

import pytest

from chanops.errors import UsageError
from chanops.ingest.snapshot import as_of_from_name

from .conftest import query, write_text

HEADER = "手机号码,地市,入网时间,离网时间\n"
STATES = "SELECT msisdn, region, churn_date, _valid_from, _valid_to, _seen FROM customers ORDER BY 1, 4 NULLS FIRST"


def load(chanops, path, db, *extra):
    return chanops("load", "customers", path, "--db", db, *extra)


def test_an_older_snapshot_loaded_late_goes_into_history_and_never_becomes_current(chanops, tmp_path, db):
    """The issue's month-end: the 2022-12-31 snapshot first (01 churned 2022-12-15, 02
    active), then the 2022-11-30 one (01 and 02 active, 03 joined 2022-11-03). Before: 01's
    November state closed the December one at 11-30 and became current — the churn was gone.
    Now 01 is not churned until 12-31 and churned from then on (current); 02 is the same in
    both (one state, seen on 11-30 and 12-31); 03 is new. Second load: read 3 = loaded 3
    (new 1, changed 1, unchanged 1), rejected 0."""
    december = write_text(
        tmp_path / "dec.csv", HEADER + "13800000001,包头,2020-01-01,2022-12-15\n13800000002,包头,2020-01-01,\n"
    )
    november = write_text(
        tmp_path / "nov.csv",
        HEADER + "13800000001,包头,2020-01-01,\n13800000002,包头,2020-01-01,\n13800000003,赤峰,2022-11-03,\n",
    )
    assert load(chanops, december, db, "--as-of", "2022-12-31").exit_code == 0
    late = load(chanops, november, db, "--as-of", "2022-11-30")
    assert late.exit_code == 0, late.stderr
    assert "read 3, loaded 3, rejected 0" in late.stderr
    assert "as of 2022-11-30: customers new 1, changed 1, unchanged 1" in late.stderr
    nov, dec = date(2022, 11, 30), date(2022, 12, 31)
    assert query(db, STATES) == [
        ("13800000001", "包头", None, None, dec, [nov]),
        ("13800000001", "包头", date(2022, 12, 15), dec, None, [dec]),
        ("13800000002", "包头", None, None, None, [nov, dec]),
        ("13800000003", "赤峰", None, None, None, [nov]),
    ]
    assert query(db, "SELECT msisdn, churn_date FROM customers WHERE _valid_to IS NULL AND churn_date IS NOT NULL") == [
        ("13800000001", date(2022, 12, 15))
    ]


def test_a_snapshot_between_two_that_agree_is_in_force_only_until_the_later_one(chanops, tmp_path, db):
    """01 is 包头 on 2022-10-31 and on 2022-12-31 (unchanged: one state seen twice); the
    2022-11-30 snapshot, loaded last, says 赤峰. History: 包头 until 11-30, 赤峰 from 11-30
    until 12-31, 包头 from 12-31 (current). Before, 赤峰 became current."""
    loads = (("oct", "包头", "2022-10-31"), ("dec", "包头", "2022-12-31"), ("nov", "赤峰", "2022-11-30"))
    for name, region, day in loads:
        extract = write_text(tmp_path / f"{name}.csv", HEADER + f"13800000001,{region},2020-01-01,\n")
        result = load(chanops, extract, db, "--as-of", day)
        assert result.exit_code == 0, result.stderr
    oct_, nov, dec = date(2022, 10, 31), date(2022, 11, 30), date(2022, 12, 31)
    assert "customers new 0, changed 1, unchanged 0" in result.stderr
    assert query(db, STATES) == [
        ("13800000001", "包头", None, None, nov, [oct_]),
        ("13800000001", "赤峰", None, nov, dec, [nov]),
        ("13800000001", "包头", None, dec, None, [dec]),
    ]


def test_a_snapshot_of_the_same_day_again_supersedes_that_day(chanops, tmp_path, db):
    """Two extracts as of 2022-11-30: 01 包头, then 01 赤峰. The second replaces what that day
    said (one state, 赤峰, seen on 11-30; counted changed), it is not kept beside it."""
    first = write_text(tmp_path / "a.csv", HEADER + "13800000001,包头,2020-01-01,\n")
    second = write_text(tmp_path / "b.csv", HEADER + "13800000001,赤峰,2020-01-01,\n")
    assert load(chanops, first, db, "--as-of", "2022-11-30").exit_code == 0
    result = load(chanops, second, db, "--as-of", "2022-11-30")
    assert "customers new 0, changed 1, unchanged 0" in result.stderr
    assert query(db, STATES) == [("13800000001", "赤峰", None, None, None, [date(2022, 11, 30)])]


def test_without_a_date_a_snapshot_is_refused_in_one_line_never_loaded_as_of_today(chanops, tmp_path, db):
    """No --as-of, no date in `customers.csv`, no snapshot-date column: exit 2, one line naming
    --as-of, nothing loaded (before: loaded as of today, exit 0)."""
    extract = write_text(tmp_path / "customers.csv", HEADER + "13800000001,包头,2020-01-01,\n")
    result = load(chanops, extract, db)
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--as-of" in result.stderr
    assert not db.exists()  # the refused first load's copy was discarded: no warehouse


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("customers_20221130.csv", date(2022, 11, 30)),
        ("客户资料_2022-11-30.xlsx", date(2022, 11, 30)),
        ("customers_202211.csv", date(2022, 11, 30)),  # a month: its last day
        ("customers-2022-02.csv.gz", date(2022, 2, 28)),
        ("customers.csv", None),
        ("c1231.csv", None),
        ("13800000000.csv", None),  # a phone number is no date
        ("customers_20221130093015.csv", None),  # a timestamp is not taken apart
    ],
)
def test_the_as_of_a_file_name_says(name, day):
    assert as_of_from_name(name) == day


def test_a_file_name_with_two_dates_asks_for_as_of():
    with pytest.raises(UsageError, match="--as-of"):
        as_of_from_name("customers_20221101_20221130.csv")


def test_the_as_of_comes_from_the_file_name_then_a_snapshot_date_column(chanops, tmp_path, db):
    """`customers_202211.csv` is as of 2022-11-30; a file with a 统计日期 column of 20221231
    on every line is as of 2022-12-31; one whose column holds two dates is refused (exit 2)."""
    named = write_text(tmp_path / "customers_202211.csv", HEADER + "13800000001,包头,2020-01-01,\n")
    result = load(chanops, named, db)
    assert result.exit_code == 0, result.stderr
    assert "as of 2022-11-30: customers new 1" in result.stderr
    dated = write_text(
        tmp_path / "customers.csv",
        "统计日期," + HEADER + "20221231,13800000001,赤峰,2020-01-01,\n20221231,13800000002,赤峰,2021-01-01,\n",
    )
    result = load(chanops, dated, db)
    assert result.exit_code == 0, result.stderr
    assert "as of 2022-12-31: customers new 1, changed 1, unchanged 0" in result.stderr
    mixed = write_text(
        tmp_path / "mixed.csv",
        "snapshot_date," + HEADER + "2022-12-31,13800000001,赤峰,2020-01-01,\n"
        "2023-01-31,13800000002,赤峰,2021-01-01,\n",
    )
    result = load(chanops, mixed, db)
    assert result.exit_code == 2 and "several dates" in result.stderr and "--as-of" in result.stderr
