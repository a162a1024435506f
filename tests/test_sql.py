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
    regions = [(1, "包头"), (2, "包头"), (3, "赤峰")]
    rows = "".join(f"A{i},2022-11-0{i} 10:00:00,1380000000{i},{r},app,视频彩铃,成功\n" for i, r in regions)
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


VIP = "2022年12月重点客户名单\n手机号码,客户经理,备注\n+86 138-0000-0001,张三,老客户\n13800000009,李四,\n"


def test_a_file_is_read_as_load_reads_it_and_queried_beside_the_warehouse(chanops, orders_db, tmp_path):
    """A GB18030 list with a title line: `vip` has the file's own Chinese headers and its 2
    rows as written; for people both numbers are masked (also the one in groups). Joined to
    orders as text, no row matches (+86 138-0000-0001 is not 13800000001)."""
    vip = write_text(tmp_path / "vip.csv", VIP, encoding="gb18030")
    result = sql(chanops, orders_db, "SELECT * FROM vip", "--file", f"vip={vip}", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "手机号码,客户经理,备注",
        "+86 138-0000-0001,张三,老客户",
        "13800000009,李四,",
    ]
    people = sql(chanops, orders_db, "SELECT * FROM vip", "--file", f"vip={vip}", "-f", "markdown")
    assert "+86 138****0001" in people.stdout and "138****0009" in people.stdout and "0000-0001" not in people.stdout
    joined = sql(
        chanops, orders_db, "SELECT count(*) AS n FROM vip JOIN orders ON msisdn = 手机号码", "--file", f"vip={vip}"
    )
    assert joined.stdout.splitlines() == ["n", "0"]


def test_a_file_read_as_a_kind_is_mapped_and_normalized_like_a_load(chanops, orders_db, tmp_path):
    """December orders with Chinese headers, CRLF, a +86 number in groups, a channel label
    and 成功/失败: read as orders they become 13800000001/app/success and 13800000009/store/
    fail, so one of the two (13800000001) has a November order in the warehouse."""
    december = write_text(
        tmp_path / "dec.csv",
        ORDERS + "X1,2022/12/01 10:00:00,+86 138-0000-0001,包头,手机营业厅,视频彩铃,成功\n"
        "X2,20221202,13800000009,赤峰,store,宽带,失败\n",
        newline="\r\n",
    )
    spec = f"dec:orders={december}"
    rows = sql(chanops, orders_db, "SELECT order_id, order_time, msisdn, channel, status FROM dec", "--file", spec)
    assert rows.exit_code == 0, rows.stderr
    assert rows.stdout.splitlines()[1:] == [
        "X1,2022-12-01 10:00:00,13800000001,app,success",
        "X2,2022-12-02 00:00:00,13800000009,store,fail",
    ]
    returning = sql(
        chanops, orders_db, "SELECT count(*) AS n FROM dec d JOIN orders o USING (msisdn)", "--file", spec, "-f", "csv"
    )
    assert returning.stdout.splitlines() == ["n", "1"]


def test_bad_file_options_are_refused_in_one_line(chanops, orders_db, tmp_path):
    """Usage (exit 2): no '=', a name that is no identifier, an unknown kind, a name hiding a
    warehouse table or a view, an SQL keyword, a name given twice. Data (exit 1): a missing
    file, a directory, binary bytes, a line that does not split (3 fields under a 2-field
    header), a row that does not read as the kind (its number masked)."""
    good = write_text(tmp_path / "good.csv", "a,b\n1,2\n")
    ragged = write_text(tmp_path / "ragged.csv", "a,b\n1,2\n3,4,5\n")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\x00\x01\x02" * 50)
    bad_row = write_text(tmp_path / "bad.csv", ORDERS + "X1,2022-12-01 10:00:00,13800000001x,包头,app,宽带,成功\n")
    cases = [
        (f"x{good}", 2, "give NAME=PATH"),
        (f"1x={good}", 2, "'1x' is not a table name"),
        (f"x:order={good}", 2, "unknown kind 'order'"),
        (f"orders={good}", 2, "the warehouse has a table orders"),
        (f"Claims={good}", 2, "Claims is a view of chanops sql"),
        (f"select={good}", 2, "select is an SQL keyword"),
        (f"x={tmp_path / 'missing.csv'}", 1, "missing.csv: no such file"),
        (f"x={tmp_path}", 1, "not a regular file"),
        (f"x={binary}", 1, "looks binary"),
        (f"x={ragged}", 1, "1 line(s) cannot be read, the first line 3"),
        (f"x:orders={bad_row}", 1, "1 row(s) do not read as orders; the first, data row 1: msisdn '138****0001x'"),
    ]
    for option, code, words in cases:
        result = sql(chanops, orders_db, "SELECT 1", "--file", option)
        assert result.exit_code == code, (option, result.stderr)
        assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1, (option, result.stderr)
        assert no_full_number(result.stderr) and "Traceback" not in result.stderr
    twice = sql(chanops, orders_db, "SELECT 1", "--file", f"x={good}", "--file", f"X={good}")
    assert twice.exit_code == 2 and "given twice" in twice.stderr


def test_a_file_table_is_read_only_and_the_sandbox_holds(chanops, orders_db, tmp_path):
    """The file's table can be read, not written; the statement still cannot read another file."""
    good = write_text(tmp_path / "good.csv", "a,b\n1,2\n")
    for statement in ("INSERT INTO x VALUES ('3', '4')", "SELECT * FROM x, read_text('/etc/passwd')"):
        refused = sql(chanops, orders_db, statement, "--file", f"x={good}")
        assert refused.exit_code == 2 and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
        assert "root:" not in refused.stderr
    assert sql(chanops, orders_db, "SELECT * FROM x", "--file", f"x={good}").stdout.splitlines() == ["a,b", "1,2"]


def test_types_polars_cannot_hold_are_shown_as_duckdb_prints_them(chanops, orders_db):
    """An INTERVAL reads `1 day`, a UNION holding a number its masked text; JSON keeps the union
    as {"n": 13800000001}."""
    statement = "SELECT INTERVAL 1 DAY AS wait, union_value(n := 13800000001) AS u"
    table = sql(chanops, orders_db, statement, "-f", "markdown")
    assert table.exit_code == 0, table.stderr
    assert [c.strip() for c in table.stdout.splitlines()[-1].strip("|").split("|")] == ["1 day", "138****0001"]
    assert json.loads(sql(chanops, orders_db, statement, "-f", "json").stdout)[0]["u"] == {"n": 13800000001}
