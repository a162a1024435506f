"""Month-end loads (issue 26 items 2, 3, 6, 7; SPEC §2.1 and §11 amended): a month sent in
parts, a file whose rows a --replace removed, corrections never dropped, dry runs, refused
loads kept on record. Every file is written here; the numbers are worked out in each test's
docstring."""

from __future__ import annotations

from .conftest import query, write_text

ORDERS = "订单编号,办理时间,手机号码,地市,渠道,业务名称,办理结果,失败原因,互斥产品,活动编号,资费\n"


def orders(prefix: str, n: int, day: str = "2022-11-01", status: str = "成功", fee: str = "10.00") -> str:
    return "".join(
        f"{prefix}{i},{day} 10:00:00,138{i:08d},包头,app,视频彩铃,{status},,,,{fee}\n" for i in range(1, n + 1)
    )


def load(chanops, db, *args):
    return chanops("load", "orders", *args, "--db", db)


def test_a_month_in_two_parts_replaces_november_once(chanops, tmp_path, db):
    """November held 5 orders (E1–E5). part1.csv (30 November orders A1–A30) and part2.csv
    (30 November orders B1–B30) with --replace in one command: part 1 replaces the 5 earlier
    rows, part 2 replaces nothing (part 1's rows are this command's own). November holds
    30 + 30 = 60 (before: part 2 replaced November again, leaving 30)."""
    assert load(chanops, db, write_text(tmp_path / "early.csv", ORDERS + orders("E", 5))).exit_code == 0
    part1 = write_text(tmp_path / "part1.csv", ORDERS + orders("A", 30))
    part2 = write_text(tmp_path / "part2.csv", ORDERS + orders("B", 30, day="2022-11-20"))
    result = load(chanops, db, part1, part2, "--replace")
    assert result.exit_code == 0, result.stderr
    assert result.stderr.count("replaced 2022-11") == 1
    assert "replaced 2022-11: 5 earlier rows" in result.stderr
    assert result.stderr.count("read 30, loaded 30, rejected 0") == 2
    assert query(db, "SELECT left(order_id, 1), count(*) FROM orders GROUP BY 1 ORDER BY 1") == [("A", 30), ("B", 30)]


def test_a_file_whose_rows_a_replace_removed_loads_again(chanops, tmp_path, db):
    """a.csv: 3 November orders, loaded. b.csv: 2 other November orders with --replace:
    November is b's 2. a.csv again: none of its rows is in the warehouse, so it loads (3),
    November 2 + 3 = 5 (before: "already loaded (same content); skipped", November 2).
    a.csv a third time: its 3 rows are there, skipped."""
    a = write_text(tmp_path / "a.csv", ORDERS + orders("A", 3))
    b = write_text(tmp_path / "b.csv", ORDERS + orders("B", 2))
    assert load(chanops, db, a).exit_code == 0
    assert load(chanops, db, b, "--replace").exit_code == 0
    assert query(db, "SELECT count(*) FROM orders") == [(2,)]
    again = load(chanops, db, a)
    assert again.exit_code == 0, again.stderr
    assert "read 3, loaded 3, rejected 0" in again.stderr
    assert query(db, "SELECT count(*) FROM orders") == [(5,)]
    third = load(chanops, db, a)
    assert "already loaded into orders (same content); skipped" in third.stderr
    assert query(db, "SELECT count(*) FROM orders") == [(5,)]
