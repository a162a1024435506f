"""Invariants of loading, whatever the rows contain (hypothesis)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chanops.channels import build_catalog
from chanops.errors import InputFileError
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


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
    assert result.rows_read == len(rows)
    assert result.rows_loaded + result.rows_rejected == result.rows_read
    assert (loaded, rejected) == (result.rows_loaded, result.rows_rejected)
    assert keys == 0  # keys stay unique whatever the file repeats


def test_bare_cr_file_is_refused_cleanly(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(
        b"order_id,order_time,msisdn,region,channel,product,status\n"
        b"A,20221101,13800000001,x,app,p,1\n\r,20221101,13800000001,x,app,p,1\n"
    )
    con = connect(tmp_path / "wh.duckdb", read_only=False)
    try:
        with pytest.raises(InputFileError, match="cannot be parsed"):
            load_files(con, "orders", [path], build_catalog(None), LoadOptions())
        assert con.execute("SELECT (SELECT count(*) FROM orders) + (SELECT count(*) FROM _loads)").fetchone() == (0,)
    finally:
        con.close()
