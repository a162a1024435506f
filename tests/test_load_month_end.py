"""Month-end loads (issue 26 items 2, 3, 6, 7; SPEC §2.1 and §11 amended): a month sent in
parts, a file whose rows a --replace removed, corrections never dropped, dry runs, refused
loads kept on record. Every file is written here; the numbers are worked out in each test's
docstring."""

from __future__ import annotations

import pytest

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


def _force_staging(monkeypatch, staged: bool) -> None:
    from chanops.ingest import direct

    if staged:
        monkeypatch.setattr(direct, "applies", lambda *_a: False)


@pytest.mark.parametrize("staged", [False, True])
def test_a_correction_without_replace_is_refused_never_dropped(chanops, tmp_path, db, monkeypatch, staged):
    """O1–O3 loaded (成功, 10.00). A corrected file: O1 the same, O2 now 失败, O3 fee 12.00, O4
    new. Without --replace: 2 rows differ → refused, exit 1, one line showing O2's status
    (success in the warehouse, fail in the file) and naming --replace; nothing written (3
    orders, 1 load). Before: O2, O3 rejected as duplicates, O4 loaded, exit 0. With --replace:
    November is the file's 4 rows, O2 fail, O3 12.00. Direct and staged paths alike."""
    _force_staging(monkeypatch, staged)
    assert load(chanops, db, write_text(tmp_path / "a.csv", ORDERS + orders("O", 3))).exit_code == 0
    corrected = write_text(
        tmp_path / "a_v2.csv",
        ORDERS
        + orders("O", 1)
        + "O2,2022-11-01 10:00:00,13800000002,包头,app,视频彩铃,失败,,,,10.00\n"
        + "O3,2022-11-01 10:00:00,13800000003,包头,app,视频彩铃,成功,,,,12.00\n"
        + "O4,2022-11-01 10:00:00,13800000004,包头,app,视频彩铃,成功,,,,10.00\n",
    )
    refused = load(chanops, db, corrected)
    assert refused.exit_code == 1
    [line] = refused.stderr.strip().splitlines()
    assert "2 row(s) hold keys already loaded with other values" in line
    assert "order_id O2: status is success in the warehouse, fail in the file" in line
    assert "--replace" in line
    assert query(db, "SELECT count(*), sum(fee) FROM orders") == [(3, 30)]
    assert query(db, "SELECT count(*) FROM _loads") == [(1,)]
    replaced = load(chanops, db, corrected, "--replace")
    assert replaced.exit_code == 0, replaced.stderr
    assert query(db, "SELECT order_id, status, fee FROM orders ORDER BY 1") == [
        ("O1", "success", 10),
        ("O2", "fail", 10),
        ("O3", "success", 12),
        ("O4", "success", 10),
    ]


def test_identical_rows_stay_plain_duplicates(chanops, tmp_path, db):
    """O1–O3 loaded; a file with O2 and O3 unchanged and O4 new: read 3, loaded 1, rejected 2,
    both duplicates — no refusal. The same O1–O3 again with CRLF under another name: skipped in
    one line."""
    assert load(chanops, db, write_text(tmp_path / "a.csv", ORDERS + orders("O", 3))).exit_code == 0
    more = write_text(tmp_path / "b.csv", ORDERS + "".join(orders("O", 4).splitlines(True)[1:]))
    result = load(chanops, db, more)
    assert result.exit_code == 0, result.stderr
    assert "read 3, loaded 1, rejected 2, 2 of them duplicates" in result.stderr
    again = load(chanops, db, write_text(tmp_path / "c.csv", ORDERS + orders("O", 3), newline="\r\n"))
    assert again.stderr.count("\n") == 1 and "all 3 rows already loaded into orders; skipped" in again.stderr


def _bad_file(tmp_path):
    """20 orders, P5 and P15 with msisdn 12345: 2 of 20 bad (10% > the default 1%)."""
    rows = orders("P", 20).replace("13800000005,", "12345,").replace("13800000015,", "12345,")
    return write_text(tmp_path / "bad.csv", ORDERS + rows)


def test_a_dry_run_checks_everything_and_writes_nothing(chanops, tmp_path, db):
    """O1–O3 loaded (load 1). A dry run of 20 orders with P5 (line 6) and P15 (line 16) bad: the
    summary (read 20, loaded 18, rejected 2 — dry run), each rejected line with its column and
    reason, "would be refused" (10% > 1%), exit 1; the warehouse as before (3 orders, 1 load,
    no rejects). A clean dry run (O4–O5... as 2 new orders): exit 0, nothing written."""
    assert load(chanops, db, write_text(tmp_path / "a.csv", ORDERS + orders("O", 3))).exit_code == 0
    before = [query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("orders", "_loads", "_rejects")]
    dry = load(chanops, db, _bad_file(tmp_path), "--dry-run")
    assert dry.exit_code == 1
    assert "read 20, loaded 18, rejected 2 (utf-8) — dry run, nothing written" in dry.stderr
    assert "  line 6: msisdn '12345' — not an 11-digit mobile number" in dry.stderr
    assert "  line 16: msisdn '12345' — not an 11-digit mobile number" in dry.stderr
    assert "would be refused" in dry.stderr and dry.stderr.strip().endswith("dry run, nothing written")
    clean = load(chanops, db, write_text(tmp_path / "new.csv", ORDERS + orders("N", 2)), "--dry-run")
    assert clean.exit_code == 0, clean.stderr
    assert "read 2, loaded 2, rejected 0 (utf-8) — dry run, nothing written" in clean.stderr
    assert [query(db, f"SELECT * FROM {t} ORDER BY ALL") for t in ("orders", "_loads", "_rejects")] == before


def test_a_refused_load_keeps_its_rejects_and_says_loaded_only_after_commit(chanops, tmp_path, db):
    """The 20-order file with 2 bad rows (10% > 1%): refused, exit 1, no order written, and the
    summary "read 20, loaded 18" never printed (before it came ahead of "rolled back"). The
    ledger line 1 says refused (loaded 0, rejected 2); `chanops rejects --load 1` shows lines 6
    and 16 (before: empty). Loaded again with --max-reject-rate 0.2 it is not "already
    loaded": 18 orders."""
    path = _bad_file(tmp_path)
    refused = load(chanops, db, path)
    assert refused.exit_code == 1
    assert "loaded 18" not in refused.stderr
    [line] = refused.stderr.strip().splitlines()
    assert "2 of 20 rows rejected" in line and "chanops rejects --load 1" in line
    assert query(db, "SELECT count(*) FROM orders") == [(0,)]
    assert query(db, "SELECT load_id, rows_read, rows_loaded, rows_rejected, status FROM _loads") == [
        (1, 20, 0, 2, "refused")
    ]
    shown = chanops("rejects", "--load", "1", "--db", db, "--format", "csv")
    assert shown.exit_code == 0, shown.stderr
    assert [row.split(",")[3] for row in shown.stdout.strip().splitlines()[1:]] == ["6", "16"]
    import duckdb

    from chanops.store.inventory import recent_loads

    con = duckdb.connect(str(db), read_only=True)
    try:
        assert recent_loads(con)["status"].to_list() == ["refused"]  # what `db info` lists
    finally:
        con.close()
    again = load(chanops, db, path, "--max-reject-rate", "0.2")
    assert again.exit_code == 0, again.stderr
    assert query(db, "SELECT count(*) FROM orders") == [(18,)]


def test_a_failed_commit_prints_no_summary(chanops, tmp_path, db, monkeypatch):
    """A disk that fills at COMMIT: one error line, no "loaded 3" before it, nothing written."""
    import duckdb

    from chanops.ingest import loader

    real = loader.load_files

    class FullAtCommit:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            if sql.strip().upper() == "COMMIT":
                raise duckdb.IOException("IO Error: Could not write file: No space left on device")
            return self.con.execute(sql, *args)

        def __getattr__(self, name):
            return getattr(self.con, name)

    monkeypatch.setattr(loader, "load_files", lambda con, *a, **kw: real(FullAtCommit(con), *a, **kw))
    result = load(chanops, db, write_text(tmp_path / "a.csv", ORDERS + orders("O", 3)))
    assert result.exit_code == 1
    assert "loaded" not in result.stderr and result.stderr.count("\n") == 1
    assert "the disk is full" in result.stderr
