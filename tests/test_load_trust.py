"""Loads that can be trusted with re-sent, corrected and messy extracts (SPEC §2.1, §11).

Every file here is written by hand; the expected rows, lines and reasons are counted from
the file text in each test's docstring."""

from __future__ import annotations

import duckdb
import pytest

from .conftest import query, spy_direct, write_text

ORDERS = "订单编号,办理时间,手机号码,地市,渠道,业务名称,办理结果,失败原因,互斥产品,活动编号,资费\n"


def load(chanops, kind, path, db, *extra):
    return chanops("load", kind, path, "--db", db, *extra)


def test_a_re_export_with_other_line_ends_order_encoding_and_name_is_not_counted_twice(chanops, tmp_path, db):
    """Billing for November, 3 rows, revenue 10.00 + 20.50 + 5.00 = 35.50. The same rows again
    with columns reordered, CRLF, GB18030 and another name: all 3 already loaded → skipped,
    revenue still 35.50. A corrected file (02 → 25.00, new 04 8.00) without --replace is
    refused (SPEC §2.1: a correction is never dropped), revenue still 35.50; with --replace of
    2022-11: 4 rows, 10 + 25 + 5 + 8 = 48.00."""
    first = write_text(
        tmp_path / "billing.csv",
        "账期,手机号码,收入\n202211,13800000001,10.00\n202211,13800000002,20.50\n202211,13800000003,5.00\n",
    )
    assert load(chanops, "billing", first, db).exit_code == 0
    resent = write_text(
        tmp_path / "billing_resent.csv",
        "收入,手机号码,账期\n10.00,13800000001,202211\n20.50,13800000002,2022-11\n5,13800000003,202211\n",
        encoding="gb18030",
        newline="\r\n",
    )
    again = load(chanops, "billing", resent, db)
    assert again.exit_code == 0, again.stderr
    assert "all 3 rows already loaded into billing; skipped" in again.stderr
    assert query(db, "SELECT sum(revenue), count(*) FROM billing") == [(35.5, 3)]
    assert query(db, "SELECT count(*) FROM _loads") == [(1,)]
    corrected = write_text(
        tmp_path / "billing_v2.csv",
        "账期,手机号码,收入\n202211,13800000001,10.00\n"
        "202211,13800000002,25.00\n202211,13800000003,5.00\n202211,13800000004,8.00\n",
    )
    refused = load(chanops, "billing", corrected, db)  # a correction is never dropped quietly
    assert refused.exit_code == 1 and "--replace" in refused.stderr
    assert query(db, "SELECT sum(revenue) FROM billing") == [(35.5,)]
    replaced = load(chanops, "billing", corrected, db, "--replace")
    assert replaced.exit_code == 0, replaced.stderr
    assert "replaced 2022-11: 3 earlier rows" in replaced.stderr
    assert query(db, "SELECT sum(revenue), count(*) FROM billing") == [(48.0, 4)]


def test_entries_without_ids_re_sent_are_recognised(chanops, tmp_path, db):
    """Two claims without 录入编号; the same two with CRLF and columns swapped are duplicates
    (their ids are made from entry_time, staff_id, msisdn and product)."""
    text = (
        "录入时间,工号,营业厅,营业区域,手机号码,业务名称\n2022-11-01 09:00:00,G1,中心营业厅,包头,13800000001,视频彩铃\n"
        "2022-11-02 09:00:00,G2,中心营业厅,包头,13800000002,咪咕视频\n"
    )
    assert load(chanops, "entries", write_text(tmp_path / "e.csv", text), db).exit_code == 0
    swapped = (
        "工号,录入时间,营业厅,营业区域,手机号码,业务名称\nG2,2022-11-02 09:00:00,中心营业厅,包头,13800000002,咪咕视频\n"
        "G1,2022/11/01 09:00:00,中心营业厅,包头,+86 138 0000 0001,视频彩铃\n"
    )
    again = load(chanops, "entries", write_text(tmp_path / "e2.csv", swapped, newline="\r\n"), db)
    assert "all 2 rows already loaded" in again.stderr
    assert query(db, "SELECT count(*) FROM entries") == [(2,)]


def test_replace_touches_only_the_months_the_file_covers(chanops, tmp_path, db):
    """The README layout: extracts/2022-10/orders.csv (2 October orders) and
    extracts/2022-11/orders.csv (3 November orders). Reloading November with --replace from a
    corrected file of 2 orders replaces November's 3 and leaves October's 2: 4 orders."""
    october = tmp_path / "extracts" / "2022-10"
    november = tmp_path / "extracts" / "2022-11"
    october.mkdir(parents=True)
    november.mkdir(parents=True)
    write_text(
        october / "orders.csv",
        ORDERS + "A1,2022-10-01 10:00:00,13800000001,包头,app,视频彩铃,成功,,,,1\n"
        "A2,2022-10-31 23:59:59,13800000002,包头,app,视频彩铃,成功,,,,1\n",
    )
    write_text(
        november / "orders.csv",
        ORDERS + "B1,2022-11-01 00:00:00,13800000001,包头,app,视频彩铃,成功,,,,1\n"
        "B2,2022-11-02 10:00:00,13800000002,包头,app,视频彩铃,失败,,,,1\n"
        "B3,2022-11-03 10:00:00,13800000003,包头,app,视频彩铃,成功,,,,1\n",
    )
    assert load(chanops, "orders", october / "orders.csv", db).exit_code == 0
    assert load(chanops, "orders", november / "orders.csv", db).exit_code == 0
    write_text(
        november / "orders.csv",
        ORDERS + "B1,2022-11-01 00:00:00,13800000001,包头,app,视频彩铃,成功,,,,1\n"
        "B2,2022-11-02 10:00:00,13800000002,包头,app,视频彩铃,成功,,,,1\n",
    )
    replaced = load(chanops, "orders", november / "orders.csv", db, "--replace")
    assert replaced.exit_code == 0, replaced.stderr
    assert "replaced 2022-11: 3 earlier rows" in replaced.stderr and "2022-10" not in replaced.stderr
    assert query(db, "SELECT order_id, status FROM orders ORDER BY order_id") == [
        ("A1", "success"),
        ("A2", "success"),
        ("B1", "success"),
        ("B2", "success"),
    ]


def _load_both_ways(chanops, monkeypatch, path, db, staged_db, *extra):
    """Load `path` appended directly into `db` and staged into `staged_db`; both results."""
    from chanops.ingest import direct

    fast = load(chanops, "orders", path, db, *extra)
    with monkeypatch.context() as patched:
        patched.setattr(direct, "applies", lambda *_a: False)
        slow = load(chanops, "orders", path, staged_db, *extra)
    return fast, slow


def test_a_clean_file_is_appended_directly_and_matches_the_staged_load(chanops, tmp_path, db, monkeypatch):
    """Three clean November orders, with a TAB after 包头 and 'NULL' as 失败原因: appended in one
    statement (3 rows), stored exactly as the staged path stores them (region 包头, reason NULL)."""
    text = ORDERS + (
        "D1,2022-11-01 10:00:00,13800000001,包头\t,app,视频彩铃,成功,NULL,,,1\n"
        "D2,2022-11-02 10:00:00,+86 138 0000 0002,包头,app,视频彩铃,失败,产品互斥,4G飞享套餐,,1\n"
        "D3,2022/11/03 10:00:00,13800000003,赤峰,营业厅,5G套餐,1,,,,128.00\n"
    )
    path = write_text(tmp_path / "o.csv", text)
    outcomes = spy_direct(monkeypatch)
    fast, slow = _load_both_ways(chanops, monkeypatch, path, db, tmp_path / "staged.duckdb")
    assert fast.exit_code == slow.exit_code == 0
    assert [(o.rows, o.rejected) for o in outcomes] == [(3, 0)]
    rows = "SELECT * EXCLUDE (_load_id) FROM orders ORDER BY order_id"
    direct_rows = query(db, rows)
    assert query(tmp_path / "staged.duckdb", rows) == direct_rows
    assert [r[3] for r in direct_rows] == ["包头", "包头", "赤峰"] and direct_rows[0][7] is None


@pytest.mark.parametrize("probe_rows", [1, 1_000_000])
def test_bad_rows_and_duplicates_are_settled_like_staging_does(chanops, tmp_path, db, monkeypatch, probe_rows):
    """E1, E2 load. Then a file: line 2 E3 good, line 3 E2 again (already loaded, the same
    values: a plain duplicate), line 4 E4
    with msisdn 12345, line 5 E3 again (repeated in file), line 6 E5 dated 2022-13-01, line 7
    E6 good. Probing only line 2 finds nothing: appended directly, then settled. Probing the
    whole file finds line 4: staged at once, nothing appended. Either way: loaded 2 (E3, E6),
    rejected 4 with the lines and reasons the staged path gives, no negative load id left."""
    from chanops.ingest import direct

    monkeypatch.setattr(direct, "PROBE_ROWS", probe_rows)
    row = "{},{},{},包头,app,视频彩铃,成功,,,,1\n"
    first = (
        ORDERS
        + row.format("E1", "2022-11-01 10:00:00", 13800000001)
        + row.format("E2", "2022-11-01 10:00:00", 13800000002)
    )
    second = ORDERS + "".join(
        row.format(*r)
        for r in [
            ("E3", "2022-11-02 10:00:00", 13800000003),
            ("E2", "2022-11-01 10:00:00", 13800000002),
            ("E4", "2022-11-02 10:00:00", 12345),
            ("E3", "2022-11-02 10:00:00", 13800000003),
            ("E5", "2022-13-01 10:00:00", 13800000005),
            ("E6", "2022-11-03 10:00:00", 13800000006),
        ]
    )
    staged_db = tmp_path / "staged.duckdb"
    _load_both_ways(chanops, monkeypatch, write_text(tmp_path / "a.csv", first), db, staged_db)
    outcomes = spy_direct(monkeypatch)
    fast, slow = _load_both_ways(
        chanops, monkeypatch, write_text(tmp_path / "b.csv", second), db, staged_db, "--max-reject-rate", "0.9"
    )
    assert fast.exit_code == 0, fast.stderr
    expected = [(6, 4, 2)] if probe_rows == 1 else [None]
    assert [o and (o.rows, o.rejected, o.duplicates) for o in outcomes] == expected
    assert "read 6, loaded 2, rejected 4, 2 of them duplicates" in fast.stderr
    assert fast.stderr.replace(str(db), "") == slow.stderr.replace(str(staged_db), "")
    rejects = 'SELECT line, "column", value, reason FROM _rejects WHERE load_id = 2 ORDER BY line'
    assert (
        query(db, rejects)
        == query(staged_db, rejects)
        == [
            (3, "order_id", "E2", "duplicate order_id (already loaded)"),
            (4, "msisdn", "12345", "not an 11-digit mobile number"),
            (5, "order_id", "E3", "duplicate order_id (repeated in file)"),
            (6, "order_time", "2022-13-01 10:00:00", "not a timestamp (e.g. 2022-11-30 08:01:02, 20221130080102)"),
        ]
    )
    orders = "SELECT * EXCLUDE (_load_id) FROM orders ORDER BY order_id"
    assert query(db, orders) == query(staged_db, orders)
    assert query(db, "SELECT count(*), count(*) FILTER (WHERE _load_id < 0) FROM orders") == [(4, 0)]


def test_a_file_lines_do_not_account_for_simply_is_staged(chanops, tmp_path, db, monkeypatch):
    """A quoted two-line 失败原因 makes 3 records of 4 data lines: the append is undone and the
    file staged (the outcome is None), loaded 3, nothing left under a negative load id."""
    outcomes = spy_direct(monkeypatch)
    text = ORDERS + (
        "Q1,2022-11-01 10:00:00,13800000001,包头,app,视频彩铃,成功,,,,1\n"
        'Q2,2022-11-01 10:00:00,13800000002,包头,app,视频彩铃,失败,"系统\n超时",,,1\n'
        "Q3,2022-11-01 10:00:00,13800000003,包头,app,视频彩铃,成功,,,,1\n"
    )
    result = load(chanops, "orders", write_text(tmp_path / "q.csv", text), db)
    assert result.exit_code == 0, result.stderr
    assert outcomes == [None]
    assert query(db, "SELECT count(*), count(*) FILTER (WHERE _load_id < 0) FROM orders") == [(3, 0)]


def test_a_stray_quote_swallows_nothing(chanops, tmp_path, db):
    """Six orders on lines 2–7; line 4 opens a quote in 失败原因 that never closes. Read
    normally, DuckDB would swallow lines 4–7 into one reject. Read line by line instead:
    line 4 is rejected with its own number, lines 2, 3, 5, 6, 7 load: read 6, loaded 5."""
    rows = [f"C{i},2022-11-0{i} 10:00:00,1380000000{i},包头,app,视频彩铃,成功,,,,1\n" for i in range(1, 7)]
    rows[2] = 'C3,2022-11-03 10:00:00,13800000003,包头,app,视频彩铃,失败,"产品互斥,,,1\n'
    path = write_text(tmp_path / "o.csv", ORDERS + "".join(rows))
    result = load(chanops, "orders", path, db, "--max-reject-rate", "0.5")
    assert result.exit_code == 0, result.stderr
    assert "read 6, loaded 5, rejected 1" in result.stderr
    assert "unterminated quote swallowed lines" in result.stderr
    assert query(db, "SELECT line, reason FROM _rejects") == [(4, "unterminated or stray quote")]
    assert query(db, "SELECT count(*) FROM orders") == [(5,)]


def test_reject_lines_stay_physical_after_a_quoted_line_break(chanops, tmp_path, db):
    """Line 2 O1; lines 3–4 O2 whose 失败原因 is a quoted two-line text; line 5 O3 has a bad
    msisdn; line 6 O4. The reject is on line 5, not 4."""
    text = ORDERS + (
        "O1,2022-11-01 10:00:00,13800000001,包头,app,视频彩铃,成功,,,,1\n"
        'O2,2022-11-01 10:00:00,13800000002,包头,app,视频彩铃,失败,"系统\n超时",,,1\n'
        "O3,2022-11-01 10:00:00,12345,包头,app,视频彩铃,成功,,,,1\n"
        "O4,2022-11-01 10:00:00,13800000004,包头,app,视频彩铃,成功,,,,1\n"
    )
    result = load(chanops, "orders", write_text(tmp_path / "o.csv", text), db, "--max-reject-rate", "0.5")
    assert result.exit_code == 0, result.stderr
    assert query(db, 'SELECT line, "column" FROM _rejects') == [(5, "msisdn")]
    assert query(db, "SELECT fail_reason FROM orders WHERE order_id = 'O2'") == [("系统\n超时",)]


def test_null_markers_and_odd_whitespace(chanops, tmp_path, db):
    """Line 2: T1<TAB> in 包头<TAB>, 失败原因 \\N, 互斥产品 NULL, 活动编号 - → loads as T1/包头 with
    three NULLs. Line 3: T1 again → duplicate (repeated in file). Line 4: region N/A → missing
    region. Line 5: order id NULL → missing order_id. Line 6: T3 in full-width-space/NBSP
    wrapped 包头, None/NaN → NULLs. Read 5, loaded 2, rejected 3 (1 duplicate); one region."""
    text = ORDERS + (
        "T1\t,2022-11-01 10:00:00,13800000001,包头\t,app,视频彩铃,成功,\\N,NULL,-,10.00\n"
        "T1,2022-11-02 10:00:00,13800000002,包头,app,视频彩铃,成功,,,,10.00\n"
        "T2,2022-11-03 10:00:00,13800000003,N/A,app,视频彩铃,成功,,,,10.00\n"
        "NULL,2022-11-03 10:00:00,13800000004,包头,app,视频彩铃,成功,,,,10.00\n"
        "T3,2022-11-04 10:00:00,13800000005,\u3000包头\u00a0,app,流量包,成功,None,NaN,,¥5\n"
    )
    result = load(chanops, "orders", write_text(tmp_path / "o.csv", text), db, "--max-reject-rate", "1")
    assert result.exit_code == 0, result.stderr
    assert "read 5, loaded 2, rejected 3, 1 of them duplicates" in result.stderr
    assert query(db, "SELECT order_id, region, fail_reason, conflict_product, campaign_id FROM orders ORDER BY 1") == [
        ("T1", "包头", None, None, None),
        ("T3", "包头", None, None, None),
    ]
    assert query(db, 'SELECT line, "column", reason FROM _rejects ORDER BY line') == [
        (3, "order_id", "duplicate order_id (repeated in file)"),
        (4, "region", "missing region"),
        (5, "order_id", "missing order_id"),
    ]


def test_db_must_be_a_chanops_warehouse(chanops, tmp_path):
    """--db naming a CSV, or a DuckDB database of someone else's, is refused; the file is untouched."""
    extract = write_text(
        tmp_path / "o.csv", ORDERS + "O1,2022-11-01 10:00:00,13800000001,包头,app,视频彩铃,成功,,,,1\n"
    )
    before = extract.read_bytes()
    result = load(chanops, "orders", extract, extract)
    assert result.exit_code == 1
    assert (
        result.stderr == f"chanops: error: {extract} is not a chanops warehouse (not a DuckDB database file); "
        "pick another --db\n"
    )
    assert extract.read_bytes() == before
    other = tmp_path / "other.duckdb"
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE sales (x INTEGER)")
    con.close()
    refused = load(chanops, "orders", extract, other)
    assert refused.exit_code == 1 and "is a DuckDB database but not a chanops warehouse" in refused.stderr
    assert query(other, "SELECT table_name FROM duckdb_tables()") == [("sales",)]


def test_invalid_gb18030_bytes_quarantine_their_rows_only(chanops, tmp_path, db):
    """Five GB18030 rows; rows on lines 3, 4 and 5 carry an invalid byte (0x81 followed by a
    space) in 地市: those 3 are quarantined, lines 2 and 6 load."""
    rows = [
        f"G{i},2022-11-01 10:00:00,1380000000{i},包头,app,视频彩铃,成功,,,,1\n".encode("gb18030") for i in range(1, 6)
    ]
    for i in (1, 2, 3):
        rows[i] = rows[i].replace("包头".encode("gb18030"), "包".encode("gb18030") + b"\x81 ")
    path = tmp_path / "o.csv"
    path.write_bytes(ORDERS.encode("gb18030") + b"".join(rows))
    result = load(chanops, "orders", path, db, "--max-reject-rate", "1")
    assert result.exit_code == 0, result.stderr
    assert "read 5, loaded 2, rejected 3 (gb18030)" in result.stderr
    assert query(db, "SELECT line, reason FROM _rejects ORDER BY line") == [
        (line, "invalid gb18030 bytes (shown as \ufffd)") for line in (3, 4, 5)
    ]
    assert query(db, "SELECT order_id, region FROM orders ORDER BY 1") == [("G1", "包头"), ("G5", "包头")]


def test_utf16_semicolons_spaces_and_a_title_block(chanops, tmp_path, db):
    """UTF-16 (BOM) with tabs; semicolons under two title lines and an empty line (header on
    line 4, a bad msisdn on line 6); space-delimited with compact timestamps. All load."""
    utf16 = tmp_path / "o16.csv"
    utf16.write_bytes(
        (
            "订单编号\t办理时间\t手机号码\t地市\t渠道\t业务名称\t办理结果\r\n"
            "U1\t2022-11-01 10:00:00\t13800000001\t包头\tapp\t视频彩铃\t成功\r\n"
        ).encode("utf-16")
    )
    result = load(chanops, "orders", utf16, db)
    assert result.exit_code == 0 and "loaded 1, rejected 0 (utf-16)" in result.stderr, result.stderr
    titled = write_text(
        tmp_path / "o_semi.csv",
        "渠道运营中心 业务办理记录导出\n导出时间：2022-12-01\n\n"
        "订单编号;办理时间;手机号码;地市;渠道;业务名称;办理结果\n"
        "S1;2022-11-01 10:00:00;13800000001;包头;app;视频彩铃;成功\n"
        "S2;2022-11-01 10:00:00;1380000;包头;app;视频彩铃;成功\n"
        "S3;2022-11-01 10:00:00;13800000003;包头;app;视频彩铃;成功\n",
    )
    semi = load(chanops, "orders", titled, db, "--max-reject-rate", "0.5")
    assert semi.exit_code == 0, semi.stderr
    assert "read 3, loaded 2, rejected 1" in semi.stderr
    assert "skipped 2 line(s) above the header: 渠道运营中心 业务办理记录导出 | 导出时间：2022-12-01" in semi.stderr
    assert query(db, "SELECT line FROM _rejects") == [(6,)]
    spaced = write_text(
        tmp_path / "o_space.txt",
        "order_id order_time msisdn region channel product status\nP1 20221101100000 13800000001 包头 app 视频彩铃 1\n",
    )
    assert load(chanops, "orders", spaced, db).exit_code == 0
    assert query(db, "SELECT order_id FROM orders ORDER BY 1") == [("P1",), ("S1",), ("S3",), ("U1",)]


def test_empty_lines_in_the_middle_keep_reject_numbers_physical(chanops, tmp_path, db):
    """Line 2 E1, line 3 empty, line 4 E2 with a bad msisdn, line 5 empty, line 6 E3:
    read 3 (the empty lines are not data), the reject is on line 4."""
    text = ORDERS + (
        "E1,2022-11-01 10:00:00,13800000001,包头,app,视频彩铃,成功,,,,1\n\n"
        "E2,2022-11-01 10:00:00,123,包头,app,视频彩铃,成功,,,,1\n\n"
        "E3,2022-11-01 10:00:00,13800000003,包头,app,视频彩铃,成功,,,,1\n"
    )
    result = load(chanops, "orders", write_text(tmp_path / "o.csv", text), db, "--max-reject-rate", "0.5")
    assert result.exit_code == 0, result.stderr
    assert "read 3, loaded 2, rejected 1" in result.stderr and "skipped 2 empty line(s)" in result.stderr
    assert query(db, "SELECT line FROM _rejects") == [(4,)]


def test_a_failed_write_says_why_in_one_line_and_changes_nothing(chanops, tmp_path, db, monkeypatch):
    """A disk that fills up mid-load: one line naming it, exit 1, the warehouse as before."""
    from chanops.ingest import loader

    first = write_text(tmp_path / "a.csv", ORDERS + "A1,2022-11-01 10:00:00,13800000001,包头,app,视频彩铃,成功,,,,1\n")
    assert load(chanops, "orders", first, db).exit_code == 0
    before = query(db, "SELECT * FROM orders"), query(db, "SELECT * FROM _loads")

    def full_disk(*_args, **_kwargs):
        raise duckdb.IOException("IO Error: Could not write file: No space left on device")

    monkeypatch.setattr(loader._Loader, "record", full_disk)
    second = write_text(tmp_path / "b.csv", ORDERS + "B1,2022-11-01 10:00:00,13800000002,包头,app,视频彩铃,成功,,,,1\n")
    result = load(chanops, "orders", second, db)
    assert result.exit_code == 1
    assert result.stderr == (
        "chanops: error: cannot write to the warehouse: the disk is full (no space left on device); "
        "nothing was changed\n"
    )
    assert (query(db, "SELECT * FROM orders"), query(db, "SELECT * FROM _loads")) == before


@pytest.mark.parametrize(
    ("message", "said"),
    [
        ("IO Error: Cannot open file: Read-only file system", "the file system is read-only"),
        ("IO Error: Cannot open file: Permission denied", "permission denied"),
        ("IO Error: disk full", "the disk is full"),
    ],
)
def test_storage_problems_in_words(message, said):
    from chanops.store.warehouse import storage_problem

    assert storage_problem(duckdb.IOException(message)).startswith(said)


CUSTOMERS = "手机号码,地市,入网时间,离网时间\n"


def test_customers_keep_their_history(chanops, tmp_path, db):
    """October snapshot (as of 2022-10-31): 01 包头, 02 包头, 03 赤峰, all joined 2020.
    November snapshot (as of 2022-11-30): 01 churned 2022-11-15; 02 moved to 呼和浩特; 03
    unchanged (not a reject: now also seen on 11-30); 04 赤峰 joined 2022-11-10. Lifecycle at the end of October uses
    October's states: 包头 2, 赤峰 1 (all at_risk: no bills). At the end of November: 包头
    churned 1 (01), 呼和浩特 at_risk 1 (02), 赤峰 at_risk 1 (03) and new 1 (04)."""
    october = write_text(
        tmp_path / "c10.csv",
        CUSTOMERS + "13800000001,包头,2020-01-01,\n13800000002,包头,2020-01-01,\n13800000003,赤峰,2020-01-01,\n",
    )
    november = write_text(
        tmp_path / "c11.csv",
        CUSTOMERS + "13800000001,包头,2020-01-01,2022-11-15\n"
        "13800000002,呼和浩特,2020-01-01,\n13800000003,赤峰,2020-01-01,\n"
        "13800000004,赤峰,2022-11-10,\n",
    )
    bills = write_text(tmp_path / "b.csv", "month,msisdn,revenue\n2022-10,13800000099,1\n2022-11,13800000099,1\n")
    assert load(chanops, "billing", bills, db).exit_code == 0  # lifecycle needs the months' bills
    assert load(chanops, "customers", october, db, "--as-of", "2022-10-31").exit_code == 0
    second = load(chanops, "customers", november, db, "--as-of", "2022-11-30")
    assert second.exit_code == 0, second.stderr
    assert "read 4, loaded 4, rejected 0" in second.stderr
    assert "as of 2022-11-30: customers new 1, changed 2, unchanged 1" in second.stderr
    assert query(
        db, "SELECT msisdn, region, _valid_from, _valid_to FROM customers ORDER BY msisdn, _valid_from NULLS FIRST"
    ) == [
        ("13800000001", "包头", None, __import__("datetime").date(2022, 11, 30)),
        ("13800000001", "包头", __import__("datetime").date(2022, 11, 30), None),
        ("13800000002", "包头", None, __import__("datetime").date(2022, 11, 30)),
        ("13800000002", "呼和浩特", __import__("datetime").date(2022, 11, 30), None),
        ("13800000003", "赤峰", None, None),
        ("13800000004", "赤峰", None, None),
    ]
    # the ledger keeps each snapshot's as-of: which months the customer base covers (SPEC §4)
    assert query(db, "SELECT as_of FROM _loads WHERE kind = 'customers' ORDER BY load_id") == [
        (__import__("datetime").date(2022, 10, 31),),
        (__import__("datetime").date(2022, 11, 30),),
    ]

    def stages(month):
        out = chanops("lifecycle", "--month", month, "--by", "region", "--db", db, "--format", "csv")
        assert out.exit_code == 0, out.stderr
        return sorted(tuple(line.split(",")[:3]) for line in out.stdout.splitlines()[1:])

    assert stages("2022-10") == [("包头", "at_risk", "2"), ("赤峰", "at_risk", "1")]
    assert stages("2022-11") == [
        ("包头", "churned", "1"),
        ("呼和浩特", "at_risk", "1"),
        ("赤峰", "at_risk", "1"),
        ("赤峰", "new", "1"),
    ]


def test_an_old_warehouse_is_migrated_in_place(chanops, tmp_path, db):
    """A version-1 warehouse: customer 01 loaded twice (load 1 on 2022-10-31: 包头; load 2 on
    2022-11-30: 赤峰), read latest-wins. A read command asks for `db migrate`; after it, the
    first state is in force until 2022-11-30 and the second from then on."""
    extract = write_text(tmp_path / "c.csv", CUSTOMERS + "13800000001,包头,2020-01-01,\n")
    assert load(chanops, "customers", extract, db, "--as-of", "2022-10-31").exit_code == 0
    con = duckdb.connect(str(db))
    con.execute("ALTER TABLE customers DROP COLUMN _seen")
    con.execute("ALTER TABLE customers DROP COLUMN _valid_from")
    con.execute("ALTER TABLE customers DROP COLUMN _valid_to")
    con.execute("INSERT INTO customers VALUES ('13800000001', '赤峰', DATE '2020-01-01', NULL, NULL, 2)")
    con.execute("ALTER TABLE _loads DROP COLUMN as_of")  # version 1 and 2 ledgers did not record it
    con.execute("UPDATE _loads SET loaded_at = TIMESTAMP '2022-10-31 08:00:00'")
    con.execute(
        "INSERT INTO _loads (load_id, kind, file, fingerprint, loaded_at, encoding, rows_read, rows_loaded, "
        "rows_rejected) SELECT 2, kind, file, 'sha256:x', TIMESTAMP '2022-11-30 08:00:00', encoding, 1, 1, 0 "
        "FROM _loads WHERE load_id = 1"
    )
    con.execute("UPDATE _meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    old = chanops("lifecycle", "--month", "2022-11", "--db", db)
    assert old.exit_code == 1 and "run `chanops db migrate" in old.stderr
    assert chanops("db", "migrate", "--db", db).exit_code == 0
    day = __import__("datetime").date(2022, 11, 30)
    assert query(db, "SELECT region, _valid_from, _valid_to FROM customers ORDER BY _load_id") == [
        ("包头", None, day),
        ("赤峰", day, None),
    ]
    # each snapshot's as-of is the day it was loaded, as the history above is dated
    assert query(db, "SELECT as_of FROM _loads ORDER BY load_id") == [(day.replace(month=10, day=31),), (day,)]
    # the states' snapshot dates, unknown before: where each starts (the first: the day before the next)
    assert query(db, "SELECT _seen FROM customers ORDER BY _load_id") == [([day.replace(day=29)],), ([day],)]
