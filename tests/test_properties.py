"""Invariants of loading, whatever the rows contain (hypothesis)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanops.channels import build_catalog
from chanops.ingest.loader import LoadOptions, load_files
from chanops.store.warehouse import connect

COLUMNS = ["order_id", "order_time", "msisdn", "region", "channel", "product", "status", "fee"]
GOOD = {
    "order_time": ["2022-11-30 08:01:02", "20221130", "2022/11/30 08:01:02"],
    "msisdn": ["13800000001", "+86 138-0000-0002", "8613800000003"],
    "region": ["包头", "赤峰"],
    "channel": ["app", "手机营业厅", "store"],
    "product": ["5G套餐", "视频彩铃"],
    "status": ["成功", "0", "fail"],
    "fee": ["1,234.50", "¥12", "", "8.355"],
}
# A bare CR outside quotes makes DuckDB refuse the whole file; test_bare_cr_file_is_refused_cleanly covers it.
junk = st.text(alphabet=st.characters(blacklist_characters="\x00\r", blacklist_categories=("Cs",)), max_size=12)


def field(name: str):
    if name == "order_id":
        return st.one_of(st.sampled_from(["A", "B", "C", ""]), junk)
    return st.one_of(st.sampled_from(GOOD[name]), junk)


rows = st.lists(st.fixed_dictionaries({c: field(c) for c in COLUMNS}), min_size=1, max_size=25)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=rows, shuffle_seed=st.randoms())
def test_every_row_is_loaded_or_rejected_never_lost(rows, shuffle_seed):
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        path.write_text(buffer.getvalue(), encoding="utf-8")
        con = connect(Path(tmp) / "wh.duckdb", read_only=False)
        try:
            [result] = load_files(con, "orders", [path], build_catalog(None), LoadOptions(max_reject_rate=1.0))
            loaded = con.execute("SELECT count(*) FROM orders").fetchone()[0]
            rejected = con.execute("SELECT count(*) FROM _rejects").fetchone()[0]
            keys = con.execute("SELECT count(*) - count(DISTINCT order_id) FROM orders").fetchone()[0]
        finally:
            con.close()
    # A quoted field holding the delimiter and a line break cannot be told from a stray quote
    # that swallowed lines: such a file is read line by line, one row per physical line.
    physical_data_lines = buffer.getvalue().count("\n") - 1
    assert result.rows_read == (physical_data_lines - result.blank_lines if result.line_mode else len(rows))
    assert result.rows_loaded + result.rows_rejected == result.rows_read
    assert (loaded, rejected) == (result.rows_loaded, result.rows_rejected)
    assert keys == 0  # keys stay unique whatever the file repeats


def test_a_bare_cr_ends_a_line(tmp_path):
    """A lone CR ends a line, as LF and CRLF do (a CR-only export's lines are its CR-separated
    records): line 2 A loads, line 3 is empty, line 4 has no order_id and is rejected."""
    path = tmp_path / "orders.csv"
    path.write_bytes(
        b"order_id,order_time,msisdn,region,channel,product,status\n"
        b"A,20221101,13800000001,x,app,p,1\n\r,20221101,13800000001,x,app,p,1\n"
    )
    con = connect(tmp_path / "wh.duckdb", read_only=False)
    try:
        [result] = load_files(con, "orders", [path], build_catalog(None), LoadOptions(max_reject_rate=1.0))
        assert (result.rows_read, result.rows_loaded, result.blank_lines) == (2, 1, 1)
        assert con.execute('SELECT line, "column" FROM _rejects').fetchall() == [(4, "order_id")]
    finally:
        con.close()


POLLUTIONS = ("none", "stray_quote", "extra_delimiter", "missing_delimiter", "null_marker", "duplicate", "blank")
ORDER_COLUMNS = ["order_id", "order_time", "msisdn", "region", "channel", "product", "status", "fail_reason", "fee"]


def polluted_file(pollutions: list[str], crlf: bool, order: list[int]) -> tuple[str, int]:
    """Valid orders O0..On-1, each then polluted as asked (Pollock-style): the file text and
    its number of physical data lines."""
    lines = []
    for i, pollution in enumerate(pollutions):
        values = [f"O{i}", "2022-11-01 10:00:00", f"138{i:08d}", "包头", "app", "视频彩铃", "成功", "", "1.00"]
        if pollution == "stray_quote":
            values[7] = '"产品互斥'
        if pollution == "null_marker":
            values[3] = ["\\N", "NULL", "N/A", "-", "NaN"][i % 5]
        line = ",".join(values[j] for j in order)
        if pollution == "extra_delimiter":
            line += ","
        if pollution == "missing_delimiter":
            cut = line.rindex(",")
            line = line[:cut] + line[cut + 1 :]
        lines.append(line)
        if pollution == "duplicate":
            lines.append(line)
        if pollution == "blank":
            lines.append("")
    header = ",".join(ORDER_COLUMNS[j] for j in order)
    end = "\r\n" if crlf else "\n"
    return end.join([header, *lines]) + end, len(lines)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pollutions=st.lists(st.sampled_from(POLLUTIONS), min_size=1, max_size=30),
    crlf=st.booleans(),
    order=st.permutations(range(len(ORDER_COLUMNS))),
)
def test_every_physical_line_is_accounted_for_and_no_key_is_loaded_twice(pollutions, crlf, order):
    """Load a polluted file, then the same rows re-sent with the other line ends and another
    column order: every physical line is loaded, rejected or an empty line; reject numbers are
    distinct physical lines; the re-send adds nothing; no order_id is in the warehouse twice."""
    text, data_lines = polluted_file(pollutions, crlf, order)
    resent, _ = polluted_file(pollutions, not crlf, list(reversed(order)))
    with tempfile.TemporaryDirectory() as tmp:
        first, second = Path(tmp) / "orders.csv", Path(tmp) / "orders_resent.csv"
        first.write_text(text, encoding="utf-8", newline="")
        second.write_text(resent, encoding="utf-8", newline="")
        con = connect(Path(tmp) / "wh.duckdb", read_only=False)
        try:
            options = LoadOptions(max_reject_rate=1.0)
            [result] = load_files(con, "orders", [first], build_catalog(None), options)
            lines = [r[0] for r in con.execute("SELECT line FROM _rejects ORDER BY line").fetchall()]
            loaded = con.execute("SELECT count(*) FROM orders").fetchone()[0]
            [again] = load_files(con, "orders", [second], build_catalog(None), options)
            reloaded = con.execute("SELECT count(*) FROM orders").fetchone()[0]
            repeated = con.execute("SELECT count(*) - count(DISTINCT order_id) FROM orders").fetchone()[0]
        finally:
            con.close()
    assert result.rows_read + result.blank_lines == data_lines
    assert result.rows_loaded + result.rows_rejected == result.rows_read == loaded + len(lines)
    assert len(set(lines)) == len(lines) and all(2 <= n <= data_lines + 1 for n in lines)
    assert again.rows_loaded == 0 and reloaded == loaded
    assert repeated == 0
