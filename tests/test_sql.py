"""`chanops sql` for real work: every value shown to people masked — inside structs, lists,
maps and BLOBs, in integers and in error text — and nested columns rendered in every format.

The warehouse: three orders A1..A3 of 13800000001..13800000003 (包头, 包头, 赤峰), app,
视频彩铃, 成功, on 2022-11-01..03."""

from __future__ import annotations

import json

import polars as pl
import pyarrow.parquet as pq
import pytest

from .conftest import write_text

ORDERS = "订单编号,办理时间,手机号码,地市,渠道,业务名称,办理结果\n"
PHONES = ("13800000001", "13800000002", "13800000003")


@pytest.fixture
def orders_db(chanops, tmp_path, db):
    rows = "".join(
        f"A{i},2022-11-0{i} 10:00:00,1380000000{i},{r},app,视频彩铃,成功\n" for i, r in [(1, "包头"), (2, "包头"), (3, "赤峰")]
    )
    assert chanops("load", "orders", write_text(tmp_path / "o.csv", ORDERS + rows), "--db", db).exit_code == 0
    return db


def sql(chanops, db, statement: str, *args):
    return chanops("sql", statement, "--db", db, *args)


def no_full_number(text: str) -> bool:
    return not any(phone in text for phone in PHONES)


STRUCT = "SELECT o FROM orders o ORDER BY order_id"


def test_a_struct_column_is_masked_text_for_people_and_structure_for_programs(chanops, orders_db, tmp_path):
    """`SELECT o FROM orders o`: one struct per order. Table and xlsx show it as text with
    138****0001 inside; JSON keeps the struct (and, a machine format, the full number); CSV
    writes the same text the table shows, unmasked (a pipe, as for every column)."""
    table = sql(chanops, orders_db, STRUCT, "-f", "table", "--limit", "0")
    assert table.exit_code == 0, table.stderr
    assert "'msisdn': 138****0001" in table.stdout and "'region': 包头" in table.stdout
    assert no_full_number(table.stdout)

    document = json.loads(sql(chanops, orders_db, STRUCT, "-f", "json").stdout)
    assert [row["o"]["msisdn"] for row in document] == list(PHONES)
    assert document[2]["o"]["region"] == "赤峰"

    csv = sql(chanops, orders_db, STRUCT, "-f", "csv").stdout.splitlines()
    assert csv[0] == "o" and len(csv) == 4 and "'msisdn': 13800000001" in csv[1]

    target = tmp_path / "o.xlsx"
    assert sql(chanops, orders_db, STRUCT, "-o", target).exit_code == 0
    cells = pl.read_excel(target).get_column("o").to_list()
    assert len(cells) == 3 and "'msisdn': 138****0003" in cells[2] and no_full_number("".join(cells))


def test_a_list_of_numbers_renders_in_every_format(chanops, orders_db, tmp_path):
    """`list(msisdn)` over 3 orders: one cell [138****0001, 138****0002, 138****0003] in
    table, markdown and xlsx; a JSON array and a Parquet list of the 3 full numbers."""
    statement = "SELECT list(msisdn ORDER BY msisdn) AS phones, count(*) AS n FROM orders"
    shown = "[138****0001, 138****0002, 138****0003]"
    for fmt in ("table", "markdown"):
        result = sql(chanops, orders_db, statement, "-f", fmt)
        assert result.exit_code == 0, result.stderr
        assert shown in result.stdout and no_full_number(result.stdout), fmt
    assert json.loads(sql(chanops, orders_db, statement, "-f", "json").stdout) == [{"phones": list(PHONES), "n": 3}]
    assert sql(chanops, orders_db, statement, "-f", "csv").stdout.splitlines()[1] == (
        '"[13800000001, 13800000002, 13800000003]",3'
    )
    target = tmp_path / "l.xlsx"
    assert sql(chanops, orders_db, statement, "-o", target).exit_code == 0
    assert pl.read_excel(target).row(0) == (shown, 3)
    parquet = tmp_path / "l.parquet"
    assert sql(chanops, orders_db, statement, "-o", parquet).exit_code == 0
    assert pq.read_table(parquet).column("phones").to_pylist() == [list(PHONES)]


def test_a_map_a_blob_and_an_integer_holding_a_number_are_masked(chanops, orders_db, tmp_path):
    """Per region a map msisdn → orders (包头 {138****0001=1, 138****0002=1}), the first
    number as a BLOB and as a BIGINT: all masked for people; --unmask shows them whole. The
    count column (2, 1) stays a number."""
    statement = """SELECT region, map(list(msisdn ORDER BY msisdn), list(1 ORDER BY msisdn)) AS orders_of,
                          encode(min(msisdn)) AS raw, CAST(min(msisdn) AS BIGINT) AS number, count(*) AS n
                   FROM orders GROUP BY region ORDER BY n DESC"""
    people = sql(chanops, orders_db, statement, "-f", "markdown")
    assert people.exit_code == 0, people.stderr
    first = next(line for line in people.stdout.splitlines() if "包头" in line)
    cells = [c.strip() for c in first.strip("|").split("|")]
    assert cells[1:] == ["{138****0001=1, 138****0002=1}", "138****0001", "138****0001", "2"]
    assert no_full_number(people.stdout)
    unmasked = sql(chanops, orders_db, statement, "-f", "markdown", "--unmask")
    assert "{13800000001=1, 13800000002=1}" in unmasked.stdout
    target = tmp_path / "m.xlsx"
    assert sql(chanops, orders_db, statement, "-o", target).exit_code == 0
    sheet = pl.read_excel(target)
    assert sheet.row(1)[1:] == ("{138****0003=1}", "138****0003", "138****0003", 1)
    assert json.loads(sql(chanops, orders_db, statement, "-f", "json").stdout)[1]["orders_of"] == {"13800000003": 1}


def test_error_text_is_one_masked_line(chanops, orders_db):
    """DuckDB echoes the literal it could not convert: the number is masked, the SQL is not
    shown back (one line, exit 2); so with the +86 form."""
    for literal in ("13800000001", "+8613800000001"):
        result = sql(chanops, orders_db, f"SELECT CAST('{literal}x' AS INTEGER)")
        assert result.exit_code == 2
        assert len(result.stderr.strip().splitlines()) == 1 and no_full_number(result.stderr), result.stderr
        assert "138****0001" in result.stderr and "SELECT" not in result.stderr
