"""CLI behaviour shared by every command: stdout for data, stderr for people, exit codes."""

from __future__ import annotations

import json

from .conftest import write_text
from .test_load import ORDERS_HEADER, order_rows


def test_db_info_and_rejects_as_json(chanops, tmp_path, db):
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(200, bad_every=100))
    assert chanops("load", "orders", path, "--db", db).exit_code == 0
    info = chanops("db", "info", "--db", db, "--format", "json")
    assert info.exit_code == 0 and info.stderr == ""
    data = json.loads(info.stdout)
    orders = next(row for row in data["tables"] if row["kind"] == "orders")
    assert orders == {
        "kind": "orders",
        "label": "业务办理记录",
        "rows": 198,
        "first_month": "2022-11",
        "last_month": "2022-11",
        "months": 1,
        "loads": 1,
        "rejected": 2,
    }
    assert data["rejects"] == [
        {"kind": "orders", "code": "bad_phone", "reason": "not an 11-digit mobile number", "count": 2}
    ]
    assert data["loads"][0]["rows_read"] == 200

    rejects = chanops("rejects", "--kind", "orders", "--db", db, "--format", "csv")
    assert rejects.exit_code == 0
    assert rejects.stdout.splitlines() == [
        "load_id,kind,file,line,column,value,code,reason",
        f"1,orders,{path},2,msisdn,12345,bad_phone,not an 11-digit mobile number",
        f"1,orders,{path},102,msisdn,12345,bad_phone,not an 11-digit mobile number",
    ]


def test_db_info_csv_warns_that_only_the_first_section_is_shown(chanops, tmp_path, db):
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(2))
    chanops("load", "orders", path, "--db", db)
    result = chanops("db", "info", "--db", db)  # CliRunner is not a terminal: csv
    assert result.stdout.startswith("kind,label,rows,first_month,last_month,months,loads,rejected\n")
    assert "only the first section" in result.stderr


def test_usage_errors_exit_2_with_one_line(chanops):
    for args in (
        ["load"],
        ["kpi-that-does-not-exist"],
        ["rejects", "--limit", "-1"],
        ["db", "info", "--format", "yaml"],
    ):
        result = chanops(*args)
        assert result.exit_code == 2, args
        assert result.stdout == ""
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert result.stderr.startswith("chanops: error: ")


def test_bad_config_is_one_line(chanops, tmp_path, db):
    config = write_text(tmp_path / "chanops.toml", "[channels.tiktok]\nzh = '抖音'\n")
    path = write_text(tmp_path / "o.csv", ORDERS_HEADER + order_rows(1))
    result = chanops("load", "orders", path, "--db", db, "--config", config)
    assert result.exit_code == 2
    assert result.stderr == "chanops: error: new channel 'tiktok' in config needs both 'online' and 'electronic'\n"
    broken = write_text(tmp_path / "broken.toml", "[columns\n")
    result = chanops("load", "orders", path, "--db", db, "--config", broken)
    assert result.exit_code == 2 and "not valid TOML" in result.stderr


def test_version_and_help(chanops):
    assert chanops("--version").stdout.startswith("chanops ")
    help_text = chanops("--help").stdout
    for command in ("load", "sample", "rejects", "db"):
        assert command in help_text
