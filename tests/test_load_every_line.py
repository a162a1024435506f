"""Every physical line accounted for, on multi-threaded loads of 1M-line files (SPEC §2.1, §11).

Each case writes (with DuckDB) an orders extract from a table of truth, seeded: a title line,
the header, then 1,000,000 body lines holding rows whose values are written in the ways
extracts write them (three time formats, +86/86/0086 numbers, channel aliases, 是/否-style
status words, amounts with thousands separators and quotes, edge spaces: full-width, NBSP,
zero-width, tab; every null marker in the optional columns), about 100 bad values (one column
each: msisdn, time, status, fee, channel, a missing region) and about 40 keys repeated 200,000
to 250,000 lines after their first line, with other values. The "staged" shape adds about 20
blank lines and puts bad values anywhere; the "direct" shape has no blank line and puts bad
values below the records the loader probes, so the file is appended directly and settled.

Asserted, for each case:
  1. physical lines = loaded + rejected + blank + title + header, and each count is the truth's;
  2. the rejects are exactly the truth's bad lines (with column and reason) and the repeated
     keys' later lines, and each reject's value is what the file holds on that line in that
     column (read back from the file, not from the loader);
  3. of each repeated key the first line in the file is the row loaded;
  4. the loaded rows equal the truth's rows, value for value (EXCEPT ALL both ways);
  5. the load took the path its shape is meant for (direct append, or staged);
and, of the test itself, that a sample of 100 lines read back from the file holds the truth.
Three cases, one 1M-line file each: seed 1 appended directly and seed 2 staged, both on DuckDB's
default threads (asserted to be 2 or more: a parallel read, as `chanops load` runs), seed 3
appended directly on one thread.

Tiny version, worked by hand: title (line 1), header (2), body lines 3–10 holding O1…O8, line 5
blank, line 7 with msisdn 12345, line 10 repeating O1's key with another fee. Physical 10 =
loaded 5 (O1, O2, O4, O6, O7 from lines 3, 4, 6, 8, 9) + rejected 2 (line 7 msisdn "not an
11-digit mobile number", line 10 order_id "duplicate order_id (repeated in file)") + blank 1
+ title 1 + header 1; O1's fee is line 3's.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from chanops.channels import build_catalog
from chanops.ingest import direct
from chanops.ingest.loader import load_files
from chanops.store.warehouse import connect

from .conftest import spy_direct

pytestmark = pytest.mark.big

BODY_LINES = 1_000_000
FIRST_BODY_LINE = 3  # line 1 the title, line 2 the header
TITLE = "2022年11月 业务办理记录（全省）"
HEADER = "订单编号,办理时间,手机号码,地市,渠道,业务名称,办理结果,失败原因,互斥产品,活动编号,资费"
COLUMNS = [
    "order_id",
    "order_time",
    "msisdn",
    "region",
    "channel",
    "product",
    "status",
    "fail_reason",
    "conflict_product",
    "campaign_id",
    "fee",
]
# What the loader reads as missing and trims from both ends (SPEC §2.1), written out here
# rather than imported: the test must fail if the loader's lists change.
NULL_MARKERS = ["", "\\N", "NULL", "null", "Null", "NaN", "nan", "NAN", "None", "none", "NONE", "N/A", "n/a", "NA", "-"]
EDGES = " \t\u3000\u00a0\u200b\ufeff"
# One bad value per bad row: (column, text written, reason expected).
BAD = [
    ("msisdn", "12345", "not an 11-digit mobile number"),
    ("order_time", "2022-13-45 25:61:00", "not a timestamp (e.g. 2022-11-30 08:01:02, 20221130080102)"),
    ("status", "待定", "status is not success/fail (成功/失败/1/0/Y/N)"),
    ("fee", "abc", "not an amount (e.g. 1,234.50)"),
    ("channel", "pigeon", "unknown channel code 'pigeon'"),
    ("region", "-", "missing region"),
]
DUPLICATE = "duplicate order_id (repeated in file)"
PROBE = direct.PROBE_ROWS  # the direct shape keeps its bad values below these records
CASES = [  # (seed, shape, DuckDB threads: None = the connection's default, as `chanops load` runs)
    pytest.param(1, "direct", None, id="seed1-direct-default-threads"),
    pytest.param(2, "staged", None, id="seed2-staged-default-threads"),
    pytest.param(3, "direct", 1, id="seed3-direct-1-thread"),
]


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _pick(values, seed: int, salt: str) -> str:
    """SQL: one of `values`, by a hash of the row, the seed and `salt`."""
    return f"{_sql_list(values)}[1 + CAST(hash(j, {seed}, '{salt}') % {len(values)} AS INTEGER)]"


def build_truth(con: duckdb.DuckDBPyConnection, seed: int, shape: str) -> None:
    """Table `truth`: one row per body line (j from 0, on physical line 3 + j) with its role
    (clean, bad, repeat, blank), canonical values and the text written for them."""
    bad_anywhere = "true" if shape == "staged" else f"j >= {PROBE}"
    blanks = 20 if shape == "staged" else 0
    con.execute(f"""
        CREATE TABLE roles AS
        SELECT j, {FIRST_BODY_LINE} + j AS line, r,
               CASE WHEN r < {blanks} THEN 'blank'
                    WHEN r BETWEEN 20 AND 119 AND {bad_anywhere} THEN 'bad'
                    WHEN r BETWEEN 120 AND 159 AND j >= 300000 THEN 'repeat'
                    ELSE 'clean' END AS role0,
               j - 200000 - CAST(hash(j, {seed}, 'gap') % 50000 AS BIGINT) AS target
        FROM (SELECT j, hash(j, {seed}, 'role') % 1000000 AS r FROM range({BODY_LINES}) t(j))""")
    # a repeat's first line must be a clean row of its own
    con.execute("""
        CREATE TABLE roles2 AS
        SELECT r.j, r.line, r.target,
               CASE WHEN r.role0 = 'repeat' AND t.role0 <> 'clean' THEN 'clean' ELSE r.role0 END AS role
        FROM roles r LEFT JOIN roles t ON t.j = r.target""")
    channels = [("app", "app"), ("app", "手厅"), ("wechat", "微信"), ("outbound", "外呼"), ("store", "营业厅")]
    channels.append(("app", "APP"))
    products = ["5G套餐", "视频彩铃", "流量包,加油包"]
    con.execute(f"""
        CREATE TABLE canon AS
        SELECT j, line, role, target,
               'O' || lpad(CAST(CASE WHEN role = 'repeat' THEN target ELSE j END AS VARCHAR), 7, '0') AS order_id,
               TIMESTAMP '2022-11-01' + to_seconds(CAST(hash(j, {seed}, 't') % 2592000 AS BIGINT)) AS order_time,
               '138' || lpad(CAST(hash(j, {seed}, 'm') % 100000000 AS VARCHAR), 8, '0') AS msisdn,
               {_pick(["呼和浩特", "包头", "赤峰", "通辽"], seed, "r")} AS region,
               CAST(hash(j, {seed}, 'c') % {len(channels)} AS INTEGER) AS c,
               {_pick(products, seed, "p")} AS product,
               CASE WHEN hash(j, {seed}, 's') % 4 = 0 THEN 'fail' ELSE 'success' END AS status,
               CASE WHEN hash(j, {seed}, 'k') % 3 = 0 THEN NULL ELSE 'MK2211-0' || (1 + j % 8) END AS campaign_id,
               CASE WHEN hash(j, {seed}, 'f') % 5 = 0 THEN NULL
                    ELSE CAST(CAST(hash(j, {seed}, 'v') % 500000 AS DECIMAL(18, 2)) / 100 AS DECIMAL(18, 2)) END AS fee
        FROM roles2""")
    nulls = _pick(NULL_MARKERS + ["\u3000", " NULL "], seed, "n")
    con.execute(f"""
        CREATE TABLE truth AS
        SELECT j, line, role, target, order_id, order_time, msisdn, region,
               {_sql_list([code for code, _text in channels])}[1 + c] AS channel, product, status,
               CASE WHEN status = 'fail' THEN '产品互斥' END AS fail_reason,
               CASE WHEN status = 'fail' AND j % 2 = 0 THEN '4G飞享套餐' END AS conflict_product,
               campaign_id, fee,
               CAST(hash(j, {seed}, 'b') % {len(BAD)} AS INTEGER) AS b,
               {_pick([""] * 6 + list(EDGES), seed, "e1")} || order_id || {_pick([""] * 6 + list(EDGES), seed, "e2")}
                   AS t_order_id,
               CASE hash(j, {seed}, 'tf') % 3 WHEN 0 THEN strftime(order_time, '%Y-%m-%d %H:%M:%S')
                    WHEN 1 THEN strftime(order_time, '%Y/%m/%d %H:%M:%S') ELSE strftime(order_time, '%Y%m%d%H%M%S') END
                   AS t_order_time,
               {_pick(["", "", "+86", "86", "0086"], seed, "mp")} || msisdn AS t_msisdn,
               {_pick(["", "", ""] + list(EDGES), seed, "r1")} || region || {_pick(["", ""] + list(EDGES), seed, "r2")}
                   AS t_region,
               {_sql_list([text for _code, text in channels])}[1 + c] AS t_channel,
               CASE WHEN product LIKE '%,%' THEN '"' || product || '"' ELSE product END AS t_product,
               CASE WHEN status = 'success' THEN {_pick(["成功", "1", "success", "Y"], seed, "ss")}
                    ELSE {_pick(["失败", "0", "fail", "N"], seed, "sf")} END AS t_status,
               CASE WHEN status = 'fail' THEN '产品互斥' ELSE {nulls} END AS t_fail_reason,
               CASE WHEN status = 'fail' AND j % 2 = 0 THEN '4G飞享套餐' ELSE {nulls} END AS t_conflict_product,
               coalesce(campaign_id, {nulls}) AS t_campaign_id,
               CASE WHEN fee IS NULL THEN {nulls}
                    WHEN hash(j, {seed}, 'fm') % 3 = 0 THEN '"' || printf('%,.2f', fee) || '"'
                    ELSE printf('%.2f', fee) END AS t_fee
        FROM canon""")


def write_extract(con: duckdb.DuckDBPyConnection, path: Path) -> int:
    """The title, the header and one body line per truth row (blank lines empty, a bad row's
    column holding its bad text); returns the file's physical line count."""
    fields = []
    for name in COLUMNS:
        bad = " ".join(f"WHEN {i} THEN '{text}'" for i, (column, text, _r) in enumerate(BAD) if column == name)
        fields.append(
            f"CASE WHEN role = 'bad' THEN (CASE b {bad} ELSE t_{name} END) ELSE t_{name} END" if bad else f"t_{name}"
        )
    body = path.with_suffix(".body")
    con.execute(f"""
        COPY (SELECT CASE WHEN role = 'blank' THEN NULL ELSE concat_ws(',', {", ".join(fields)}) END
              FROM truth ORDER BY j)
        TO '{body}' (FORMAT csv, HEADER false, QUOTE '', ESCAPE '', DELIMITER '\x01')""")
    with open(path, "wb") as out, open(body, "rb") as lines:
        out.write(f"{TITLE}\n{HEADER}\n".encode())
        shutil.copyfileobj(lines, out)
    body.unlink()
    with open(path, "rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 24), b""))


def raw_field(line: str, column: str) -> str | None:
    """What the file holds in `column` on a line: trimmed, None for a null marker."""
    field = next(csv.reader([line]))[COLUMNS.index(column)].strip(EDGES)
    return None if field in NULL_MARKERS else field


def lines_of(path: Path, wanted: set[int]) -> dict[int, str]:
    """The text of the physical lines `wanted`, read straight from the file."""
    found = {}
    with open(path, encoding="utf-8", newline="") as fh:
        for number, line in enumerate(fh, 1):
            if number in wanted:
                found[number] = line.rstrip("\r\n")
    return found


def _load(db: Path, path: Path, threads: int | None, monkeypatch):
    """Load through the library, as `chanops load` does; returns the file's result and whether
    the direct append settled it."""
    outcomes = spy_direct(monkeypatch)
    con = connect(db, read_only=False)
    try:
        if threads is None:  # the default the CLI gets: DuckDB's own, one thread per core
            assert con.execute("SELECT current_setting('threads')").fetchone()[0] >= 2, "load is not multi-threaded"
        else:
            con.execute(f"SET threads = {threads}")
        [result] = load_files(con, "orders", [path], build_catalog(None))
    finally:
        con.close()
    assert len(outcomes) == 1
    return result, outcomes[0] is not None


def check_generated(text: dict[int, str], sample: list[tuple]) -> None:
    """The generator itself: each sampled body line's fields read back (trimmed, null markers
    as None) are the truth's values, a blank line is empty, a bad line holds its bad text."""
    assert (text[1], text[2]) == (TITLE, HEADER)
    for line, role, b, order_id, msisdn, region, product, fee in sample:
        if role == "blank":
            assert text[line] == ""
            continue
        bad_column, bad_text, _reason = BAD[b] if role == "bad" else (None, None, None)
        field = {c: raw_field(text[line], c) for c in ("order_id", "msisdn", "region", "product", "fee")}
        assert (field["order_id"], field["product"]) == (order_id, product)
        if bad_column in field:
            assert field[bad_column] == (None if bad_text == "-" else bad_text)
        if bad_column != "msisdn":
            assert field["msisdn"] is not None and field["msisdn"][-11:] == msisdn
        if bad_column != "region":
            assert field["region"] == region
        if bad_column != "fee":
            assert (field["fee"] or "").replace(",", "") == ("" if fee is None else f"{fee:.2f}")


@pytest.mark.parametrize(("seed", "shape", "threads"), CASES)
def test_every_line_is_accounted_for(tmp_path, monkeypatch, seed, shape, threads):
    truth = duckdb.connect()
    build_truth(truth, seed, shape)
    path = tmp_path / "orders.csv"
    physical = write_extract(truth, path)
    db = tmp_path / "wh.duckdb"
    result, directly = _load(db, path, threads, monkeypatch)

    roles = dict(truth.execute("SELECT role, count(*) FROM truth GROUP BY role").fetchall())
    assert roles.get("bad", 0) > 50 and roles.get("repeat", 0) > 20, roles  # the file holds what it should
    assert roles.get("blank", 0) > (5 if shape == "staged" else -1)

    # 1. every physical line accounted for, each count the truth's
    assert physical == FIRST_BODY_LINE - 1 + BODY_LINES
    assert result.preamble == [TITLE]
    assert result.rows_loaded + result.rows_rejected + result.blank_lines + 1 + 1 == physical
    assert (result.rows_loaded, result.rows_rejected, result.duplicates, result.blank_lines) == (
        roles["clean"],
        roles["bad"] + roles["repeat"],
        roles["repeat"],
        roles.get("blank", 0),
    )

    # 2. the rejects are the truth's, on their true lines, with the file's values
    truth.execute(f"ATTACH '{db}' AS w (READ_ONLY)")
    rejects = truth.execute(
        'SELECT line, "column", value, reason FROM w._rejects WHERE load_id = ? ORDER BY line', [result.load_id]
    ).fetchall()
    expected = truth.execute(
        f"""SELECT line, CASE WHEN role = 'repeat' THEN 'order_id' ELSE
                   {_sql_list([c for c, _t, _r in BAD])}[1 + b] END,
                   CASE WHEN role = 'repeat' THEN '{DUPLICATE}' ELSE {_sql_list([r for _c, _t, r in BAD])}[1 + b] END
            FROM truth WHERE role IN ('bad', 'repeat') ORDER BY line"""
    ).fetchall()
    assert [(line, column, reason) for line, column, _value, reason in rejects] == expected
    sample = truth.execute("""
        (SELECT line, role, b, order_id, msisdn, region, product, fee FROM truth WHERE role <> 'clean' LIMIT 60)
        UNION ALL (SELECT line, role, b, order_id, msisdn, region, product, fee FROM truth USING SAMPLE 40 ROWS)
        """).fetchall()
    text = lines_of(path, {line for line, *_ in rejects} | {line for line, *_ in sample} | {1, 2})
    check_generated(text, sample)
    for line, column, value, _reason in rejects:
        assert value == raw_field(text[line], column), (line, column, value, text[line])

    # 3. of each repeated key, the first line's row is the one loaded
    later_kept = truth.execute("""
        SELECT count(*) FROM truth r JOIN truth first ON first.j = r.target
        JOIN w.orders o ON o.order_id = r.order_id
        WHERE r.role = 'repeat' AND (o.fee IS DISTINCT FROM first.fee OR o.order_time <> first.order_time
                                     OR o.msisdn <> first.msisdn OR o.status <> first.status)""").fetchone()[0]
    assert later_kept == 0

    # 4. the loaded rows are the truth's rows, value for value: order_id is unique on both sides,
    # so one full join pairs them; a row missing on either side or differing in any column counts
    differ = " OR ".join(f"o.{c} IS DISTINCT FROM t.{c}" for c in COLUMNS)
    loaded, unmatched = truth.execute(f"""
        SELECT count(o.order_id), count(*) FILTER (WHERE {differ})
        FROM w.orders o FULL JOIN (SELECT * FROM truth WHERE role = 'clean') t ON t.order_id = o.order_id""").fetchone()
    assert (loaded, unmatched) == (roles["clean"], 0)
    truth.close()

    # 5. the path the shape is meant for
    assert directly == (shape == "direct")
