"""-o/--out never destroys what is in (issue 26 items 8, 9, 11; SPEC §11): it refuses the
warehouse, its WAL, another DuckDB file and (for -o) a directory in one line, exit 2; error
lines mask phone numbers; every command accepts --config."""

from __future__ import annotations

import pytest
import typer

from chanops.cli import app

from .conftest import query, write_text

ORDERS = "订单编号,办理时间,手机号码,产品,渠道,地市,状态\nA1,2022-11-01 08:00:00,13912345678,流量包,app,包头,成功\n"


@pytest.fixture
def warehouse(chanops, tmp_path, db):
    """A warehouse with 1 order (A1, 13912345678, 2022-11)."""
    result = chanops("load", "orders", write_text(tmp_path / "orders.csv", ORDERS), "--db", db)
    assert result.exit_code == 0, result.stderr
    return db


@pytest.mark.parametrize(
    "command",
    [
        ["kpi", "--month", "2022-11"],
        ["sql", "SELECT 1"],
        ["points", "payout", "--month", "2022-11"],
    ],
)
@pytest.mark.parametrize("target", ["{db}", "{db}.wal"])
def test_output_onto_the_warehouse_or_its_wal_is_refused_and_the_warehouse_kept(chanops, warehouse, command, target):
    """Before: `kpi --db w.duckdb -o w.duckdb` replaced the warehouse with a CSV, exit 0. Now
    exit 2, one line naming the warehouse, and the warehouse still holds its 1 order."""
    out = target.format(db=warehouse)
    result = chanops(*command, "--db", warehouse, "-o", out)
    assert result.exit_code == 2, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "warehouse" in result.stderr
    assert query(warehouse, "SELECT order_id FROM orders") == [("A1",)]


def test_output_onto_another_database_or_a_directory_is_refused(chanops, warehouse, tmp_path):
    """-o onto a second warehouse file, onto a directory: exit 2, one line each; the report's
    --out onto the warehouse file too. A plain file name still writes (exit 0)."""
    import duckdb

    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).close()
    for args in (["-o", other], ["-o", tmp_path]):
        result = chanops("sql", "SELECT 1", "--db", warehouse, *args)
        assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
    result = chanops("report", "monthly", "--db", warehouse, "--out", warehouse)
    assert result.exit_code == 2 and "warehouse" in result.stderr, result.stderr
    ok = chanops("sql", "SELECT 1 AS x", "--db", warehouse, "-o", tmp_path / "x.csv")
    assert ok.exit_code == 0, ok.stderr
    assert (tmp_path / "x.csv").read_bytes() == b"\xef\xbb\xbfx\r\n1\r\n"  # Excel's CSV


def test_a_header_less_extract_is_refused_with_phone_numbers_masked(chanops, tmp_path, db):
    """The first line is data, so it is read as the header: 'headers found: A1, …,
    13912345678, …' printed the number in full. Now 139****5678."""
    headless = write_text(tmp_path / "orders.csv", ORDERS.split("\n", 1)[1])
    result = chanops("load", "orders", headless, "--db", db)
    assert result.exit_code == 1
    assert "headers found" in result.stderr
    assert "139****5678" in result.stderr and "13912345678" not in result.stderr


def _commands(command, path=()):
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in subcommands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), command


def test_every_command_accepts_config():
    """funnel, lifecycle, points match/summary/unclaimed/runs, db info/schema, rejects … refused
    --config, so a cron line passing it everywhere failed. Every command but `init` (whose
    argument is where to write a chanops.toml) takes it now."""
    tree = typer.main.get_command(app)
    without = [name for name, cmd in _commands(tree) if name != "init" and "--config" not in cmd_opts(cmd)]
    assert without == []


def cmd_opts(command) -> list[str]:
    return [opt for param in command.params for opt in param.opts]


def test_config_is_harmless_where_no_setting_applies(chanops, warehouse, tmp_path):
    """`points runs`, `db info` and `rejects` with --config: exit 0, as without it."""
    config = write_text(tmp_path / "chanops.toml", "")
    for command in (["points", "runs"], ["db", "info"], ["rejects"]):
        result = chanops(*command, "--db", warehouse, "--config", config, "--format", "csv")
        assert result.exit_code == 0, (command, result.stderr)
