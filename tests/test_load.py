"""Loading whole files through the CLI: encodings, formats, quarantine, rollback, ledger."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import polars as pl

from .conftest import query, write_text

ORDERS_HEADER = "订单编号,办理时间,手机号码,地市,渠道,业务名称,办理结果,失败原因,互斥产品,活动编号,资费\n"


def order_rows(n: int, start: int = 0, bad_every: int = 0) -> str:
    rows = []
    for i in range(start, start + n):
        msisdn = "12345" if bad_every and i % bad_every == 0 else f"138{i:08d}"
        rows.append(f"O{i},2022-11-0{1 + i % 9} 10:00:00,{msisdn},呼和浩特,app,视频彩铃,成功,,,,10.00\n")
    return "".join(rows)


def snapshot(db: Path):
    """Everything a load could change, to prove a failed load changed nothing."""
    return (
        query(db, "SELECT * FROM orders ORDER BY order_id"),
        query(db, "SELECT * FROM _loads ORDER BY load_id"),
        query(db, "SELECT * FROM _rejects ORDER BY load_id, line"),
    )


def test_gb18030_chinese_headers_crlf(chanops, tmp_path, db):
    text = (
        ORDERS_HEADER + "O1,2022-11-01 08:00:00,13800000001,锡林郭勒盟,微信公众号,咪咕视频,失败,产品互斥,咪咕会员,,15\n"
    )
    path = write_text(tmp_path / "orders_gbk.csv", text, encoding="gb18030", newline="\r\n")
    result = chanops("load", "orders", path, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "read 1, loaded 1, rejected 0 (gb18030)" in result.stderr
    assert query(db, "SELECT region, channel, product, status, fail_reason, conflict_product, fee FROM orders") == [
        ("锡林郭勒盟", "wechat", "咪咕视频", "fail", "产品互斥", "咪咕会员", 15)
    ]


def test_utf8_bom_tab_and_pipe_delimited(chanops, tmp_path, db):
    bom = write_text(tmp_path / "a.tsv", "\ufeff" + ORDERS_HEADER.replace(",", "\t") + order_rows(2).replace(",", "\t"))
    pipe = write_text(tmp_path / "b.txt", ORDERS_HEADER.replace(",", "|") + order_rows(2, start=2).replace(",", "|"))
    result = chanops("load", "orders", bom, pipe, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert query(db, "SELECT order_id FROM orders ORDER BY 1") == [("O0",), ("O1",), ("O2",), ("O3",)]


def test_gzip_parquet_and_xlsx(chanops, tmp_path, db):
    gz = tmp_path / "o.csv.gz"
    gz.write_bytes(gzip.compress((ORDERS_HEADER + order_rows(3)).encode("gb18030")))
    frame = pl.DataFrame(
        {
            "order_id": ["P1"],
            "order_time": ["20221105"],
            "msisdn": [13800000009],
            "region": ["包头"],
            "channel": ["store"],
            "product": ["宽带"],
            "status": ["0"],
        }
    )
    frame.write_parquet(tmp_path / "o.parquet")
    frame.with_columns(order_id=pl.lit("X1")).write_excel(tmp_path / "o.xlsx")
    result = chanops("load", "orders", gz, tmp_path / "o.parquet", tmp_path / "o.xlsx", "--db", db)
    assert result.exit_code == 0, result.stderr
    assert query(db, "SELECT order_id, msisdn, status FROM orders ORDER BY 1") == [
        ("O0", "13800000000", "success"),
        ("O1", "13800000001", "success"),
        ("O2", "13800000002", "success"),
        ("P1", "13800000009", "fail"),
        ("X1", "13800000009", "fail"),
    ]


def test_few_bad_rows_are_quarantined_with_exact_lines(chanops, tmp_path, db):
    # 300 rows, rows 0, 100, 200 have a short msisdn (lines 2, 102, 202), plus one line with
    # too many fields inserted after row 149 (line 151): the value rejects after it keep true lines.
    rows = order_rows(300, bad_every=100).splitlines(keepends=True)
    rows.insert(150, "Z1,2022-11-01 10:00:00,13800000001,包头,app,流量包,成功,,,,1,extra\n")
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + "".join(rows))
    result = chanops("load", "orders", path, "--db", db, "--max-reject-rate", "0.02")
    assert result.exit_code == 0, result.stderr
    assert "read 301, loaded 297, rejected 4" in result.stderr
    assert "rejected 3: not an 11-digit mobile number" in result.stderr
    assert query(db, 'SELECT line, "column", value, reason FROM _rejects ORDER BY line') == [
        (2, "msisdn", "12345", "not an 11-digit mobile number"),
        (102, "msisdn", "12345", "not an 11-digit mobile number"),
        (
            152,
            None,
            "Z1,2022-11-01 10:00:00,13800000001,包头,app,流量包,成功,,,,1,extra",
            "too many fields on the line",
        ),
        (203, "msisdn", "12345", "not an 11-digit mobile number"),
    ]
    assert query(db, "SELECT count(*) FROM orders") == [(297,)]


def test_mostly_bad_file_rolls_back_and_leaves_warehouse_unchanged(chanops, tmp_path, db):
    good = write_text(tmp_path / "good.csv", ORDERS_HEADER + order_rows(5))
    assert chanops("load", "orders", good, "--db", db).exit_code == 0
    before = snapshot(db)
    bad = write_text(tmp_path / "bad.csv", ORDERS_HEADER + order_rows(10, start=100, bad_every=2))
    result = chanops("load", "orders", bad, "--db", db)
    assert result.exit_code == 1
    assert result.stdout == ""
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("chanops: error: ")
    assert "5 of 10 rows rejected" in last and "rolled back" in last
    # no data row written; the refused load keeps its ledger line and its 5 rejects (SPEC §2.1)
    after = snapshot(db)
    assert after[0] == before[0]
    assert [row[-1] for row in after[1]] == ["loaded", "refused"] and after[1][:1] == before[1]
    assert len(after[2]) == len(before[2]) + 5


def test_strict_rolls_back_on_a_single_reject(chanops, tmp_path, db):
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(200, bad_every=200))
    result = chanops("load", "orders", path, "--db", db, "--strict")
    assert result.exit_code == 1
    assert "--strict" in result.stderr
    assert query(db, "SELECT count(*) FROM orders") == [(0,)]


def test_one_bad_file_rolls_back_every_file_of_the_command(chanops, tmp_path, db):
    good = write_text(tmp_path / "good.csv", ORDERS_HEADER + order_rows(5))
    empty = write_text(tmp_path / "empty.csv", "")
    result = chanops("load", "orders", good, empty, "--db", db)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines()[-1] == f"chanops: error: {empty}: file is empty"
    # the load worked on a copy of the warehouse and discarded it: as before, there is none
    assert not db.exists() and not db.with_name(db.name + ".loading").exists()


def test_reload_is_skipped_and_replace_replaces(chanops, tmp_path, db):
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(4, bad_every=4))
    assert chanops("load", "orders", path, "--db", db, "--max-reject-rate", "0.5").exit_code == 0
    again = chanops("load", "orders", path, "--db", db, "--max-reject-rate", "0.5")
    assert again.exit_code == 0
    assert "already loaded" in again.stderr and "skipped" in again.stderr
    assert query(db, "SELECT count(*) FROM orders") == [(3,)]
    # a corrected re-extract replaces the month it covers; the first load's reject stays on record
    write_text(path, ORDERS_HEADER + order_rows(4))
    replaced = chanops("load", "orders", path, "--db", db, "--replace")
    assert replaced.exit_code == 0, replaced.stderr
    assert "replaced 2022-11: 3 earlier rows" in replaced.stderr
    assert query(db, "SELECT count(*) FROM orders") == [(4,)]
    assert query(db, "SELECT count(*) FROM _rejects") == [(1,)]
    assert query(db, "SELECT count(*) FROM _loads") == [(2,)]


def test_duplicate_keys_across_loads_and_within_a_file(chanops, tmp_path, db):
    first = write_text(tmp_path / "a.csv", ORDERS_HEADER + order_rows(100))
    assert chanops("load", "orders", first, "--db", db).exit_code == 0
    # O99 already loaded; O100 appears twice (second copy rejected), rest new: 2 of 202 rejected
    second = write_text(
        tmp_path / "b.csv",
        ORDERS_HEADER + order_rows(1, start=99) + order_rows(200, start=100) + order_rows(1, start=100),
    )
    result = chanops("load", "orders", second, "--db", db)
    assert result.exit_code == 0, result.stderr
    assert query(db, "SELECT line, value, reason FROM _rejects ORDER BY line") == [
        (2, "O99", "duplicate order_id (already loaded)"),
        (203, "O100", "duplicate order_id (repeated in file)"),
    ]
    assert query(db, "SELECT count(*), count(DISTINCT order_id) FROM orders") == [(300, 300)]


def test_entries_without_id_get_stable_generated_ids(chanops, tmp_path, db):
    path = write_text(
        tmp_path / "e.csv",
        """录入时间,工号,营业厅,营业区域,手机号码,业务名称
2022-11-01 09:00:00,G1,中心营业厅,包头,13800000001,视频彩铃
2022-11-02 09:00:00,G2,中心营业厅,包头,13800000002,咪咕视频
""",
    )
    assert chanops("load", "entries", path, "--db", db).exit_code == 0
    ids = [r[0] for r in query(db, "SELECT entry_id FROM entries ORDER BY entry_time")]
    # made from (entry_time, staff_id, msisdn, product): md5 of the values joined by '|'
    expected = "G" + hashlib.md5("2022-11-01 09:00:00|G1|13800000001|视频彩铃".encode()).hexdigest()[:20]
    assert len(set(ids)) == 2 and ids[0] == expected


def test_missing_required_column_names_it_and_the_headers(chanops, tmp_path, db):
    path = write_text(tmp_path / "o.csv", "订单编号,手机号码,地市\nO1,13800000001,包头\n")
    result = chanops("load", "orders", path, "--db", db)
    assert result.exit_code == 1
    assert result.stderr == (
        f"chanops: error: {path}: missing required column 'order_time' (办理时间/受理时间/订单时间) for orders; "
        "headers found: 订单编号, 手机号码, 地市\n"
    )


def test_user_mapping_from_map_file_and_config(chanops, tmp_path, db):
    path = write_text(tmp_path / "b.csv", "bill_month,phone,amt\n202211,13800000001,9.90\n")
    mapping = write_text(tmp_path / "map.toml", 'bill_month = "month"\nphone = "msisdn"\n')
    config = write_text(tmp_path / "chanops.toml", '[columns.billing]\namt = "revenue"\n')
    result = chanops("load", "billing", path, "--db", db, "--map", mapping, "--config", config)
    assert result.exit_code == 0, result.stderr
    assert query(db, "SELECT month, msisdn, revenue::VARCHAR FROM billing") == [("2022-11", "13800000001", "9.90")]


def test_empty_binary_header_only_and_missing_files(chanops, tmp_path, db):
    cases = {
        write_text(tmp_path / "empty.csv", ""): "file is empty",
        tmp_path / "garbage.csv": "looks binary",
        write_text(tmp_path / "header.csv", ORDERS_HEADER): "has a header but no data rows",
        tmp_path / "nope.csv": "no such file",
        write_text(tmp_path / "o.json", "{}"): "unsupported file type",
    }
    (tmp_path / "garbage.csv").write_bytes(bytes(range(256)) * 4)
    for path, message in cases.items():
        result = chanops("load", "orders", path, "--db", db)
        assert result.exit_code == 1, path
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], result.stderr
        assert "Traceback" not in result.stderr
    assert not db.exists()  # a failed first load creates no warehouse


def test_unknown_kind_is_a_usage_error(chanops, tmp_path, db):
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(1))
    result = chanops("load", "ordres", path, "--db", db)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "ordres" in result.stderr and "orders" in result.stderr
