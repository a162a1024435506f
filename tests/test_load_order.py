"""File order on files of millions of rows (issue 26 item 1, SPEC §2.1).

A multi-threaded insert does not keep the file's order (PITFALLS, December 2026): before,
a 2M-row file with order X on lines 150,002 and 330,002 kept the later row in some runs,
and rejects were numbered by where rows landed in the table. The files are written by
DuckDB (`COPY … ORDER BY`), one row per line: row i (from 0) is on line i + 2."""

from __future__ import annotations

from decimal import Decimal

import duckdb
import pytest

from .conftest import query, spy_direct

pytestmark = pytest.mark.big

ROWS = 2_000_000
RUNS = 3


def write_orders(path, repeat: tuple[int, int], bad: tuple[int, ...]):
    """ROWS orders O<i>, all 成功 128.00 on 2022-11-01. Order X on line repeat[0] (成功, 128.00)
    and again on line repeat[1] (失败, 999.00); msisdn 12345 (too short) on the `bad` lines."""
    first, again = (line - 2 for line in repeat)
    bad_rows = ", ".join(str(line - 2) for line in bad)
    con = duckdb.connect()
    try:
        con.execute(f"""
            COPY (SELECT CASE WHEN i IN ({first}, {again}) THEN 'X' ELSE 'O' || i END AS 订单编号,
                         '2022-11-01 10:00:00' AS 办理时间,
                         CASE WHEN i IN ({bad_rows}) THEN '12345' ELSE '138' || lpad(i::VARCHAR, 8, '0') END
                             AS 手机号码,
                         '呼和浩特' AS 地市, 'app' AS 渠道, '视频彩铃' AS 业务名称,
                         CASE WHEN i = {again} THEN '失败' ELSE '成功' END AS 办理结果,
                         CASE WHEN i = {again} THEN '999.00' ELSE '128.00' END AS 资费
                  FROM range({ROWS}) t(i) ORDER BY i) TO '{path}' (HEADER)""")
    finally:
        con.close()
    return path


def _runs(chanops, tmp_path, path) -> list:
    answers = []
    for run in range(RUNS):
        db = tmp_path / f"run{run}.duckdb"
        result = chanops("load", "orders", path, "--db", db)
        assert result.exit_code == 0, result.stderr
        assert "read 2,000,000, loaded 1,999,997, rejected 3, 1 of them duplicates" in result.stderr
        answers.append(
            (
                query(db, "SELECT status, fee FROM orders WHERE order_id = 'X'"),
                query(db, 'SELECT line, "column", reason FROM _rejects ORDER BY line'),
            )
        )
        db.unlink()
    return answers


def test_the_direct_append_keeps_the_first_occurrence_and_true_lines(chanops, tmp_path, monkeypatch):
    """X on line 150,002 (成功, 128.00) and 330,002 (失败, 999.00); bad msisdn on lines 250,002
    and 1,900,002 — below the 200,000 probed records, so the file is appended directly. Read
    2,000,000 = loaded 1,999,997 + rejected 3 (2 bad + 1 duplicate). In each of 3 runs X is
    成功 128.00 and the rejects are on lines 250,002, 330,002 and 1,900,002 (before: the later
    X kept in some runs, and the lines were wherever the rows landed)."""
    path = write_orders(tmp_path / "orders.csv", repeat=(150_002, 330_002), bad=(250_002, 1_900_002))
    outcomes = spy_direct(monkeypatch)
    answers = _runs(chanops, tmp_path, path)
    expected = (
        [("success", Decimal("128.00"))],
        [
            (250_002, "msisdn", "not an 11-digit mobile number"),
            (330_002, "order_id", "duplicate order_id (repeated in file)"),
            (1_900_002, "msisdn", "not an 11-digit mobile number"),
        ],
    )
    assert answers == [expected] * RUNS
    assert all(o is not None for o in outcomes) and len(outcomes) == RUNS  # the direct path settled it


def test_the_staged_load_keeps_the_first_occurrence_and_true_lines(chanops, tmp_path, monkeypatch):
    """Bad msisdn on lines 100 and 300,002 (the issue's lines; line 100 is among the probed
    records, so the file is staged); X on lines 150,002 (成功) and 330,002 (失败). In each of 3
    runs X is 成功 128.00 and the rejects are on lines 100, 300,002 and 330,002 (before: lines
    like 171,529 and 357,145, which hold good rows)."""
    path = write_orders(tmp_path / "orders.csv", repeat=(150_002, 330_002), bad=(100, 300_002))
    outcomes = spy_direct(monkeypatch)
    answers = _runs(chanops, tmp_path, path)
    expected = (
        [("success", Decimal("128.00"))],
        [
            (100, "msisdn", "not an 11-digit mobile number"),
            (300_002, "msisdn", "not an 11-digit mobile number"),
            (330_002, "order_id", "duplicate order_id (repeated in file)"),
        ],
    )
    assert answers == [expected] * RUNS
    assert outcomes == [None] * RUNS  # staged every time
